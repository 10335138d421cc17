"""The quick-start game classes that schemas/example.dc imports (`from game import ...`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipesnet import DistributedObject, DistributedObjectAI, DistributedObjectOV

if TYPE_CHECKING:
    from pipesnet import ServerRepository


class DistributedChat(DistributedObject):
    """The chat room as a client sees it: prints what it hears."""

    heard = 0

    def said(self, sender: int, text: str) -> None:
        DistributedChat.heard += 1
        print(f"client: avatar {sender} said {text!r}")


class DistributedChatAI(DistributedObjectAI):
    """The chat room on the server: relays each line to everyone in the zone."""

    avatars: dict[int, int] = {}

    def say(self, text: str) -> None:
        sender = self.air.client_sender
        avatar = self.avatars.get(sender, 0) if sender is not None else 0
        print(f"server: client {sender} says {text!r}")
        self.send_update("said", [avatar, text])


class DistributedAvatar(DistributedObject):
    """Someone else's avatar: its position is smoothed."""

    def announce_generate(self) -> None:
        self.interpolate("setPos")


class DistributedAvatarOV(DistributedObjectOV):
    """Our own avatar (owner view): we walk it."""

    def walk(self, t: float) -> None:
        import math

        self.send_update("setPos", [3.0 * math.cos(t), 3.0 * math.sin(t), 0.0])


class DistributedAvatarAI(DistributedObjectAI):
    """An avatar on the server: accepts its owner's moves (setPos/setH are ownsend)."""

    def __init__(self, air: ServerRepository) -> None:
        super().__init__(air)

    def setPos(self, x: float, y: float, z: float) -> None:
        self.set_field("setPos", [x, y, z])

    def setH(self, h: float) -> None:
        self.set_field("setH", [h])
