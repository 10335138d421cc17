"""Game classes on pipesnet's base classes, checked against `dcc build --python` stubs.

CI writes the stubs of schemas/example.dc to `example_dc.pyi` and of hierarchy.dc to
`hierarchy_dc.pyi` on MYPYPATH and runs `mypy --strict` here. While type checking, the
stub class is the FIRST base: a handler whose signature does not match the schema is
an error, and `send_update` / `send_command` / `set_field` / `interpolate` accept only
the names the stub's `sendUpdate` takes. At run time the stub base is
`pipesnet.StubOnly`, which drops out of the bases.
"""

from typing import TYPE_CHECKING, Optional

from pipesnet import DistributedObject, DistributedObjectAI, DistributedObjectOV, StubOnly

if TYPE_CHECKING:
    from example_dc import ColorTuple
    from example_dc import DistributedAvatar as AvatarStub
    from example_dc import DistributedAvatarAI as AvatarAIStub
    from example_dc import DistributedAvatarOV as AvatarOVStub
    from example_dc import DistributedChatAI as ChatAIStub
    from hierarchy_dc import DistributedPlayer as PlayerStub
    from hierarchy_dc import DistributedPlayerAI as PlayerAIStub
    from hierarchy_dc import DistributedToon as ToonStub
    from hierarchy_dc import DistributedToonAI as ToonAIStub
else:
    AvatarStub = AvatarAIStub = AvatarOVStub = ChatAIStub = StubOnly
    PlayerStub = PlayerAIStub = ToonStub = ToonAIStub = StubOnly


class DistributedAvatar(AvatarStub, DistributedObject):
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
        self.sendUpdate("setH", [90.0])  # Panda's spelling: the same names


class DistributedAvatarOV(AvatarOVStub, DistributedObjectOV):
    """The owner view: commands are named fields too."""

    def turn(self) -> int:
        self.send_update("setH", [45.0])
        return self.send_command("emote", [3])


class DistributedAvatarAI(AvatarAIStub, DistributedObjectAI):
    """The server side."""

    def setH(self, h: float) -> None:
        self.set_field("setH", [h])

    def wave(self, client: int) -> None:
        self.send_update("emote", [1], client=client)


class DistributedChatAI(ChatAIStub, DistributedObjectAI):
    """Another class: its own field names."""

    def say(self, text: str) -> None:
        self.send_update("said", [0, text])


class DistributedPlayer(PlayerStub, DistributedObject):
    """A game class other game classes derive from."""

    def setName(self, name: str) -> None:
        self.send_update("chat", [f"I am {name}"])


class DistributedToon(ToonStub, DistributedPlayer):
    """Derives from a game class: its own stub widens the names to the toon's fields."""

    def setHp(self, hp: int) -> None:
        self.send_update("wave")
        self.send_update("chat", [f"hp {hp}"])  # inherited from DistributedPlayer's dclass
        self.setName("toon")


class DistributedPlayerAI(PlayerAIStub, DistributedObjectAI):
    def rename(self, name: str) -> None:
        self.set_field("setName", [name])


class DistributedToonAI(ToonAIStub, DistributedPlayerAI):
    def heal(self) -> None:
        self.set_field("setHp", [100])
        self.rename("healed")


class Untyped(DistributedObject):
    """A class without stubs takes any field name."""

    def go(self) -> None:
        self.send_update("anything", [])
        self.sendUpdate("anything")


class OldStyle(DistributedObject, AvatarStub):
    """The stub as second base (the earlier pattern, `object` at run time) still checks
    handlers; field names then go unchecked (pipesnet's methods come first)."""

    def setH(self, h: float) -> None:
        self.send_update("unchecked", [h])


def everywhere(objects: list[DistributedObject], server: list[DistributedObjectAI]) -> None:
    """Typed objects are plain `DistributedObject`s to code that takes any object."""
    for obj in objects:
        obj.send_update("setH", [0.0])
    for ai in server:
        ai.set_field("setH", [0.0])


def mixed(
    avatar: DistributedAvatar, owned: DistributedAvatarOV, toon: DistributedToon, other: Untyped, ai: DistributedToonAI
) -> None:
    everywhere([avatar, owned, toon, other], [ai])
    toon.send_update("setHp", [1])  # checked from outside the class too
    other.send_update("anything")
