"""Client-side prediction in Python: a server and a client in one process over UDP.

    python examples/python/predict.py [--port 27016] [--seconds 5]

The client owns a mover. Each tick it sends an input command, predicts its effect at once
with the same `step` the server runs, and reconciles when the server acknowledges: the
server has a wall at x = 2 the client does not know about, so walking into it is a
misprediction, corrected smoothly.
"""

import argparse
import os
import sys
import time
from typing import Optional

sys.path.insert(0, os.path.dirname(__file__))

from mover import DT, DistributedMoverAI, DistributedMoverOV, step  # noqa: E402
from pipesnet import ClientRepository, Predictor, ServerRepository  # noqa: E402

DC = os.path.join(os.path.dirname(__file__), "mover.dc")


class Server(ServerRepository):
    """Gives each client a mover it owns."""

    movers: dict[int, DistributedMoverAI] = {}

    def handle_client_connected(self, client: int) -> None:
        self.movers[client] = DistributedMoverAI(self)
        self.generate_object(self.movers[client], 1, owner=client)


class Client(ClientRepository):
    def handle_connected(self) -> None:
        self.set_interest([1])

    def my_mover(self) -> Optional[DistributedMoverOV]:
        return next((d for d in self.do_id2do.values() if isinstance(d, DistributedMoverOV)), None)


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--port", type=int, default=27016)
    args.add_argument("--seconds", type=float, default=5.0)
    opts = args.parse_args()
    server = Server([DC], port=opts.port)
    cr = Client([DC], port=opts.port)
    pred = Predictor((0.0, 0.0), DT, step)
    mover: Optional[DistributedMoverOV] = None
    commands = 0
    start = next_tick = time.monotonic()
    while time.monotonic() - start < opts.seconds:
        server.poll()
        cr.poll()
        mover = mover or cr.my_mover()
        if mover is not None and time.monotonic() >= next_tick:
            next_tick += DT
            command = [3, 1]  # walk right (3 m/s) and a little up
            pred.apply(mover.send_command("input", command), command)
            commands += 1
            pred.reconcile_ack(cr.command_ack(mover), "setState")
        time.sleep(0.002)
    # Let the last commands arrive, then compare with the server.
    for _ in range(100):
        server.poll()
        cr.poll()
        time.sleep(0.005)
    if mover is not None:
        pred.reconcile_ack(cr.command_ack(mover), "setState")
    (x, y), (sx, sy) = pred.predicted(), next(iter(Server.movers.values())).state
    error_mm = 1000 * ((x - sx) ** 2 + (y - sy) ** 2) ** 0.5
    stats = pred.stats()
    print(
        f"predict: commands={commands} reconciliations={stats['reconciliations']:.0f}"
        f" mispredictions={stats['mispredictions']:.0f} max_correction_mm={1000 * stats['max_correction']:.1f}"
        f" final_error_mm={error_mm:.1f}"
    )
    cr.disconnect(reason="done")


if __name__ == "__main__":
    main()
