"""Messages both ways, ownership, argument checks, interpolation, clean disconnect."""

from typing import Optional

import pytest

from game_objects import DistributedChat, DistributedChatAI, DistributedNodeAI, DistributedNodeOV
from pipesnet import ClientRepository, MemoryNetwork, PipesError, Schema, ServerRepository
from test_basic import DC, pump


class Server(ServerRepository):
    def __init__(self, schema: Schema, net: MemoryNetwork) -> None:
        super().__init__(schema, memory=net)
        self.avatars: dict[int, DistributedNodeAI] = {}
        self.left: list[tuple[int, str]] = []

    def handle_client_connected(self, client: int) -> None:
        av = DistributedNodeAI(self)
        self.generate_object(av, 1, owner=client)
        self.avatars[client] = av

    def handle_client_disconnected(self, client: int, reason: str) -> None:
        self.left.append((client, reason))


def setup() -> tuple[Server, ClientRepository, ClientRepository]:
    net = MemoryNetwork()
    schema = Schema([DC])
    server = Server(schema, net)
    a = ClientRepository(schema, memory=net)
    b = ClientRepository(schema, memory=net)
    pump(server, [a, b], lambda: a.connected and b.connected)
    for c in (a, b):
        c.set_interest([1])
    pump(server, [a, b], lambda: len(a.do_id2do) == 2 and len(b.do_id2do) == 2)
    return server, a, b


def own(c: ClientRepository) -> DistributedNodeOV:
    mine = [o for o in c.do_id2do.values() if o.is_owner]
    assert len(mine) == 1 and isinstance(mine[0], DistributedNodeOV)
    return mine[0]


def test_owner_view_and_ownsend_relay() -> None:
    server, a, b = setup()
    mine = own(a)
    assert a.client_id is not None and server.avatars[a.client_id].do_id == mine.do_id
    mine.send_update("setPos", [7.0, 8.0, 9.0])
    seen_by_b = b.do_id2do[mine.do_id]
    pump(server, [a, b], lambda: getattr(seen_by_b, "pos", None) == (7.0, 8.0, 9.0))
    assert server.avatars[a.client_id].heard == [("setPos", a.client_id, 7.0, 8.0, 9.0)]
    assert server.avatars[a.client_id].do_id in server.do_id2do


def test_sending_for_an_object_not_owned_raises() -> None:
    server, a, b = setup()
    theirs = own(b)
    with pytest.raises(PipesError):
        a.do_id2do[theirs.do_id].send_update("setPos", [1.0, 2.0, 3.0])


def test_bad_arguments_raise_before_sending() -> None:
    server, a, _ = setup()
    mine = own(a)
    sent = a.net_stats()["bytes_sent"]
    with pytest.raises(PipesError, match="setPos"):
        mine.send_update("setPos", [1.0, 2.0])
    with pytest.raises(PipesError):
        mine.send_update("setLevel", [200])
    with pytest.raises(PipesError):
        mine.send_update("setPos", ["a", "b", "c"])
    with pytest.raises(PipesError):
        mine.send_update("noSuchField", [])
    with pytest.raises(PipesError):
        mine.send_update("setPos", [object(), 1.0, 2.0])
    a.client.poll()
    assert a.net_stats()["bytes_sent"] - sent < 64  # acks only, no field message


def test_chat_broadcast_and_server_send_checks() -> None:
    server, a, b = setup()
    room = DistributedChatAI(server)
    server.generate_object(room, 1)
    pump(server, [a, b], lambda: room.do_id in a.do_id2do and room.do_id in b.do_id2do)
    chat_a = a.do_id2do[room.do_id]
    assert isinstance(chat_a, DistributedChat)
    chat_a.send_update("sendChat", ["hello"])
    chat_b = b.do_id2do[room.do_id]
    assert isinstance(chat_b, DistributedChat)
    pump(server, [a, b], lambda: bool(chat_b.heard) and bool(chat_a.heard))
    assert chat_b.heard == [(a.client_id, "hello")]
    with pytest.raises(PipesError):
        server.send_update(room, "sendChat", ["not broadcast"])
    with pytest.raises(PipesError):
        server.set_field(room, "chatMessage", [1, "not state"])


def test_panda_spelling_sends_like_send_update() -> None:
    server, a, b = setup()
    room = DistributedChatAI(server)
    server.generate_object(room, 1)
    pump(server, [a, b], lambda: room.do_id in a.do_id2do and room.do_id in b.do_id2do)
    chat_a, chat_b = a.do_id2do[room.do_id], b.do_id2do[room.do_id]
    assert isinstance(chat_a, DistributedChat) and isinstance(chat_b, DistributedChat)
    chat_a.sendUpdate("sendChat", ["hi"])  # the AI relays it as chatMessage
    pump(server, [a, b], lambda: bool(chat_b.heard))
    assert chat_b.heard == [(a.client_id, "hi")]
    room.sendUpdate("chatMessage", [7, "from the server"])
    pump(server, [a, b], lambda: len(chat_b.heard) == 2)
    assert chat_b.heard[1] == (7, "from the server")
    with pytest.raises(PipesError):
        chat_a.sendUpdate("noSuchField", [])
    with pytest.raises(ValueError, match="sendToId"):
        chat_a.sendUpdate("sendChat", ["elsewhere"], sendToId=12)
    with pytest.raises(ValueError, match="sendToId"):
        room.sendUpdate("chatMessage", [7, "elsewhere"], sendToId=12)


def test_interpolation_is_readable() -> None:
    server, a, b = setup()
    theirs = b.do_id2do[own(a).do_id]
    theirs.interpolate("setPos")
    av = server.avatars[a.client_id or 0]
    value: Optional[tuple[float, ...]] = None
    for i in range(1, 40):
        av.set_field("setPos", [float(i), 0.0, 0.0])
        pump(server, [a, b], lambda: True)

    def moved() -> bool:
        v = theirs.interpolated("setPos")
        return v is not None and v[0] > 0.0

    pump(server, [a, b], moved)
    value = theirs.interpolated("setPos")
    assert value is not None and len(value) == 3 and 0.0 < value[0] <= 39.0
    with pytest.raises(PipesError, match="not interpolated"):
        theirs.interpolated("setLevel")
    with pytest.raises(PipesError):
        theirs.interpolate("setName")


def test_disconnect_deletes_owned_objects() -> None:
    server, a, b = setup()
    mine = own(a)
    cid = a.client_id
    a.disconnect()
    pump(server, [a, b], lambda: bool(server.left) and mine.do_id not in b.do_id2do)
    assert server.left[0][0] == cid
    assert mine.do_id not in server.do_id2do


def test_kick_reaches_the_client_with_the_reason() -> None:
    server, a, b = setup()
    assert a.client_id is not None
    server.close_client_connection(a.client_id, "bye now")
    pump(server, [a, b], lambda: a.disconnect_reason is not None)
    assert "bye now" in (a.disconnect_reason or "")
