"""The prediction example's game classes (examples/python/mover.dc imports them)."""

from __future__ import annotations

from typing import Any, Sequence

from pipesnet import DistributedObject, DistributedObjectAI, DistributedObjectOV, ServerRepository

DT = 1.0 / 66.0
"""The server's tick interval (the default `pipes-tickrate`, 66 Hz): one command per tick."""

WALL_X = 2.0
"""A wall only the server knows about: the client walks through it and gets corrected."""


def step(state: Sequence[float], command: Sequence[Any], dt: float) -> tuple[float, float]:
    """The movement rule client and server share: velocity (m/s) times one tick."""
    return (state[0] + command[0] * dt, state[1] + command[1] * dt)


class DistributedMoverAI(DistributedObjectAI):
    """The authoritative mover: one step per input command, stopped by the wall."""

    def __init__(self, air: ServerRepository) -> None:
        super().__init__(air)
        self.state: tuple[float, float] = (0.0, 0.0)

    def input(self, vx: int, vy: int) -> None:
        x, y = step(self.state, (vx, vy), DT)
        self.state = (min(x, WALL_X), y)
        self.set_field("setState", list(self.state))


class DistributedMover(DistributedObject):
    """Someone else's mover (this example has none)."""


class DistributedMoverOV(DistributedObjectOV):
    """Our own mover: predicted by the client (see predict.py)."""
