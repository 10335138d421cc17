"""Input commands and client-side prediction from Python."""

import os
from typing import Any, Optional, Sequence

import pytest

from predict_objects import DT, DistributedMoverAI, DistributedMoverOV, step
from pipesnet import ClientRepository, MemoryNetwork, PipesError, Predictor, Schema, ServerRepository
from test_basic import pump

DC = os.path.join(os.path.dirname(__file__), "predict.dc")


class Arena(ServerRepository):
    """Gives each client a mover it owns."""

    def __init__(self, schema: Schema, net: MemoryNetwork) -> None:
        super().__init__(schema, memory=net)
        self.movers: dict[int, DistributedMoverAI] = {}

    def handle_client_connected(self, client: int) -> None:
        mover = DistributedMoverAI(self)
        self.generate_object(mover, 1, owner=client)
        self.movers[client] = mover


def setup() -> tuple[Arena, ClientRepository, DistributedMoverOV, DistributedMoverAI]:
    net, schema = MemoryNetwork(), Schema([DC])
    server = Arena(schema, net)
    client = ClientRepository(schema, memory=net)
    pump(server, [client], lambda: client.connected)
    client.set_interest([1])

    def mine() -> Optional[DistributedMoverOV]:
        return next((d for d in client.do_id2do.values() if isinstance(d, DistributedMoverOV)), None)

    pump(server, [client], lambda: mine() is not None)
    mover = mine()
    assert mover is not None and client.client_id is not None
    return server, client, mover, server.movers[client.client_id]


def walk(server: Arena, client: ClientRepository, mover: DistributedMoverOV, pred: Predictor, n: int) -> int:
    """Sends `n` commands, predicting each; returns the last number. Each goes out in
    its own packet (at the command rate) before the next is made, as a game making one
    per tick does, so none falls out of the redundancy window unsent."""
    seq = 0
    for _ in range(n):
        sent = client.net_stats()["bytes_sent"]
        seq = mover.send_command("input", [10, -5])
        pred.apply(seq, [10, -5])
        pump(server, [client], lambda: client.net_stats()["bytes_sent"] > sent)
    return seq


def test_commands_apply_once_in_order_and_the_prediction_matches_the_server() -> None:
    server, client, mover, ai = setup()
    pred = Predictor((0.0, 0.0), DT, step)
    last = walk(server, client, mover, pred, 20)
    assert last == 20
    assert pred.unacknowledged > 0

    def acked() -> bool:
        ack = client.command_ack(mover)
        return ack is not None and ack.last_applied == last

    pump(server, [client], acked)
    ack = client.command_ack(mover)
    assert ack is not None
    assert ai.applied == list(range(1, 21)), "each command once, in order"
    assert pred.reconcile_ack(ack, "setState") is None, "an exact replay is no misprediction"
    assert pred.unacknowledged == 0
    assert pred.predicted() == pytest.approx(ai.state)
    assert ack.state["setState"] == pytest.approx(list(ai.state))
    assert pred.stats()["mispredictions"] == 0


def test_a_misprediction_is_corrected_to_the_server_state() -> None:
    server, client, mover, ai = setup()
    ai.WALL = 0.5  # the server stops the mover at x = 0.5; the client walks on
    pred = Predictor((0.0, 0.0), DT, step, smoothing=0.0)
    last = walk(server, client, mover, pred, 10)
    pump(server, [client], lambda: (a := client.command_ack(mover)) is not None and a.last_applied == last)
    error = pred.reconcile_ack(client.command_ack(mover), "setState")
    assert error is not None and error > 0.0
    assert pred.predicted() == pytest.approx(ai.state)
    assert pred.visible() == pytest.approx(ai.state), "smoothing 0 shows the correction at once"
    assert pred.stats()["mispredictions"] == 1


def test_bad_commands_and_predictors_raise_before_anything_happens() -> None:
    server, client, mover, _ = setup()
    with pytest.raises(PipesError):
        mover.send_command("setState", [1.0, 2.0])  # not a command field
    with pytest.raises(PipesError, match="may not be sent|not sendable|clsend"):
        mover.send_update("setState", [1.0, 2.0])  # `predicted` does not make it clsend
    with pytest.raises(PipesError):
        mover.send_command("input", [1000, 0])  # int8 out of range
    with pytest.raises(PipesError):
        mover.send_command("input", [1])  # too few arguments
    with pytest.raises(PipesError, match="1 to 3 values"):
        Predictor((0.0, 0.0, 0.0, 0.0), DT, step)
    with pytest.raises(PipesError, match="dt must be"):
        Predictor((0.0,), 0.0, step)
    with pytest.raises(PipesError, match="callable"):
        Predictor((0.0,), DT, 42)  # type: ignore[arg-type]

    def broken(state: Sequence[float], command: Any, dt: float) -> tuple[float, ...]:
        if command == "boom":
            raise ValueError("step failed")
        return (state[0] + 1.0,) if command == "ok" else (1.0, 2.0)

    pred = Predictor((0.0,), DT, broken)
    assert pred.apply(1, "ok") == (1.0,)
    with pytest.raises(ValueError, match="step failed"):
        pred.apply(2, "boom")
    with pytest.raises(PipesError, match="has 1 values, got 2"):
        pred.apply(2, "wrong shape")
    assert pred.unacknowledged == 1, "failed commands are not kept"
    with pytest.raises(PipesError, match="not finite"):
        pred.reconcile(5, 1, [float("nan")])


def test_lag_compensation_rewinds_to_what_the_client_saw() -> None:
    server, client, mover, ai = setup()
    with pytest.raises(PipesError, match="input"):
        server.record_history("DistributedMover", "input")  # not a state field
    with pytest.raises(PipesError, match="seconds must be"):
        server.record_history("DistributedMover", "setState", seconds=-1.0)
    assert server.rewind(ai, "setState", 0) is None, "not recorded yet"
    server.record_history("DistributedMover", "setState")
    pred = Predictor((0.0, 0.0), DT, step)
    last = walk(server, client, mover, pred, 15)
    pump(server, [client], lambda: ai.applied[-1:] == [last])
    assert len(ai.seen) >= 10
    # Each view lies on the path walked (y = -x/2), behind the mover's position.
    for x, y in ai.seen:
        assert y == pytest.approx(-x / 2)
        assert 0.0 <= x <= ai.state[0]
