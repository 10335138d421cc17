"""The same client-side work on Panda3D's stock CMU ServerRepository relay (BENCHMARKS.md).

    python3 examples/python/panda_bench.py --role server --port 27600 --seconds 20 &
    python3 examples/python/panda_bench.py --role ai --port 27600 --seconds 18 &
    python3 examples/python/panda_bench.py --role client --port 27600 --seconds 10

The `ai` role is a Panda client that creates `--objects` avatars in zone 1 and sends
setPos for `--moving` % of them (10 by default) 20 times a second (the relay forwards
them); the `client` counts handler calls and reports its process CPU, as
bench_client.py does.
"""

import argparse
import math
import os
import sys
import time
from typing import Any

sys.path.insert(0, os.path.dirname(__file__))

from direct.distributed.DistributedObject import DistributedObject  # type: ignore  # noqa: E402

DC = os.path.join(os.path.dirname(__file__), "panda_bench.dc")
UPDATES = 0


class PandaBenchAvatar(DistributedObject):  # type: ignore
    pos = (0.0, 0.0, 0.0)

    def getPos(self) -> tuple[float, float, float]:
        return self.pos

    def setPos(self, x: float, y: float, z: float) -> None:
        global UPDATES
        UPDATES += 1
        self.pos = (x, y, z)


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--role", choices=["server", "ai", "client"], required=True)
    args.add_argument("--port", type=int, default=27600)
    args.add_argument("--objects", type=int, default=500)
    args.add_argument("--moving", type=int, default=10, help="percent of objects moving (ai)")
    args.add_argument("--seconds", type=float, default=10.0)
    opts = args.parse_args()
    from panda3d.core import URLSpec, loadPrcFileData

    loadPrcFileData("", "window-type none\naudio-library-name null\nnotify-level-ServerRepository error")
    from direct.showbase.ShowBase import ShowBase

    base: Any = ShowBase(windowType="none")
    if opts.role == "server":
        from direct.distributed.ServerRepository import ServerRepository

        ServerRepository(opts.port, dcFileNames=[DC], threadedNet=False)
        end = time.monotonic() + opts.seconds
        while time.monotonic() < end:
            base.taskMgr.step()
            time.sleep(0.001)
        return
    from direct.distributed.ClientRepository import ClientRepository

    cr = ClientRepository(dcFileNames=[DC], threadedNet=False)
    ready: list[int] = []
    base.accept("createReady", lambda: ready.append(1))
    cr.connect([URLSpec(f"http://127.0.0.1:{opts.port}")], successCallback=lambda: None, failureCallback=lambda *a: sys.exit("connect failed"))
    ready_by = time.monotonic() + 30  # a relay that is not there ends the run
    while not ready:
        base.taskMgr.step()
        time.sleep(0.005)
        if time.monotonic() > ready_by:
            sys.exit(f"panda: no relay on port {opts.port} within 30 s")
    cr.setInterestZones([1])
    if opts.role == "ai":
        avatars = [cr.createDistributedObject(className="PandaBenchAvatar", zoneId=1) for _ in range(opts.objects)]
        moving = avatars[: max(1, opts.objects * opts.moving // 100)]
        start = time.monotonic()
        next_send = 0.0
        while (t := time.monotonic() - start) < opts.seconds:
            if t >= next_send:
                next_send += 0.05
                for i, av in enumerate(moving):
                    av.sendUpdate("setPos", [math.cos(t + i), math.sin(t + i), 0.0])
            base.taskMgr.step()
            time.sleep(0.005)
        return
    # client: wait for the objects, then measure.
    wait_end = time.monotonic() + 10
    while len(cr.doId2do) < opts.objects and time.monotonic() < wait_end:
        base.taskMgr.step()
        time.sleep(0.005)
    # The dc import loads this file again as module panda_bench: count there.
    counter: Any = sys.modules.get("panda_bench", sys.modules[__name__])
    cpu0, wall0, upd0 = time.process_time(), time.monotonic(), counter.UPDATES
    while time.monotonic() - wall0 < opts.seconds:
        base.taskMgr.step()
        time.sleep(1 / 60)
    cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    updates = counter.UPDATES - upd0
    print(
        f"panda: objects={len(cr.doId2do)} wall_s={wall:.3f} cpu_s={cpu:.3f} cpu_per_s={cpu / wall:.6f} "
        f"handler_calls={updates} updates_per_cpu_s={updates / max(cpu, 1e-9):.0f}"
    )


if __name__ == "__main__":
    main()
