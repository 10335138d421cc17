"""Session API: password, auth hook, rates, disconnect reasons, int-fixed interpolation."""

import time
from typing import Optional, Union

import pytest

from game_objects import DistributedNodeAI, DistributedNodeOV
from pipesnet import ClientRepository, DisconnectReason, GrantedRates, MemoryNetwork, PipesError, Schema, ServerRepository
from test_basic import DC, pump


class Gate(ServerRepository):
    """Records refusals and departures."""

    def __init__(self, schema: Schema, net: MemoryNetwork, **kw: object) -> None:
        super().__init__(schema, memory=net, **kw)  # type: ignore[arg-type]
        self.rejected: list[tuple[int, str]] = []
        self.left: list[tuple[int, str]] = []

    def handle_client_rejected(self, connection: int, reason: str) -> None:
        self.rejected.append((connection, reason))

    def handle_client_disconnected(self, client: int, reason: str) -> None:
        self.left.append((client, reason))


def test_password_is_checked_and_the_client_sees_why() -> None:
    net, schema = MemoryNetwork(), Schema([DC])
    server = Gate(schema, net, password="hunter2")
    wrong = ClientRepository(schema, memory=net, password="guess")
    right = ClientRepository(schema, memory=net, password="hunter2")
    pump(server, [wrong, right], lambda: right.connected and wrong.disconnect_reason is not None)
    assert not wrong.connected
    assert wrong.disconnect_reason == "rejected: incorrect password"
    assert [r for _, r in server.rejected] == ["incorrect password"]


def test_auth_hook_accepts_or_refuses_with_a_reason() -> None:
    net, schema = MemoryNetwork(), Schema([DC])
    seen: list[bytes] = []

    def auth(connection: int, token: bytes) -> Union[None, bool, str]:
        seen.append(token)
        if token == b"good":
            return None
        return "bad token" if token else False

    server = Gate(schema, net, auth=auth)
    good = ClientRepository(schema, memory=net, token=b"good")
    bad = ClientRepository(schema, memory=net, token=b"forged")
    empty = ClientRepository(schema, memory=net)
    pump(
        server,
        [good, bad, empty],
        lambda: good.connected and bad.disconnect_reason is not None and empty.disconnect_reason is not None,
    )
    assert sorted(seen) == [b"", b"forged", b"good"]
    assert bad.disconnect_reason == "rejected: authentication failed: bad token"
    assert empty.disconnect_reason == "rejected: authentication failed: refused by the server"
    assert sorted(r for _, r in server.rejected) == [
        "authentication failed: bad token",
        "authentication failed: refused by the server",
    ]


def test_auth_hook_that_raises_refuses_the_client() -> None:
    net, schema = MemoryNetwork(), Schema([DC])

    def auth(connection: int, token: bytes) -> Optional[str]:
        raise ValueError("database down")

    server = Gate(schema, net, auth=auth)
    client = ClientRepository(schema, memory=net, token=b"x")
    pump(server, [client], lambda: client.disconnect_reason is not None)
    assert "database down" in (client.disconnect_reason or "")


def test_rates_and_disconnect_reasons_both_ways() -> None:
    net, schema = MemoryNetwork(), Schema([DC])
    server = Gate(schema, net)
    a = ClientRepository(schema, memory=net)
    b = ClientRepository(schema, memory=net)
    pump(server, [a, b], lambda: a.connected and b.connected)
    a.set_rates(10, 30)
    assert a.rates == (10, 30)
    with pytest.raises(OverflowError):
        a.set_rates(300, 30)
    cid = a.client_id
    a.disconnect()
    pump(server, [a, b], lambda: bool(server.left))
    assert server.left == [(cid, "left")]
    assert b.client_id is not None
    server.close_client_connection(b.client_id, "maintenance")
    pump(server, [b], lambda: b.disconnect_reason is not None)
    assert b.disconnect_reason == "kicked: maintenance"


def test_a_client_leaves_with_a_reason_the_server_sees() -> None:
    net, schema = MemoryNetwork(), Schema([DC])
    server = Gate(schema, net)
    a = ClientRepository(schema, memory=net)
    pump(server, [a], lambda: a.connected)
    cid = a.client_id
    # Hostile or careless reasons raise before anything is sent; the session goes on.
    with pytest.raises(PipesError, match="leave reason text is 257 bytes, the limit is 256"):
        a.disconnect(reason="x" * 257)
    with pytest.raises(UnicodeEncodeError):
        a.disconnect(reason="bad \ud800 surrogate")
    with pytest.raises(OverflowError):
        a.disconnect(reason="fine", code=70000)
    assert a.connected
    a.disconnect(reason="going to dinner \N{FORK AND KNIFE}", code=3)
    pump(server, [a], lambda: bool(server.left))
    [(client, reason)] = server.left
    assert client == cid
    assert reason == "left: code 3: going to dinner \N{FORK AND KNIFE}"
    assert isinstance(reason, DisconnectReason) and reason.left
    assert (reason.code, reason.text) == (3, "going to dinner \N{FORK AND KNIFE}")


def test_the_client_learns_the_rates_the_server_granted() -> None:
    net, schema = MemoryNetwork(), Schema([DC])
    limits = {"pipes-maxupdaterate": 30, "pipes-max-cmdrate": 50, "pipes-max-rate": 100_000}
    server = ServerRepository(schema, memory=net, config=limits)
    client = ClientRepository(schema, memory=net, config={"pipes-updaterate": "60", "pipes-rate": 500_000})
    assert client.granted_rates is None
    pump(server, [client], lambda: client.connected)
    assert client.granted_rates == GrantedRates(update_rate=30, cmd_rate=50, rate=100_000)
    client.set_rates(10, 200)
    pump(server, [client], lambda: client.granted_rates == (10, 50, 100_000))
    assert client.rates == (10, 50)
    with pytest.raises(PipesError, match="config pipes-maxupdaterate"):
        ServerRepository(schema, memory=MemoryNetwork(), config={"pipes-maxupdaterate": 0})
    with pytest.raises(PipesError, match="unknown setting `pipes-speed`"):
        ClientRepository(schema, memory=net, config={"pipes-speed": 1})


class Echo(ClientRepository):
    """Calls back into the client from inside ``poll``, as the examples do."""

    seen_id: Optional[int] = None

    def handle_connected(self) -> None:
        self.seen_id = self.client_id
        self.set_interest([1])


class EchoNodeOV(DistributedNodeOV):
    def setName(self, name: str) -> None:
        super().setName(name)
        self.send_update("setPos", [1.0, 2.0, 3.0])


def test_hooks_and_handlers_may_call_back_into_the_client_during_poll() -> None:
    net, schema = MemoryNetwork(), Schema([DC])
    server = ServerRepository(schema, memory=net)
    client = Echo(schema, memory=net)
    client.owner_classes["DistributedNode"] = EchoNodeOV
    pump(server, [client], lambda: client.connected)
    assert client.seen_id is not None and client.seen_id == client.client_id
    node = DistributedNodeAI(server)
    server.generate_object(node, 1, owner=client.client_id)
    node.set_field("setName", ["echo"])
    pump(server, [client], lambda: bool(node.heard))
    assert node.heard == [("setPos", client.client_id, 1.0, 2.0, 3.0)]


def test_int_fixed_fields_interpolate_scaled() -> None:
    net, schema = MemoryNetwork(), Schema([DC])
    server = ServerRepository(schema, memory=net)
    client = ClientRepository(schema, memory=net)
    pump(server, [client], lambda: client.connected)
    node = DistributedNodeAI(server)
    server.generate_object(node, 1)
    node.set_field("setSpot", [0.25, -0.25])
    client.interpolate("DistributedNode", "setSpot")
    client.set_interest([1])
    pump(server, [client], lambda: node.do_id in client.do_id2do)
    for i in range(1, 40):
        node.set_field("setSpot", [i * 0.25, -i * 0.25])
        pump(server, [client], lambda: True)

    def moved() -> bool:
        v = client.interpolated_all("setSpot").get(node.do_id)
        return v is not None and v[0] > 0.25

    pump(server, [client], moved)
    x, y = client.interpolated_all("setSpot")[node.do_id]
    # Scaled by the divisor (raw integers would reach 975), and linear: y == -x.
    assert 0.25 < x <= 9.75 and y == pytest.approx(-x)
    single = client.interpolated(client.do_id2do[node.do_id], "setSpot")
    assert single is not None and len(single) == 2


def test_interpolated_changed_returns_only_what_moved_since_the_last_read() -> None:
    net, schema = MemoryNetwork(), Schema([DC])
    server = ServerRepository(schema, memory=net)
    client = ClientRepository(schema, memory=net)
    pump(server, [client], lambda: client.connected)
    still, moving = DistributedNodeAI(server), DistributedNodeAI(server)
    for node in (still, moving):
        server.generate_object(node, 1)
        node.set_field("setSpot", [1.0, 1.0])
    client.interpolate("DistributedNode", "setSpot")
    client.set_interest([1])
    pump(server, [client], lambda: len(client.interpolated_all("setSpot")) == 2)
    first = client.interpolated_changed("setSpot")
    assert set(first) == {still.do_id, moving.do_id}
    # Once both have settled on (1, 1), a read finds nothing new.
    pump(server, [client], lambda: client.interpolated_changed("setSpot") == {})

    seen: dict[int, tuple[float, ...]] = {}
    for i in range(1, 40):
        moving.set_field("setSpot", [1.0 + i, 1.0])
        pump(server, [client], lambda: True)
        time.sleep(0.01)
        changed = client.interpolated_changed("setSpot")
        assert still.do_id not in changed
        seen.update(changed)
    assert seen[moving.do_id][0] > 1.0
    assert client.interpolated_all("setSpot")[still.do_id] == (1.0, 1.0)
    with pytest.raises(PipesError, match="setName is not interpolated"):
        client.interpolated_changed("setName")
