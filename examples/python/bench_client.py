"""CPU of a Python pipesnet client applying a busy zone (BENCHMARKS.md).

    python examples/python/bench_client.py --serve --port 27500 --objects 500 --seconds 12 &
    python examples/python/bench_client.py --port 27500 --mode handlers --seconds 10
    python examples/python/bench_client.py --port 27500 --mode interp --seconds 10
    python examples/python/bench_client.py --port 27500 --mode interp_changed --seconds 10

The server (its own process) puts `--objects` avatars in zone 1 and moves `--moving` %
of them (10 by default) every frame; the client runs 60 frames/s, requests 20
snapshots/s and reports its own process CPU time.

Modes:

- `handlers`: a Python `setPos` handler runs for every changed field;
- `interp`: setPos is interpolated in Rust and read for every object once per frame
  with one `interpolated_all` call, no per-field Python calls;
- `interp_changed`: the same, read with `interpolated_changed` (only the objects that
  moved since the last frame);
- `floor`: the same 60 frames/s loop with no client at all (what `time.sleep` between
  frames costs on this machine, paid by every client of the benchmark);
- `bound`: no client either, but per frame one call into C and, 20 times a second, the
  same `setPos` handler run for each moving object with ready-made arguments: the least
  CPU any Python client can spend delivering those updates in this loop (`--moving`
  sets how many of `--objects` move).
"""

import argparse
import math
import os
import sys
import time
from typing import Any

sys.path.insert(0, os.path.dirname(__file__))

from pipesnet import ClientRepository, DistributedObject, DistributedObjectAI, ServerRepository  # noqa: E402

DC = os.path.join(os.path.dirname(__file__), "bench.dc")
UPDATES = 0


class BenchAvatar(DistributedObject):
    def setPos(self, x: float, y: float, z: float) -> None:
        global UPDATES
        UPDATES += 1
        self.pos = (x, y, z)


class InterpAvatar(DistributedObject):
    pass


def serve(port: int, objects: int, seconds: float, moving_pct: int) -> None:
    server = ServerRepository([DC], port=port)
    avatars = []
    for _ in range(objects):
        av = DistributedObjectAI(server)
        av.dclass_name = "BenchAvatar"
        server.generate_object(av, 1)
        avatars.append(av)
    moving = avatars[: max(1, objects * moving_pct // 100)]
    start = time.monotonic()
    while (t := time.monotonic() - start) < seconds:
        for i, av in enumerate(moving):
            av.set_field("setPos", [math.cos(t + i), math.sin(t + i), 0.0])
        server.poll()
        time.sleep(0.01)


def floor(seconds: float) -> None:
    cpu0, wall0 = time.process_time(), time.monotonic()
    while time.monotonic() - wall0 < seconds:
        time.sleep(1 / 60)
    cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    print(f"bench: mode=floor wall_s={wall:.3f} cpu_s={cpu:.3f} cpu_per_s={cpu / wall:.6f}")


def bound(seconds: float, moving: int) -> None:
    avatars = [BenchAvatar.__new__(BenchAvatar) for _ in range(moving)]
    args = (0.5, 0.25, 0.0)
    cpu0, wall0, upd0 = time.process_time(), time.monotonic(), UPDATES
    frame = 0
    while time.monotonic() - wall0 < seconds:
        len(args)  # one call into C a frame: a client has to look at its socket
        if frame % 3 == 0:  # 20 snapshots/s
            for av in avatars:
                av.setPos(*args)
        frame += 1
        time.sleep(1 / 60)
    cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    updates = UPDATES - upd0
    print(
        f"bench: mode=bound wall_s={wall:.3f} cpu_s={cpu:.3f} cpu_per_s={cpu / wall:.6f} "
        f"handler_calls={updates} updates_per_cpu_s={updates / max(cpu, 1e-9):.0f}"
    )


def run(port: int, mode: str, seconds: float, settings: dict[str, str | float]) -> None:
    if mode == "floor":
        floor(seconds)
        return
    cr = ClientRepository([DC], port=port, config=settings or None)
    interp = mode in ("interp", "interp_changed")
    cr.classes["BenchAvatar"] = InterpAvatar if interp else BenchAvatar
    cr.owner_classes.clear()
    ready_by = time.monotonic() + 30  # a server that is not there ends the run
    while not cr.connected:
        cr.poll()
        time.sleep(0.005)
        if time.monotonic() > ready_by:
            sys.exit(f"bench: no server on port {port} within 30 s")
    cr.set_update_rate(20)
    if interp:
        cr.interpolate("BenchAvatar", "setPos")
    done: list[int] = []
    cr.set_interest([1], lambda: done.append(1))
    while not done:
        cr.poll()
        time.sleep(0.005)
        if time.monotonic() > ready_by:
            sys.exit("bench: interest not complete within 30 s")
    cpu0, wall0, upd0 = time.process_time(), time.monotonic(), UPDATES
    reads: Any = None
    while time.monotonic() - wall0 < seconds:
        cr.poll()
        if interp:  # one native call: every object, or those that moved
            reads = cr.interpolated_all("setPos") if mode == "interp" else cr.interpolated_changed("setPos")
        time.sleep(1 / 60)  # a 60 fps game frame
    cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    stats = cr.net_stats()
    updates = UPDATES - upd0
    print(
        f"bench: mode={mode} objects={len(cr.do_id2do)} wall_s={wall:.3f} cpu_s={cpu:.3f} "
        f"cpu_per_s={cpu / wall:.6f} handler_calls={updates} "
        f"updates_per_cpu_s={updates / max(cpu, 1e-9):.0f} "
        f"bytes_received={stats['bytes_received']} last_read={bool(reads)}"
    )


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--serve", action="store_true")
    args.add_argument("--port", type=int, default=27500)
    args.add_argument("--objects", type=int, default=500)
    args.add_argument("--moving", type=int, default=10, help="percent of objects moving (server)")
    args.add_argument("--mode", choices=["handlers", "interp", "interp_changed", "floor", "bound"], default="handlers")
    args.add_argument("--seconds", type=float, default=10.0)
    args.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE", help="any pipes setting, e.g. pipes-ack-every=4"
    )
    args.add_argument(
        "--rate", type=int, default=None, help="pipes-rate: snapshot bytes/s the client takes (default 196608)"
    )
    opts = args.parse_args()
    if opts.serve:
        serve(opts.port, opts.objects, opts.seconds, opts.moving)
    elif opts.mode == "bound":
        bound(opts.seconds, max(1, opts.objects * opts.moving // 100))
    else:
        settings: dict[str, str | float] = {name: value for name, _, value in (s.partition("=") for s in opts.set)}
        if opts.rate is not None:
            settings["pipes-rate"] = opts.rate
        run(opts.port, opts.mode, opts.seconds, settings)


if __name__ == "__main__":
    main()
