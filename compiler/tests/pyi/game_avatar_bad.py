"""Misuse mypy must report against the example stubs: each line with an "expect"
comment naming a mypy error code must get that error, and no other line any."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from example_dc import DistributedAvatar as AvatarBase
else:
    from direct.distributed.DistributedObject import DistributedObject as AvatarBase


class DistributedAvatar(AvatarBase):
    def setName(self, name: int) -> None:  # expect: override
        pass


def use(avatar: DistributedAvatar) -> None:
    avatar.setH("north")  # expect: arg-type
    avatar.setPoss(1.0, 2.0, 3.0)  # expect: attr-defined
    avatar.sendUpdate("setPoss", [1.0, 2.0, 3.0])  # expect: arg-type
    avatar.emote(1, 2)  # expect: call-arg
    avatar.setColor((1, 2))  # expect: arg-type
