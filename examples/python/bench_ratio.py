"""pipesnet against Panda3D, their clients run side by side (BENCHMARKS.md, "Python client").

    python examples/python/bench_ratio.py --moving 10 --rounds 5
    python examples/python/bench_ratio.py --moving 100 --rounds 5
    python examples/python/bench_ratio.py --moving 100 --build /tmp/a --build /tmp/b   # A/B

Starts a pipesnet server (`bench_client.py --serve`) and Panda3D's stock relay with its
AI (`panda_bench.py`), then each round runs these clients at the same time, for
`--seconds` each:

- `pipesnet`: a `setPos` handler per changed field (`bench_client.py --mode handlers`);
- `interp`: pipesnet with setPos interpolated in Rust and every position read once a
  frame (`interpolated_all`), no per-field Python calls;
- `interp_changed`: the same, reading only the positions that changed since the last
  frame (`interpolated_changed`);
- `panda`: a Panda3D `ClientRepository` with the same handler;
- `bound`: no network at all, the same handler run for each update with ready-made
  arguments (the least CPU any Python client can spend on these updates in this loop);
- `floor`: the 60 fps loop alone (what `time.sleep` costs every client here).

Ratios are updates per CPU-second against Panda's client: raw (the whole process, as the
issue measures) and net of the floor (the CPU above the frame loop all clients share).
Running the clients together puts the host's noise (other guests, CPU frequency,
wake-up latency) on all of them alike, so the ratio holds from round to round where the
raw CPU figures drift. At 100 % moving the pipesnet clients take every update (`--rate
1048576`). `--build DIR` (repeatable) runs one more pipesnet client per round with DIR
first on PYTHONPATH (a directory holding a `pipesnet` package). The last line (`ratio:
key=value ...`) is what `tools/bench.py` stores for BENCHMARKS.md.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from typing import NamedTuple

HERE = os.path.dirname(os.path.abspath(__file__))
FIGURES = re.compile(r"wall_s=([0-9.]+) .*cpu_per_s=([0-9.]+)(?: handler_calls=([0-9]+))?")


def spawn(args: list[str], pythonpath: str | None = None) -> subprocess.Popen[str]:
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    return subprocess.Popen(
        [sys.executable, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )


class Run(NamedTuple):
    """One client's figures for one round."""

    wall: float
    cpu_per_s: float
    calls: int

    def updates_per_cpu_s(self, floor: float = 0.0) -> float:
        """Handler calls per CPU-second, of the whole process or above `floor` CPU s/s."""
        return self.calls / max((self.cpu_per_s - floor) * self.wall, 1e-9)


def figures(p: subprocess.Popen[str], timeout: float) -> Run:
    """A client's figures, from its last line."""
    out, _ = p.communicate(timeout=timeout)
    lines = [line for line in out.splitlines() if line.startswith(("bench:", "panda:"))]
    m = FIGURES.search(lines[-1]) if lines else None
    if m is None:
        raise SystemExit(f"bench_ratio: no figures from {p.args!r}: {out[-300:]!r}")
    return Run(float(m.group(1)), float(m.group(2)), int(m.group(3) or 0))


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
    builds = [f"build {i + 1}" for i in range(len(opts.build))]
    names = ["pipesnet", *builds, "interp", "interp_changed", "panda", "bound", "floor"]
    runs: dict[str, list[Run]] = {n: [] for n in names}
    try:
        for r in range(opts.rounds):
            clients = [spawn([bench, "--port", pp, "--mode", "handlers", *secs, *rate])]
            clients += [spawn([bench, "--port", pp, "--mode", "handlers", *secs, *rate], d) for d in opts.build]
            for mode in ("interp", "interp_changed"):
                clients.append(spawn([bench, "--port", pp, "--mode", mode, *secs, *rate]))
            clients.append(spawn([panda, "--role", "client", "--port", pq, *secs]))
            clients.append(spawn([bench, "--mode", "bound", "--moving", str(opts.moving), *secs]))
            clients.append(spawn([bench, "--mode", "floor", *secs]))
            row = []
            for name, p in zip(names, clients):
                run = figures(p, opts.seconds + 60)
                runs[name].append(run)
                row.append(f"{name} {run.cpu_per_s:.4f} CPU s/s ({run.calls} calls)")
            print(f"round {r + 1}: " + ", ".join(row), flush=True)
    finally:
        for s in servers:
            s.kill()
    report(opts, names, runs)


def report(opts: argparse.Namespace, names: list[str], runs: dict[str, list[Run]]) -> None:
    """Medians per client, its ratios to Panda's client, and the `ratio:` summary line."""
    load = os.getloadavg()[0]
    floors = [run.cpu_per_s for run in runs["floor"]]
    print(f"moving {opts.moving} %, {opts.rounds} rounds of {opts.seconds:.0f} s, load average {load:.2f}; medians:")
    summary = {
        "moving_pct": str(opts.moving),
        "rounds": str(opts.rounds),
        "load": f"{load:.2f}",
        "floor_cpu": f"{statistics.median(floors):.4f}",
    }
    for name in names:
        cpu = statistics.median(run.cpu_per_s for run in runs[name])
        key = name.replace(" ", "_")
        summary[f"{key}_cpu"] = f"{cpu:.4f}"
        if name in ("interp", "interp_changed", "panda", "floor"):
            print(f"  {name:9} {cpu:.4f} CPU s/s")
            continue
        raw = [a.updates_per_cpu_s() / b.updates_per_cpu_s() for a, b in zip(runs[name], runs["panda"])]
        net = [
            a.updates_per_cpu_s(f) / b.updates_per_cpu_s(f) for a, b, f in zip(runs[name], runs["panda"], floors)
        ]
        ups = statistics.median(run.updates_per_cpu_s() for run in runs[name])
        print(
            f"  {name:9} {cpu:.4f} CPU s/s, {ups:,.0f} updates/CPU-s, {statistics.median(raw):.2f}x Panda "
            f"({min(raw):.2f}-{max(raw):.2f}x), net of the floor {statistics.median(net):.2f}x "
            f"({min(net):.2f}-{max(net):.2f}x)"
        )
        summary[f"{key}_updates_per_cpu_s"] = f"{ups:.0f}"
        for label, values in (("ratio", raw), ("net_ratio", net)):
            summary[f"{key}_{label}"] = f"{statistics.median(values):.2f}"
            summary[f"{key}_{label}_min"] = f"{min(values):.2f}"
            summary[f"{key}_{label}_max"] = f"{max(values):.2f}"
    summary["panda_updates_per_cpu_s"] = f"{statistics.median(r.updates_per_cpu_s() for r in runs['panda']):.0f}"
    print("ratio: " + " ".join(f"{k}={v}" for k, v in summary.items()), flush=True)


if __name__ == "__main__":
    main()
