"""pipesnet against Panda3D, their clients run side by side (BENCHMARKS.md, "Python client").

    python examples/python/bench_ratio.py --moving 10 --rounds 5
    python examples/python/bench_ratio.py --moving 100 --rounds 5
    python examples/python/bench_ratio.py --moving 100 --build /tmp/a --build /tmp/b   # A/B

Starts a pipesnet server (`bench_client.py --serve`) and Panda3D's stock relay with its
AI (`panda_bench.py`), then each round runs, at the same time and for `--seconds`, a
pipesnet `handlers` client, a Panda3D `ClientRepository` client and the `bound` client
(no network at all: the least CPU any Python client can spend on these updates in this
60 fps loop). Running them together rather than one after another puts the host's noise
(other guests, CPU frequency, wake-up latency) on all of them alike, so the ratio holds
from round to round where the raw CPU figures drift. At 100 % moving the pipesnet client
takes every update (`--rate 1048576`). `--build DIR` (repeatable) runs one more pipesnet
client per round with DIR first on PYTHONPATH (a directory holding a `pipesnet` package).
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FIGURES = re.compile(r"cpu_per_s=([0-9.]+)(?: handler_calls=([0-9]+) updates_per_cpu_s=([0-9]+))?")


def spawn(args: list[str], pythonpath: str | None = None) -> subprocess.Popen[str]:
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    return subprocess.Popen(
        [sys.executable, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )


def figures(p: subprocess.Popen[str], timeout: float) -> tuple[float, int, float]:
    """(CPU s/s, handler calls, updates per CPU-second) from a client's last line."""
    out, _ = p.communicate(timeout=timeout)
    lines = [line for line in out.splitlines() if line.startswith(("bench:", "panda:"))]
    m = FIGURES.search(lines[-1]) if lines else None
    if m is None:
        raise SystemExit(f"bench_ratio: no figures from {p.args!r}: {out[-300:]!r}")
    return float(m.group(1)), int(m.group(2) or 0), float(m.group(3) or 0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--moving", type=int, default=10, help="percent of the 500 objects moving")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--port", type=int, default=27950, help="pipesnet server; Panda's is the next")
    ap.add_argument("--build", action="append", default=[], help="another pipesnet package dir")
    opts = ap.parse_args()
    bench, panda = os.path.join(HERE, "bench_client.py"), os.path.join(HERE, "panda_bench.py")
    life = str(opts.rounds * (opts.seconds + 15) + 30)
    pp, pq = str(opts.port), str(opts.port + 1)
    servers = [
        spawn([bench, "--serve", "--port", pp, "--moving", str(opts.moving), "--seconds", life]),
        spawn([panda, "--role", "server", "--port", pq, "--seconds", life]),
    ]
    time.sleep(2)
    servers.append(spawn([panda, "--role", "ai", "--port", pq, "--moving", str(opts.moving), "--seconds", life]))
    time.sleep(6)
    rate = ["--rate", "1048576"] if opts.moving == 100 else []
    secs = ["--seconds", str(opts.seconds)]
    names = ["pipesnet", *[f"build {i + 1}" for i in range(len(opts.build))], "panda", "bound"]
    cpu: dict[str, list[float]] = {n: [] for n in names}
    calls: dict[str, list[int]] = {n: [] for n in names}
    rates: dict[str, list[float]] = {n: [] for n in names}
    try:
        for r in range(opts.rounds):
            clients = [spawn([bench, "--port", pp, "--mode", "handlers", *secs, *rate])]
            clients += [spawn([bench, "--port", pp, "--mode", "handlers", *secs, *rate], d) for d in opts.build]
            clients.append(spawn([panda, "--role", "client", "--port", pq, *secs]))
            clients.append(spawn([bench, "--mode", "bound", "--moving", str(opts.moving), *secs]))
            row = []
            for name, p in zip(names, clients):
                c, n, u = figures(p, opts.seconds + 60)
                cpu[name].append(c)
                calls[name].append(n)
                rates[name].append(u)
                row.append(f"{name} {c:.4f} CPU s/s ({n} calls)")
            print(f"round {r + 1}: " + ", ".join(row), flush=True)
    finally:
        for s in servers:
            s.kill()
    load = os.getloadavg()[0]
    print(f"moving {opts.moving} %, {opts.rounds} rounds of {opts.seconds:.0f} s, load average {load:.2f}; medians:")
    for name in names:
        ups = statistics.median(rates[name])
        ratios = [u / pu for u, pu in zip(rates[name], rates["panda"])]
        print(
            f"  {name:9} {statistics.median(cpu[name]):.4f} CPU s/s, {ups:,.0f} updates/CPU-s, "
            f"{statistics.median(ratios):.2f}x Panda (median of the rounds' ratios; "
            f"{min(ratios):.2f}-{max(ratios):.2f}x)"
        )


if __name__ == "__main__":
    main()
