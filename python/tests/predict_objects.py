"""Game classes of the prediction test schema (tests/predict.dc)."""

from typing import Any, Sequence

from pipesnet import DistributedObject, DistributedObjectAI, DistributedObjectOV, ServerRepository

DT = 1.0 / 66.0
"""The server's tick interval (the default `pipes-tickrate`, 66)."""


def step(state: Sequence[float], command: Sequence[Any], dt: float) -> tuple[float, float]:
    """The movement rule server and client share: velocity times one tick."""
    return (state[0] + command[0] * dt, state[1] + command[1] * dt)


class DistributedMoverAI(DistributedObjectAI):
    """Steps on each command; a wall at x = WALL the client does not know about."""

    WALL = 1e9

    def __init__(self, air: ServerRepository) -> None:
        super().__init__(air)
        self.state: tuple[float, float] = (0.0, 0.0)
        self.applied: list[int] = []
        self.seen: list[tuple[float, ...]] = []
        """Where each command's sender saw this mover (when the history is recorded)."""

    def input(self, vx: int, vy: int) -> None:
        command = self.air.current_command
        assert command is not None and command.field == "input"
        self.applied.append(command.seq)
        seen = self.air.rewind(self, "setState", command.view_time)
        if seen is not None:
            self.seen.append(seen)
        x, y = step(self.state, (vx, vy), DT)
        self.state = (min(x, self.WALL), y)
        self.set_field("setState", list(self.state))


class DistributedMover(DistributedObject):
    pass


class DistributedMoverOV(DistributedObjectOV):
    pass
