"""Must NOT type-check: a handler disagrees with the schema (setPos takes 3 floats)."""

from typing import TYPE_CHECKING

from pipesnet import DistributedObject

if TYPE_CHECKING:
    from example_dc import DistributedAvatar as AvatarFields
else:
    AvatarFields = object


class DistributedAvatar(DistributedObject, AvatarFields):
    def setPos(self, x: str) -> None:
        pass
