"""Distributed object base classes, in Panda3D's style.

:class:`DistributedObject`, :class:`DistributedObjectOV` and
:class:`DistributedObjectAI` are generic, for type checkers only, in the field names
their ``send_update`` / ``send_command`` / ``set_field`` / ``interpolate`` accept.
A bare base means any ``str``; with the ``<Class>Fields`` alias of the stubs from
``dcc build --python``, mypy rejects a misspelled field name::

    if TYPE_CHECKING:
        from game_dc import DistributedAvatar as AvatarSchema, DistributedAvatarFields
    else:
        AvatarSchema = object

    class DistributedAvatar(DistributedObject["DistributedAvatarFields"], AvatarSchema):
        def setPos(self, x: float, y: float, z: float) -> None: ...  # checked by AvatarSchema

At run time the subscript returns the class itself: nothing changes, and pipesnet
needs no ``typing_extensions`` (only type checkers read it, from their own stubs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Sequence

if TYPE_CHECKING:
    from typing import Generic as _FieldNamed

    from typing_extensions import TypeVar

    from .repository import ClientRepository, ServerRepository

    # PEP 696 default: a bare `DistributedObject` is `DistributedObject[str]`, so code
    # without stubs needs no type argument under --strict. Covariant so that a
    # `DistributedObject[Literal[...]]` is still a `DistributedObject` (what the
    # repositories and user code take). A covariant type variable as a parameter type
    # is flagged (mypy's `misc`, hence the `type: ignore[misc]` on those parameters);
    # here it is deliberate: the upcast object accepts any name again, as before.
    FieldName = TypeVar("FieldName", bound=str, default=str, covariant=True)
else:
    from typing import TypeVar

    FieldName = TypeVar("FieldName", bound=str)

    class _FieldNamed:
        """Run-time stand-in for ``Generic``: ``DistributedObject[X]`` is the class itself."""

        __slots__ = ()

        def __class_getitem__(cls, item: object) -> type:
            return cls

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


class DistributedObject(DistributedObjectBase, _FieldNamed[FieldName]):
    """A client view of a server object. Field handlers are methods named like the field.

    ``DistributedObject["DistributedAvatarFields"]`` (the alias from ``dcc build
    --python``) limits the field names its methods accept, for type checkers only.
    """

    def __init__(self, cr: ClientRepository) -> None:
        super().__init__()
        self.cr = cr
        self.is_owner: bool = False

    def send_update(self, field: FieldName, args: Optional[Sequence[Any]] = None) -> None:  # type: ignore[misc]
        """Sends a field message to the server (checked before sending)."""
        self.cr.send_update(self, field, args if args is not None else [])

    def send_command(self, field: FieldName, args: Optional[Sequence[Any]] = None) -> int:  # type: ignore[misc]
        """Sends an input command (a ``command`` field of an object this client owns);
        returns its number, for :meth:`pipesnet.Predictor.apply`."""
        return self.cr.send_command(self, field, args if args is not None else [])

    def interpolate(self, field: FieldName) -> None:  # type: ignore[misc]
        """Smooths a state field of 1-4 float64 values (or 1-4 integers of one type,
        divisors applied) for objects of this class."""
        self.cr.interpolate(self.dclass_name, field)

    def interpolated(self, field: FieldName) -> Optional[tuple[float, ...]]:  # type: ignore[misc]
        """The smoothed value of an interpolated field this frame (None before samples)."""
        return self.cr.interpolated(self, field)


class DistributedObjectOV(DistributedObject[FieldName]):
    """An owner view: the client's own copy of an object it owns."""


class DistributedObjectAI(DistributedObjectBase, _FieldNamed[FieldName]):
    """The server-side object; ``generate_object`` on the repository puts it in the world.

    ``DistributedObjectAI["DistributedAvatarFields"]`` limits the field names of
    ``send_update`` and ``set_field``, for type checkers only.
    """

    def __init__(self, air: ServerRepository) -> None:
        super().__init__()
        self.air = air
        self.owner: Optional[int] = None

    def send_update(
        self,
        field: FieldName,  # type: ignore[misc]
        args: Optional[Sequence[Any]] = None,
        client: Optional[int] = None,
        exclude_client: Optional[int] = None,
    ) -> None:
        """Sends a message field to clients that see the object (or to ``client``)."""
        self.air.send_update(self, field, args if args is not None else [], client, exclude_client)

    def set_field(self, field: FieldName, args: Sequence[Any]) -> None:  # type: ignore[misc]
        """Sets a replicated (``ram``/``required``) field; snapshots carry it."""
        self.air.set_field(self, field, args)
