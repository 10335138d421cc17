"""Wall time of one `cr.poll()` in a 60 fps loop, right after the frame's sleep (BENCHMARKS.md).

    python examples/python/bench_client.py --serve --port 27700 --objects 0 --seconds 60 &
    python examples/python/poll_cost.py --port 27700

The client connects, completes its interest in an empty zone, then times `--polls`
calls of `cr.poll()` with nothing to apply: each right after `time.sleep(1/60)` (caches
as a game's frame finds them) and each in a loop without sleep. Beside them it times a
call of an empty Python function, so the numbers can be read against what any call
costs on the machine.
"""

import argparse
import os
import sys
import time
from typing import Callable

sys.path.insert(0, os.path.dirname(__file__))

from pipesnet import ClientRepository  # noqa: E402

DC = os.path.join(os.path.dirname(__file__), "bench.dc")


def timed(call: Callable[[], object], polls: int, sleep: bool) -> tuple[float, float]:
    """Median and mean wall time of `call`, in microseconds."""
    times = []
    for _ in range(polls):
        if sleep:
            time.sleep(1 / 60)
        t0 = time.perf_counter_ns()
        call()
        times.append(time.perf_counter_ns() - t0)
    times.sort()
    return times[len(times) // 2] / 1000, sum(times) / len(times) / 1000


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--port", type=int, default=27700)
    args.add_argument("--polls", type=int, default=600)
    opts = args.parse_args()
    cr = ClientRepository([DC], port=opts.port)
    deadline = time.monotonic() + 10
    done: list[int] = []
    asked = False
    while not done:
        if time.monotonic() > deadline:
            sys.exit("poll_cost: no server answered within 10 s")
        cr.poll()
        if cr.connected and not asked:
            cr.set_interest([1], lambda: done.append(1))
            asked = True
        time.sleep(0.005)
    for sleep in (True, False):
        for name, call in (("empty function", lambda: None), ("cr.poll()", cr.poll)):
            median, mean = timed(call, opts.polls, sleep)
            print(f"poll_cost: {name} after_sleep={sleep} median_us={median:.1f} mean_us={mean:.1f}")


if __name__ == "__main__":
    main()
