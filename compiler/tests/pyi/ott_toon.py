"""A Toontown-style module checked against the stubs of open-toontown's otp.dc and
toon.dc loaded together (imported here as `corpus_ott_otp_toon`)."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from corpus_ott_otp_toon import DistributedToon as ToonBase
    from corpus_ott_otp_toon import DistributedToonAI as ToonAIBase
else:
    from direct.distributed.DistributedObject import DistributedObject as ToonBase
    from direct.distributed.DistributedObjectAI import DistributedObjectAI as ToonAIBase


class DistributedToon(ToonBase):
    hp = 15
    dna = b""

    def setHp(self, hp: int) -> None:
        self.hp = hp

    def setDNAString(self, dna: bytes) -> None:
        self.dna = dna


class DistributedToonAI(ToonAIBase):
    def b_setHp(self, hp: int) -> None:
        self.setHp(hp)
        self.sendUpdate("setHp", [hp])

    def d_setName(self, name: str) -> None:
        # setName is inherited from DistributedAvatar in otp.dc.
        self.sendUpdate("setName", [name])
