"""A Panda3D-style module for the example schema (schemas/example.dc), checked by
mypy against the generated stubs, imported here as `example_dc`.

While type checking, the bases are the stub classes, so mypy knows every field of
the dclass; at run time they are Panda3D's DistributedObject classes, as usual.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from example_dc import Color, ColorTuple, DistributedChat, DoId
    from example_dc import DistributedAvatar as AvatarBase
    from example_dc import DistributedAvatarAI as AvatarAIBase
else:
    from direct.distributed.DistributedObject import DistributedObject as AvatarBase
    from direct.distributed.DistributedObjectAI import DistributedObjectAI as AvatarAIBase


class DistributedAvatar(AvatarBase):
    """The client side: Panda3D calls these with the unpacked field values."""

    name = "Toon"
    color: "ColorTuple" = (0, 0, 0)
    pos = (0.0, 0.0, 0.0)
    heading = 0.0

    def setName(self, name: str) -> None:
        self.name = name

    def setColor(self, color: "ColorTuple") -> None:
        red, green, blue = color
        self.color = (red, green, blue)

    def setPos(self, x: float, y: float, z: float) -> None:
        self.pos = (x, y, z)

    def setH(self, h: float) -> None:
        self.heading = h

    def requestEmote(self, emote: int) -> None:
        self.sendUpdate("emote", [emote])


class DistributedAvatarAI(AvatarAIBase):
    """The AI side sends updates by field name."""

    def d_setPos(self, x: float, y: float, z: float) -> None:
        self.sendUpdate("setPos", [x, y, z])

    def b_setColor(self, color: "Color") -> None:
        self.setColor(color)
        self.sendUpdate("setColor", [color])


def greet(avatar: DistributedAvatar, chat: "DistributedChat", sender: "DoId") -> None:
    avatar.setPos(1.0, 2.5, -3)
    avatar.setH(90.0)
    avatar.setColor(Color(r=255, g=128, b=0))
    avatar.setColor((1, 2, 3))
    avatar.setPosH(0.0, 0.0, 0.0, 180.0)
    chat.said(sender, "hello " + avatar.name)
