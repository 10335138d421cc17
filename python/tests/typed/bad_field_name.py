"""Must NOT type-check: `send_update` / `send_command` / `interpolate` / `set_field`
with a field name the schema does not have. CI greps mypy's output for each line's
error (and their count), so the file cannot fail for another reason."""

from typing import TYPE_CHECKING

from pipesnet import DistributedObject, DistributedObjectAI, DistributedObjectOV, StubOnly

if TYPE_CHECKING:
    from example_dc import DistributedAvatarAI as AvatarAIStub
    from example_dc import DistributedAvatarOV as AvatarOVStub
    from hierarchy_dc import DistributedPlayer as PlayerStub
    from hierarchy_dc import DistributedToon as ToonStub
else:
    AvatarAIStub = AvatarOVStub = PlayerStub = ToonStub = StubOnly


class DistributedAvatarOV(AvatarOVStub, DistributedObjectOV):
    def walk(self) -> None:
        self.send_update("setPoz", [1.0, 2.0, 3.0])
        self.send_command("emotee", [3])
        self.interpolate("setPosHH")


class DistributedAvatarAI(AvatarAIStub, DistributedObjectAI):
    def setH(self, h: float) -> None:
        self.set_field("setHH", [h])
        self.send_update("say", ["a chat field, not an avatar one"])


class DistributedPlayer(PlayerStub, DistributedObject):
    def setName(self, name: str) -> None:
        self.send_update("setHp", [1])  # a field of the subclass DistributedToon only


class DistributedToon(ToonStub, DistributedPlayer):
    def setHp(self, hp: int) -> None:
        self.sendUpdate("wavee")


def outside(toon: DistributedToon) -> None:
    toon.send_update("setHpp", [1])
