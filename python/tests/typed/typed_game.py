"""Game classes on pipesnet's base classes, checked against `dcc build --python` stubs.

CI writes the stubs of schemas/example.dc to `example_dc.pyi` on MYPYPATH and runs
`mypy --strict` here. While type checking, the stub class is a second base, so a
handler whose signature does not match the schema is an error; at run time that
base is `object` and pipesnet's class does the work. The base's type argument, the
stubs' `<Class>Fields` alias (a string: the alias exists only while type checking),
limits the field names `send_update` / `send_command` / `set_field` / `interpolate`
accept.
"""

from typing import TYPE_CHECKING, Optional

from pipesnet import DistributedObject, DistributedObjectAI, DistributedObjectOV

if TYPE_CHECKING:
    from example_dc import ColorTuple, DistributedAvatarFields, DistributedChatFields
    from example_dc import DistributedAvatar as AvatarSchema
    from example_dc import DistributedAvatarAI as AvatarAISchema
    from example_dc import DistributedAvatarOV as AvatarOVSchema
    from example_dc import DistributedChatAI as ChatAISchema
else:
    AvatarSchema = AvatarAISchema = AvatarOVSchema = ChatAISchema = object


class DistributedAvatar(DistributedObject["DistributedAvatarFields"], AvatarSchema):
    """The client view: handlers typed by the schema."""

    pos = (0.0, 0.0, 0.0)
    color: "ColorTuple" = (0, 0, 0)

    def announce_generate(self) -> None:
        self.interpolate("setPos")

    def smoothed(self) -> Optional[tuple[float, ...]]:
        return self.interpolated("setPos")

    def setPos(self, x: float, y: float, z: float) -> None:
        self.pos = (x, y, z)

    def setColor(self, color: "ColorTuple") -> None:
        self.color = color

    def walk(self) -> None:
        self.send_update("setPos", [self.pos[0] + 1.0, self.pos[1], self.pos[2]])
        # Not `self.sendUpdate(...)`: the stub class declares Panda's spelling (so mypy
        # accepts it here), but pipesnet's objects only have `send_update`.


class DistributedAvatarOV(DistributedObjectOV["DistributedAvatarFields"], AvatarOVSchema):
    """The owner view: commands are named fields too."""

    def turn(self) -> int:
        self.send_update("setH", [45.0])
        return self.send_command("emote", [3])


class DistributedAvatarAI(DistributedObjectAI["DistributedAvatarFields"], AvatarAISchema):
    """The server side."""

    def setH(self, h: float) -> None:
        self.set_field("setH", [h])

    def wave(self, client: int) -> None:
        self.send_update("emote", [1], client=client)


class DistributedChatAI(DistributedObjectAI["DistributedChatFields"], ChatAISchema):
    """Another class: its own field names."""

    def say(self, text: str) -> None:
        self.send_update("said", [0, text])


class Untyped(DistributedObject):
    """A class without stubs: a bare base takes any field name (no type argument needed)."""

    def go(self) -> None:
        self.send_update("anything", [])


def everywhere(objects: list[DistributedObject]) -> None:
    """Typed objects are still `DistributedObject`s (the type argument is covariant)."""
    for obj in objects:
        obj.send_update("setH", [0.0])


def mixed(avatar: DistributedAvatar, owned: DistributedAvatarOV, other: Untyped) -> None:
    everywhere([avatar, owned, other])
