"""Must NOT type-check: `send_update` / `send_command` / `interpolate` / `set_field`
with a field name the schema does not have. CI greps mypy's output for each line's
error (and their count), so the file cannot fail for another reason."""

from typing import TYPE_CHECKING

from pipesnet import DistributedObjectAI, DistributedObjectOV

if TYPE_CHECKING:
    from example_dc import DistributedAvatarFields
    from example_dc import DistributedAvatarAI as AvatarAISchema
    from example_dc import DistributedAvatarOV as AvatarOVSchema
else:
    AvatarAISchema = AvatarOVSchema = object


class DistributedAvatarOV(DistributedObjectOV["DistributedAvatarFields"], AvatarOVSchema):
    def walk(self) -> None:
        self.send_update("setPoz", [1.0, 2.0, 3.0])
        self.send_command("emotee", [3])
        self.interpolate("setPosHH")


class DistributedAvatarAI(DistributedObjectAI["DistributedAvatarFields"], AvatarAISchema):
    def setH(self, h: float) -> None:
        self.set_field("setHH", [h])
        self.send_update("say", ["a chat field, not an avatar one"])
