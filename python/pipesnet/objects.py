"""Distributed object base classes, in Panda3D's style.

Typed field names: put the stub class of ``dcc build --python`` FIRST among the bases
while type checking, and :data:`StubOnly` (which drops out of the bases) at run time::

    if TYPE_CHECKING:
        from game_dc import DistributedAvatar as AvatarStub
    else:
        AvatarStub = StubOnly

    class DistributedAvatar(AvatarStub, DistributedObject):
        def setPos(self, x: float, y: float, z: float) -> None: ...  # checked by the stub

mypy then checks each handler against the schema, and ``send_update`` /
``send_command`` / ``interpolate`` / ``set_field`` accept only the names the stub's
``sendUpdate`` takes (its ``<Class>Fields`` alias, inherited fields included, so a
game class deriving from another game class gets the wider set of its own stub). A
class without a stub takes any name. The ``self`` annotations that do this are read
by type checkers only; at run time the methods are plain.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Sequence

if TYPE_CHECKING:
    from typing import Protocol, TypeVar

    from .repository import ClientRepository, ServerRepository

    _Name = TypeVar("_Name", bound=str)
    _NameIn = TypeVar("_NameIn", bound=str, contravariant=True)

    class _SendsUpdates(Protocol[_NameIn]):
        """Has Panda's ``sendUpdate``: the field names it takes type pipesnet's methods.

        The stub class's ``sendUpdate`` takes its ``<Class>Fields``; pipesnet's own
        takes ``Any``, so a class without a stub takes any name.
        """

        def sendUpdate(self, fieldName: _NameIn, args: Sequence[Any] = ..., /) -> None: ...


if TYPE_CHECKING:

    class StubOnly:
        """Run-time stand-in for a stub class listed as a base (see the module doc);
        type checkers see this empty class, which may come before another base."""

else:

    class _StubOnly:
        """Run-time stand-in for a stub class listed as a base: it removes itself from
        the bases (PEP 560 ``__mro_entries__``), so ``class A(StubOnly,
        DistributedObject)`` has exactly the bases of ``class A(DistributedObject)``.
        (``object`` cannot stand in: it cannot come before another base.)"""

        __slots__ = ()

        def __mro_entries__(self, bases):
            return ()

        def __repr__(self):
            return "pipesnet.StubOnly"

    StubOnly = _StubOnly()


def _no_send_to_id(send_to_id: Optional[int]) -> None:
    if send_to_id is not None:
        raise ValueError("sendUpdate: sendToId is not supported (pipesnet sends to the object itself)")


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
    """A client view of a server object. Field handlers are methods named like the field.

    With a stub class of ``dcc build --python`` as first base while type checking, the
    methods taking a field name accept only that class's fields (see the module doc).
    """

    def __init__(self, cr: ClientRepository) -> None:
        super().__init__()
        self.cr = cr
        self.is_owner: bool = False

    # `self: _SendsUpdates[_Name]` types the field name by the class's `sendUpdate`;
    # `do` is the same object seen as what it is (the annotation costs nothing).

    def send_update(self: _SendsUpdates[_Name], field: _Name, args: Optional[Sequence[Any]] = None) -> None:
        """Sends a field message to the server (checked before sending)."""
        do: DistributedObject = self  # type: ignore[assignment]
        do.cr.send_update(do, field, args if args is not None else [])

    def sendUpdate(self, fieldName: Any, args: Sequence[Any] = (), sendToId: Optional[int] = None) -> None:
        """Panda3D's spelling of :meth:`send_update`. ``fieldName`` is typed ``Any`` so
        that a stub class's ``sendUpdate`` (its field names) is compatible either side
        of this class; ``sendToId`` (another target object) is not supported."""
        _no_send_to_id(sendToId)
        self.cr.send_update(self, fieldName, args)

    def send_command(self: _SendsUpdates[_Name], field: _Name, args: Optional[Sequence[Any]] = None) -> int:
        """Sends an input command (a ``command`` field of an object this client owns);
        returns its number, for :meth:`pipesnet.Predictor.apply`."""
        do: DistributedObject = self  # type: ignore[assignment]
        return do.cr.send_command(do, field, args if args is not None else [])

    def interpolate(self: _SendsUpdates[_Name], field: _Name) -> None:
        """Smooths a state field of 1-4 float64 values (or 1-4 integers of one type,
        divisors applied) for objects of this class."""
        do: DistributedObject = self  # type: ignore[assignment]
        do.cr.interpolate(do.dclass_name, field)

    def interpolated(self: _SendsUpdates[_Name], field: _Name) -> Optional[tuple[float, ...]]:
        """The smoothed value of an interpolated field this frame (None before samples)."""
        do: DistributedObject = self  # type: ignore[assignment]
        return do.cr.interpolated(do, field)


class DistributedObjectOV(DistributedObject):
    """An owner view: the client's own copy of an object it owns."""


class DistributedObjectAI(DistributedObjectBase):
    """The server-side object; ``generate_object`` on the repository puts it in the world.

    With a stub class of ``dcc build --python`` as first base while type checking,
    ``send_update`` and ``set_field`` accept only that class's fields.
    """

    def __init__(self, air: ServerRepository) -> None:
        super().__init__()
        self.air = air
        self.owner: Optional[int] = None

    def send_update(
        self: _SendsUpdates[_Name],
        field: _Name,
        args: Optional[Sequence[Any]] = None,
        client: Optional[int] = None,
        exclude_client: Optional[int] = None,
    ) -> None:
        """Sends a message field to clients that see the object (or to ``client``)."""
        do: DistributedObjectAI = self  # type: ignore[assignment]
        do.air.send_update(do, field, args if args is not None else [], client, exclude_client)

    def sendUpdate(self, fieldName: Any, args: Sequence[Any] = (), sendToId: Optional[int] = None) -> None:
        """Panda3D's spelling of :meth:`send_update` (to everyone who sees the object);
        typed like :meth:`DistributedObject.sendUpdate`, ``sendToId`` not supported."""
        _no_send_to_id(sendToId)
        self.air.send_update(self, fieldName, args, None, None)

    def set_field(self: _SendsUpdates[_Name], field: _Name, args: Sequence[Any]) -> None:
        """Sets a replicated (``ram``/``required``) field; snapshots carry it."""
        do: DistributedObjectAI = self  # type: ignore[assignment]
        do.air.set_field(do, field, args)
