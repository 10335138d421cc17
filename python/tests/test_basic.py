"""Server and client in one process over the memory network."""

import os
from typing import Any, Callable

import pytest

import game_objects
from game_objects import DistributedChat, DistributedChatAI, DistributedNode, DistributedNodeAI
from pipesnet import (
    ClientRepository,
    DistributedObject,
    DistributedObjectAI,
    DistributedObjectOV,
    MemoryNetwork,
    PipesError,
    Schema,
    ServerRepository,
    StubOnly,
)

DC = os.path.join(os.path.dirname(__file__), "game.dc")


def pump(server: ServerRepository, clients: list[ClientRepository], until: Callable[[], bool], frames: int = 400) -> None:
    """Polls everyone until `until()` holds (bounded)."""
    for _ in range(frames):
        server.poll()
        for c in clients:
            c.poll()
        if until():
            return
        import time
        time.sleep(0.002)
    raise AssertionError("condition not reached")


@pytest.fixture
def world() -> tuple[ServerRepository, ClientRepository]:
    game_objects.LOG.clear()
    net = MemoryNetwork()
    schema = Schema([DC])
    server = ServerRepository(schema, memory=net)
    client = ClientRepository(schema, memory=net)
    pump(server, [client], lambda: client.connected)
    return server, client


def test_stub_only_drops_out_of_the_bases() -> None:
    # The run-time stand-in for a stub class listed first (`class A(AvatarStub,
    # DistributedObject)` with `AvatarStub = StubOnly`): same bases as without it.
    class Client(StubOnly, DistributedObject):
        pass

    class Owner(StubOnly, DistributedObjectOV):
        pass

    class Server(StubOnly, DistributedObjectAI):
        pass

    # (To mypy StubOnly is one class, already a base of Client; real stubs differ.)
    class Derived(StubOnly, Client):  # type: ignore[misc]
        pass

    assert Client.__bases__ == (DistributedObject,)
    assert Owner.__bases__ == (DistributedObjectOV,)
    assert Server.__bases__ == (DistributedObjectAI,)
    assert Derived.__mro__[1:] == Client.__mro__
    assert Client.__mro__[1:] == DistributedNode.__mro__[1:]
    assert DistributedChat.__bases__ == (DistributedObject,)
    assert DistributedChatAI.__bases__ == (DistributedObjectAI,)


def test_schema_loads_and_reports_errors(tmp_path: object) -> None:
    assert Schema([DC]).hash != 0
    with pytest.raises(PipesError, match="cannot read"):
        Schema(["/nonexistent.dc"])


def test_object_replicates_with_handlers_in_order(world: tuple[ServerRepository, ClientRepository]) -> None:
    server, client = world
    node = DistributedNodeAI(server)
    server.generate_object(node, 5)
    node.set_field("setPos", [1.0, 2.0, 3.0])
    node.set_field("setName", ["bob"])
    done: list[int] = []
    client.set_interest([5], lambda: done.append(1))
    pump(server, [client], lambda: node.do_id in client.do_id2do and bool(done))
    obj = client.do_id2do[node.do_id]
    assert isinstance(obj, DistributedNode)
    assert obj.pos == (1.0, 2.0, 3.0) and obj.name == "bob"
    assert obj.zone_id == 5 and not obj.is_owner
    kinds = [e[0] for e in game_objects.LOG if e[1] == node.do_id]
    assert kinds[0] == "generate" and kinds[-1] == "announce"
    node.set_field("setPos", [4.0, 5.0, 6.0])
    pump(server, [client], lambda: obj.pos == (4.0, 5.0, 6.0))
    server.delete_object(node)
    pump(server, [client], lambda: node.do_id not in client.do_id2do)
    assert [e[0] for e in game_objects.LOG[-2:]] == ["disable", "delete"]



class NameLog:
    """A callable that is not a function: found on the class, called through the object."""

    def __init__(self) -> None:
        self.heard: list[str] = []

    def __call__(self, name: str) -> None:
        self.heard.append(name)


class CallableNode(game_objects.DistributedNode):
    setName = NameLog()


def test_changes_reach_callable_handlers_and_moves_update_the_zone(world: tuple[ServerRepository, ClientRepository]) -> None:
    server, client = world
    client.classes["DistributedNode"] = CallableNode
    heard = CallableNode.setName.heard
    node = DistributedNodeAI(server)
    server.generate_object(node, 5)
    node.set_field("setName", ["a"])
    client.set_interest([5, 6])
    pump(server, [client], lambda: node.do_id in client.do_id2do)
    obj = client.do_id2do[node.do_id]
    node.set_field("setName", ["b"])
    pump(server, [client], lambda: heard == ["a", "b"])
    server.server.move_object(node.do_id, 6)
    node.set_field("setName", ["c"])
    pump(server, [client], lambda: obj.zone_id == 6 and heard == ["a", "b", "c"])


WIDE_DC = """
dclass Wide {
  setOne(int32 a) broadcast ram;
  setFour(int32 a, int32 b, int32 c, int32 d) broadcast ram;
  setFive(int32 a, int32 b, int32 c, int32 d, int32 e) broadcast ram;
  setSix(int32 a, int32 b, int32 c, int32 d, int32 e, int32 f) broadcast ram;
  setBad(int32 a) broadcast ram;
};
"""


class FourLog:
    """A non-function handler (called with the field's arguments only)."""

    def __init__(self) -> None:
        self.heard: list[tuple[int, ...]] = []

    def __call__(self, *args: int) -> None:
        self.heard.append(args)


class Wide(DistributedObject):
    heard: list[tuple[str, tuple[int, ...]]] = []
    setFour = FourLog()

    def setOne(self, a: int) -> None:
        Wide.heard.append(("one", (a,)))

    def setFive(self, a: int, b: int, c: int, d: int, e: int) -> None:
        Wide.heard.append(("five", (a, b, c, d, e)))

    def setSix(self, a: int, b: int, c: int, d: int, e: int, f: int) -> None:
        Wide.heard.append(("six", (a, b, c, d, e, f)))

    def setBad(self, a: int) -> None:
        if a:  # (the generate delivers every field's zero)
            raise ValueError(f"bad {a}")


def test_handlers_of_every_arity_get_their_arguments_in_order(tmp_path: object) -> None:
    # Up to five arguments (the object counts) go without a tuple; more take the
    # tuple path. A raising handler does not stop the others of the frame.
    path = os.path.join(str(tmp_path), "wide.dc")
    with open(path, "w") as f:
        f.write(WIDE_DC)
    net = MemoryNetwork()
    server = ServerRepository([path], memory=net)
    client = ClientRepository([path], memory=net)
    client.classes["Wide"] = Wide
    pump(server, [client], lambda: client.connected)
    obj = DistributedObjectAI(server)
    obj.dclass_name = "Wide"
    server.generate_object(obj, 1)
    client.set_interest([1])
    pump(server, [client], lambda: obj.do_id in client.do_id2do)
    Wide.heard.clear()
    Wide.setFour.heard.clear()
    obj.set_field("setOne", [1])
    obj.set_field("setFour", [1, 2, 3, 4])
    obj.set_field("setBad", [7])
    obj.set_field("setFive", [1, 2, 3, 4, 5])
    obj.set_field("setSix", [1, 2, 3, 4, 5, 6])
    errors: list[Exception] = []

    def all_heard() -> bool:
        try:
            client.poll()
        except ValueError as e:
            errors.append(e)
        return len(Wide.heard) == 3 and bool(Wide.setFour.heard)

    pump(server, [], all_heard)
    assert Wide.heard == [("one", (1,)), ("five", (1, 2, 3, 4, 5)), ("six", (1, 2, 3, 4, 5, 6))]
    assert Wide.setFour.heard == [(1, 2, 3, 4)]
    assert [str(e) for e in errors] == ["bad 7"]


def test_handlers_on_the_object_or_from_getattr_are_called_and_missing_ones_skipped() -> None:
    net, schema = MemoryNetwork(), Schema([DC])
    server = ServerRepository(schema, memory=net)
    heard: list[tuple[str, int, int]] = []

    class PerObject(DistributedObject):
        """No setLevel on the class: even objects get one of their own."""

        def generate(self) -> None:
            if self.do_id % 2 == 0:
                setattr(self, "setLevel", lambda level: heard.append(("object", self.do_id, level)))

    class Dynamic(DistributedObject):
        """setLevel comes from __getattr__."""

        def __getattr__(self, name: str) -> Any:
            if name == "setLevel":
                return lambda level: heard.append(("getattr", self.do_id, level))
            raise AttributeError(name)

    clients = [ClientRepository(schema, memory=net) for _ in range(2)]
    clients[0].classes["DistributedNode"] = PerObject
    clients[1].classes["DistributedNode"] = Dynamic
    pump(server, clients, lambda: all(c.connected for c in clients))
    nodes = [DistributedNodeAI(server) for _ in range(2)]
    for node in nodes:
        server.generate_object(node, 1)
    for c in clients:
        c.set_interest([1])
    pump(server, clients, lambda: all(len(c.do_id2do) == 2 for c in clients))
    for level in (7, 8):
        for node in nodes:
            node.set_field("setLevel", [level])
        pump(server, clients, lambda: sum(h[2] == level for h in heard) == 3)
    even = next(n.do_id for n in nodes if n.do_id % 2 == 0)
    changes = sorted(h for h in heard if h[2] in (7, 8))
    assert changes == sorted(
        [("object", even, 7), ("object", even, 8)]
        + [("getattr", n.do_id, level) for n in nodes for level in (7, 8)]
    )
