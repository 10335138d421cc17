"""Distributed classes of schemas/test/cmu.dc for the stock ClientRepository tests."""
from direct.distributed.DistributedObject import DistributedObject

EVENTS = []  # (cr id, what, doId, value) in arrival order


class DistributedThing(DistributedObject):
    def __init__(self, cr):
        DistributedObject.__init__(self, cr)
        self.name = ""
        self.xy = (0, 0)

    def setName(self, name):
        self.name = name

    def getName(self):
        return self.name

    def setXY(self, x, y):
        self.xy = (x, y)
        EVENTS.append((id(self.cr), "xy", self.doId, (x, y)))

    def getXY(self):
        return self.xy

    def say(self, text):
        EVENTS.append((id(self.cr), "say", self.doId, text))

    def poke(self, n):
        EVENTS.append((id(self.cr), "poke", self.doId, n))

    def echo(self, n):
        EVENTS.append((id(self.cr), "echo", self.doId, n))

    def stamp(self, micros):
        EVENTS.append((id(self.cr), "stamp", self.doId, micros))
