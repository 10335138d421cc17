"""Game classes on pipesnet's base classes, checked against `dcc build --python` stubs.

CI writes the stubs of schemas/example.dc to `example_dc.pyi` on MYPYPATH and runs
`mypy --strict` here. While type checking, the stub class is a second base, so a
handler whose signature does not match the schema is an error; at run time that
base is `object` and pipesnet's class does the work.
"""

from typing import TYPE_CHECKING

from pipesnet import DistributedObject, DistributedObjectAI

if TYPE_CHECKING:
    from example_dc import ColorTuple
    from example_dc import DistributedAvatar as AvatarFields
    from example_dc import DistributedAvatarAI as AvatarAIFields
else:
    AvatarFields = AvatarAIFields = object


class DistributedAvatar(DistributedObject, AvatarFields):
    """The client view: handlers typed by the schema."""

    pos = (0.0, 0.0, 0.0)
    color: "ColorTuple" = (0, 0, 0)

    def setPos(self, x: float, y: float, z: float) -> None:
        self.pos = (x, y, z)

    def setColor(self, color: "ColorTuple") -> None:
        self.color = color

    def walk(self) -> None:
        self.send_update("setPos", [self.pos[0] + 1.0, self.pos[1], self.pos[2]])


class DistributedAvatarAI(DistributedObjectAI, AvatarAIFields):
    """The server side."""

    def setH(self, h: float) -> None:
        self.set_field("setH", [h])
