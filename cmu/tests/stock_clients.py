"""Drives STOCK Panda3D ClientRepository clients against a CMU server.

Usage: python3 stock_clients.py PORT DCFILE
Prints 'OK' and exits 0 when every check passed; exits 1 with a message otherwise.
Exit 77 when panda3d cannot be imported.
"""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    from panda3d.core import loadPrcFileData, URLSpec
except ImportError:
    print("SKIP: panda3d is not importable")
    sys.exit(77)

loadPrcFileData("", "window-type none\naudio-library-name null\nnotify-level-ServerRepository warning\n")
from direct.showbase.ShowBase import ShowBase  # noqa: E402
from direct.distributed.ClientRepository import ClientRepository  # noqa: E402

PORT = int(sys.argv[1])
DC = sys.argv[2]
base = ShowBase(windowType="none")


def pump(cond, what, timeout=5.0):
    end = time.time() + timeout
    while time.time() < end:
        base.taskMgr.step()
        if cond():
            return
        time.sleep(0.002)
    print("FAIL: timed out waiting for " + what)
    sys.exit(1)


def settle(seconds=0.2):
    end = time.time() + seconds
    while time.time() < end:
        base.taskMgr.step()
        time.sleep(0.002)


def client(name):
    cr = ClientRepository(dcFileNames=[DC], connectMethod=ClientRepository.CM_NATIVE)
    state = {}
    cr.connect([URLSpec("http://127.0.0.1:%d" % PORT)],
               successCallback=lambda: state.setdefault("ok", True),
               failureCallback=lambda *a: state.setdefault("fail", a))
    pump(lambda: "ok" in state or "fail" in state, name + " connect")
    if "fail" in state:
        print("FAIL: %s could not connect: %r" % (name, state["fail"]))
        sys.exit(1)
    pump(lambda: cr.haveCreateAuthority(), name + " doId range")
    return cr


def check(cond, what):
    if not cond:
        print("FAIL: " + what)
        sys.exit(1)


import cmu_objects  # noqa: E402

a = client("A")
b = client("B")
check(a.doIdBase != b.doIdBase, "distinct doId ranges")
a.setInterestZones([1])
thing = cmu_objects.DistributedThing(a)
thing.name = "lamp"
thing.xy = (5, -6)
thing = a.createDistributedObject(distObj=thing, zoneId=1)
settle()

# B gets interest in zone 1: the server asks A to resend, B sees the object.
b.setInterestZones([1])
pump(lambda: thing.doId in b.doId2do, "B sees A's object")
seen = b.doId2do[thing.doId]
check(seen.name == "lamp" and seen.xy == (5, -6), "required fields decoded: %r %r" % (seen.name, seen.xy))

# Updates relayed (broadcast), clsend from a non-owner, p2p to the owner, reflect.
thing.sendUpdate("setXY", [7, 8])
pump(lambda: seen.xy == (7, 8), "B sees setXY")
seen.sendUpdate("say", ["hi from B"])
pump(lambda: (id(a), "say", thing.doId, "hi from B") in cmu_objects.EVENTS, "A sees B's clsend say")
seen.sendUpdate("poke", [3])
pump(lambda: (id(a), "poke", thing.doId, 3) in cmu_objects.EVENTS, "A gets B's p2p poke")
thing.sendUpdate("echo", [9])
pump(lambda: (id(a), "echo", thing.doId, 9) in cmu_objects.EVENTS
     and (id(b), "echo", thing.doId, 9) in cmu_objects.EVENTS, "reflect to both")
# Targeted update to B only.
a.sendUpdateToChannel(thing, b.doIdBase, "say", ["just you"])
pump(lambda: (id(b), "say", thing.doId, "just you") in cmu_objects.EVENTS, "targeted update")

# Zone change: B (interested in 1 only) loses the object, then sees it come back.
a.setObjectZone(thing, 2)
pump(lambda: thing.doId not in b.doId2do, "B disables the object that left zone 1")
b.setInterestZones([1, 2])
pump(lambda: thing.doId in b.doId2do, "B sees the object in zone 2")
b.setInterestZones([1])

# A third client: a hostile raw socket must not disturb the others.
raw = socket.create_connection(("127.0.0.1", PORT))
raw.settimeout(5)
hdr = raw.recv(12)
check(len(hdr) == 12 and struct.unpack("<HH", hdr[:4])[1] == 9001, "raw client gets SET_DOID_RANGE")
raw.sendall(struct.pack("<HHI", 6, 9002, 1))  # truncated generate
settle(0.3)
try:
    gone = raw.recv(100) == b""
except OSError:
    gone = True
check(gone, "hostile client disconnected")
raw.close()

# Delete: B sees it go.
a.setObjectZone(thing, 1)
pump(lambda: thing.doId in b.doId2do, "object back in zone 1")
a.sendDeleteMsg(thing.doId)
pump(lambda: thing.doId not in b.doId2do, "B sees the delete")

# A leaves: its objects go with it.
t2 = a.createDistributedObject(className="DistributedThing", zoneId=1)
pump(lambda: t2.doId in b.doId2do, "B sees A's second object")
a.sendDisconnect()
pump(lambda: t2.doId not in b.doId2do, "A's objects deleted when A leaves")

# B still works: it can create and heartbeat.
b.sendHeartbeat()
t3 = b.createDistributedObject(className="DistributedThing", zoneId=1)
settle()
check(b.isConnected(), "B still connected after heartbeat")
print("OK")
sys.exit(0)
