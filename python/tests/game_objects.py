"""Game classes the test schema imports (tests/game.dc)."""

from typing import Any, Optional

from pipesnet import DistributedObject, DistributedObjectAI, DistributedObjectOV, ServerRepository, ClientRepository

LOG: list[tuple[Any, ...]] = []


class DistributedNode(DistributedObject):
    def __init__(self, cr: ClientRepository) -> None:
        super().__init__(cr)
        self.pos: Optional[tuple[float, float, float]] = None
        self.name = ""

    def generate(self) -> None:
        LOG.append(("generate", self.do_id))

    def announce_generate(self) -> None:
        LOG.append(("announce", self.do_id))

    def disable(self) -> None:
        LOG.append(("disable", self.do_id))

    def delete(self) -> None:
        LOG.append(("delete", self.do_id))

    def setPos(self, x: float, y: float, z: float) -> None:
        self.pos = (x, y, z)
        LOG.append(("setPos", self.do_id, x, y, z))

    def setName(self, name: str) -> None:
        self.name = name
        LOG.append(("setName", self.do_id, name))

    def ping(self, n: int) -> None:
        LOG.append(("ping", self.do_id, n))


class DistributedNodeOV(DistributedNode):
    pass


class DistributedNodeAI(DistributedObjectAI):
    def __init__(self, air: ServerRepository) -> None:
        super().__init__(air)
        self.heard: list[tuple[Any, ...]] = []

    def setPos(self, x: float, y: float, z: float) -> None:
        self.heard.append(("setPos", self.air.client_sender, x, y, z))
        self.set_field("setPos", [x, y, z])

    def ping(self, n: int) -> None:
        self.heard.append(("ping", self.air.client_sender, n))


class DistributedChat(DistributedObject):
    def __init__(self, cr: ClientRepository) -> None:
        super().__init__(cr)
        self.heard: list[tuple[int, str]] = []

    def chatMessage(self, sender: int, text: str) -> None:
        self.heard.append((sender, text))


class DistributedChatAI(DistributedObjectAI):
    def sendChat(self, text: str) -> None:
        sender = self.air.client_sender or 0
        self.send_update("chatMessage", [sender, text])
