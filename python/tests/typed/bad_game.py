"""Must NOT type-check: a handler disagrees with the schema (setPos takes 3 floats)."""

from typing import TYPE_CHECKING

from pipesnet import DistributedObject, StubOnly

if TYPE_CHECKING:
    from example_dc import DistributedAvatar as AvatarStub
else:
    AvatarStub = StubOnly


class DistributedAvatar(AvatarStub, DistributedObject):
    def setPos(self, x: str) -> None:
        pass
