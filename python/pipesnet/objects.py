"""Distributed object base classes, in Panda3D's style."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Sequence

if TYPE_CHECKING:
    from .repository import ClientRepository, ServerRepository

FRESH, GENERATED, ALIVE, DISABLED, DELETED = "fresh", "generated", "alive", "disabled", "deleted"


class DistributedObjectBase:
    """What client and server objects share: ids, zone, class name and lifecycle state."""

    def __init__(self) -> None:
        self.do_id: int = 0
        self.zone_id: int = 0
        self.dclass_name: str = ""
        self.do_state: str = FRESH

    def generate(self) -> None:
        """Called when the object is created, before its state is applied."""

    def announce_generate(self) -> None:
        """Called once the object is complete (state applied)."""

    def disable(self) -> None:
        """Called when the object leaves the view."""

    def delete(self) -> None:
        """Called last, when the object is gone."""

    def is_do_generated(self) -> bool:
        """Whether the object is generated or alive."""
        return self.do_state in (GENERATED, ALIVE)

    def is_do_alive(self) -> bool:
        """Whether the object is alive."""
        return self.do_state == ALIVE

    def is_do_deleted(self) -> bool:
        """Whether the object is deleted."""
        return self.do_state == DELETED

    def unique_name(self, name: str) -> str:
        """``name-<do_id>``, as Panda names per-object tasks and events."""
        return f"{name}-{self.do_id}"


class DistributedObject(DistributedObjectBase):
    """A client view of a server object. Field handlers are methods named like the field."""

    def __init__(self, cr: ClientRepository) -> None:
        super().__init__()
        self.cr = cr
        self.is_owner: bool = False

    def send_update(self, field: str, args: Optional[Sequence[Any]] = None) -> None:
        """Sends a field message to the server (checked before sending)."""
        self.cr.send_update(self, field, args if args is not None else [])

    def send_command(self, field: str, args: Optional[Sequence[Any]] = None) -> int:
        """Sends an input command (a ``command`` field of an object this client owns);
        returns its number, for :meth:`pipesnet.Predictor.apply`."""
        return self.cr.send_command(self, field, args if args is not None else [])

    def interpolate(self, field: str) -> None:
        """Smooths a state field of 1-4 float64 values (or 1-4 integers of one type,
        divisors applied) for objects of this class."""
        self.cr.interpolate(self.dclass_name, field)

    def interpolated(self, field: str) -> Optional[tuple[float, ...]]:
        """The smoothed value of an interpolated field this frame (None before samples)."""
        return self.cr.interpolated(self, field)


class DistributedObjectOV(DistributedObject):
    """An owner view: the client's own copy of an object it owns."""


class DistributedObjectAI(DistributedObjectBase):
    """The server-side object; ``generate_object`` on the repository puts it in the world."""

    def __init__(self, air: ServerRepository) -> None:
        super().__init__()
        self.air = air
        self.owner: Optional[int] = None

    def send_update(
        self,
        field: str,
        args: Optional[Sequence[Any]] = None,
        client: Optional[int] = None,
        exclude_client: Optional[int] = None,
    ) -> None:
        """Sends a message field to clients that see the object (or to ``client``)."""
        self.air.send_update(self, field, args if args is not None else [], client, exclude_client)

    def set_field(self, field: str, args: Sequence[Any]) -> None:
        """Sets a replicated (``ram``/``required``) field; snapshots carry it."""
        self.air.set_field(self, field, args)
