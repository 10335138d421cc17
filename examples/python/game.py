"""The quick-start game classes that schemas/example.dc imports (`from game import ...`).

Typed against the schema: `dcc build --python example_dc.pyi schemas/example.dc`
writes the stubs, and `MYPYPATH=<its folder> mypy --strict` then checks every
handler's signature and every field name given to `send_update` / `set_field` /
`interpolate` (each stub class is the first base while type checking; at run time
`StubOnly` stands in and drops out of the bases).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipesnet import DistributedObject, DistributedObjectAI, DistributedObjectOV, StubOnly

if TYPE_CHECKING:
    from example_dc import DistributedAvatar as AvatarStub
    from example_dc import DistributedAvatarAI as AvatarAIStub
    from example_dc import DistributedAvatarOV as AvatarOVStub
    from example_dc import DistributedChat as ChatStub
    from example_dc import DistributedChatAI as ChatAIStub

    from pipesnet import ServerRepository
else:
    AvatarStub = AvatarAIStub = AvatarOVStub = ChatStub = ChatAIStub = StubOnly


class DistributedChat(ChatStub, DistributedObject):
    """The chat room as a client sees it: prints what it hears."""

    heard = 0

    def said(self, sender: int, text: str) -> None:
        DistributedChat.heard += 1
        print(f"client: avatar {sender} said {text!r}")


class DistributedChatAI(ChatAIStub, DistributedObjectAI):
    """The chat room on the server: relays each line to everyone in the zone."""

    avatars: dict[int, int] = {}

    def say(self, text: str) -> None:
        sender = self.air.client_sender
        avatar = self.avatars.get(sender, 0) if sender is not None else 0
        print(f"server: client {sender} says {text!r}")
        self.send_update("said", [avatar, text])


class DistributedAvatar(AvatarStub, DistributedObject):
    """Someone else's avatar: its position is smoothed."""

    def announce_generate(self) -> None:
        self.interpolate("setPos")


class DistributedAvatarOV(AvatarOVStub, DistributedObjectOV):
    """Our own avatar (owner view): we walk it."""

    def walk(self, t: float) -> None:
        import math

        self.send_update("setPos", [3.0 * math.cos(t), 3.0 * math.sin(t), 0.0])


class DistributedAvatarAI(AvatarAIStub, DistributedObjectAI):
    """An avatar on the server: accepts its owner's moves (setPos/setH are ownsend)."""

    def __init__(self, air: ServerRepository) -> None:
        super().__init__(air)

    def setPos(self, x: float, y: float, z: float) -> None:
        self.set_field("setPos", [x, y, z])

    def setH(self, h: float) -> None:
        self.set_field("setH", [h])
