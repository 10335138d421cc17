#!/usr/bin/env python3
"""Reruns the benchmarks BENCHMARKS.md quotes and regenerates it from its template.

Standard library only; run from the repository root. Not run by CI.

    python3 tools/bench.py --quick      # a short subset (load scenarios, demo; ~3 min)
    python3 tools/bench.py              # everything (criterion benches, Panda, load, demo)
    python3 tools/bench.py --only tick,arena   # the named runs
    python3 tools/bench.py --list       # the runs and what they execute
    python3 tools/bench.py --fill-only  # no runs: fill the template from the stored figures
    venv/bin/python tools/bench.py --only python_1k,python_10k   # pipesnet vs Panda3D

Every run stores its figures in `tools/bench/figures.json` (merged with what is there,
so a partial run keeps the other figures) together with the machine's load
(`uptime:<run>`, the 1/5/15-minute load averages just before it started) and the UTC
time (`date:<run>`). Then `tools/bench/BENCHMARKS.in.md` is filled into `BENCHMARKS.md`
(`--template`, `--out` to change either): every `{{key}}` becomes that figure, so the
prose stays and the numbers are the measured ones. `{{key|n}}` prints a number with
thousands separators, `{{key|t}}` a criterion time to 3 significant digits, `{{key|f1}}`
/ `{{key|f2}}` a number with 1 or 2 decimals, `{{key|k}}` bytes as kB/MB. A key with
no figure is left as it is and reported on stderr (the exit status is then 1).

Keys: `criterion:<bench id>` (the median of `time: [lo median hi]`), `load:<run>:<k>` and
`demo:<run>:<k>` (the key=value pairs of the run's summary line), `pyratio:<run>:<k>`
(the `ratio:` line of `examples/python/bench_ratio.py`), `tick:<size>` (the
tick bench's byte counts), `panda:median_us`, `derived:<name>` (ratios computed here).
"""

import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import time

FIGURES = "tools/bench/figures.json"
TEMPLATE = "tools/bench/BENCHMARKS.in.md"
OUT = "BENCHMARKS.md"
LOAD = "target/release/examples/load"
DEMO = "target/release/examples/demo"
PY_RATIO = "examples/python/bench_ratio.py"

RELAY = ["--scenario", "relay", "--clients", "32", "--objects", "100", "--seconds", "3",
         "--drain", "5", "--transport", "udp"]
ZONED = ["--objects", "10000", "--moving-fraction", "0.1", "--zones", "100", "--seconds", "5"]

# (name, kind, argv, in --quick). kind: load / demo (a release example's summary line),
# criterion (a `cargo bench`), tick (criterion + the printed byte counts), panda.
RUNS = [
    ("arena", "load", [LOAD, "--scenario", "arena"], True),
    ("relay_r1", "load", [LOAD] + RELAY + ["--rate", "1"], True),
    ("relay_r2", "load", [LOAD] + RELAY + ["--rate", "2"], False),
    ("relay_r4", "load", [LOAD] + RELAY + ["--rate", "4"], False),
    ("relay_r8", "load", [LOAD] + RELAY + ["--rate", "8"], False),
    ("relay_r4_server", "load", [LOAD] + RELAY + ["--rate", "4", "--updates-by", "server"], False),
    ("zoned_memory", "load", [LOAD, "--clients", "64"] + ZONED
     + ["--transport", "memory", "--client-threads", "1"], True),
    ("zoned_udp", "load", [LOAD, "--clients", "64"] + ZONED
     + ["--transport", "udp", "--client-threads", "1"], True),
    ("zoned_memory_200", "load", [LOAD, "--clients", "200"] + ZONED
     + ["--transport", "memory", "--client-threads", "1"], False),
    ("zoned_udp_2t", "load", [LOAD, "--clients", "64"] + ZONED
     + ["--transport", "udp", "--client-threads", "2"], False),
    ("demo_udp", "demo", [DEMO, "--seconds", "5"], True),
    ("demo_loss", "demo", [DEMO, "--seconds", "5", "--loss", "0.2"], True),
    ("demo_lossy_latency", "demo", [DEMO, "--seconds", "5", "--loss", "0.05",
                                    "--latency-ms", "50"], False),
    ("demo_memory", "demo", [DEMO, "--seconds", "5", "--transport", "memory"], False),
    ("tick", "tick", ["cargo", "bench", "-p", "pipes-runtime", "--features", "testing",
                      "--bench", "tick", "--", "--noplot"], False),
    ("predict", "criterion", ["cargo", "bench", "-p", "pipes-runtime", "--features", "testing",
                              "--bench", "predict", "--", "--noplot", "--warm-up-time", "1",
                              "--measurement-time", "3"], False),
    ("transport", "criterion", ["cargo", "bench", "-p", "pipes-runtime", "--bench",
                                "transport", "--", "--noplot"], False),
    ("interp", "criterion", ["cargo", "bench", "-p", "pipes-runtime", "--bench", "interp",
                             "--", "--noplot", "--warm-up-time", "1", "--measurement-time",
                             "5"], False),
    ("pack", "criterion", ["cargo", "bench", "-p", "pipes-tests", "--bench", "pack", "--",
                           "--noplot", "--warm-up-time", "1", "--measurement-time", "3"],
     False),
    ("parse", "criterion", ["cargo", "bench", "-p", "pipes-dcc", "--bench", "parse", "--",
                            "--noplot", "--warm-up-time", "1", "--measurement-time", "3"],
     False),
    ("panda", "panda", ["python3", "tools/panda_oracle.py", "bench", "--corpus",
                        "../shared/corpus/dc"], False),
    # pipesnet beside Panda3D's ClientRepository (issue 17): run this script with a Python
    # that imports both (`maturin develop` in python/, in a venv with panda3d).
    ("python_1k", "pyratio", [sys.executable, PY_RATIO, "--moving", "10", "--rounds", "7"],
     False),
    ("python_10k", "pyratio", [sys.executable, PY_RATIO, "--moving", "100", "--rounds", "7"],
     False),
]

TIME_RE = re.compile(r"^(\S.*?)\s*\n?\s*time:\s*\[(\S+ \S+) (\S+ \S+) (\S+ \S+)\]", re.M)
TICK_SIZES = [
    ("tick:busy_world_bytes", r"busy world:.*delta (\d+)"),
    ("tick:naive_bytes", r"busy world:.*naive full state (\d+)"),
    ("tick:idle_bytes", r"idle world: bytes per client per tick ([\d.]+)"),
    ("tick:uint32_bytes", r"1000 changed uint32 objects: bytes per client per tick (\d+)"),
]


def uptime():
    """The three load averages, e.g. `1.40, 1.62, 1.70`."""
    out = subprocess.run(["uptime"], capture_output=True, text=True).stdout
    m = re.search(r"load average:\s*(.*)$", out.strip())
    return m.group(1) if m else "?"


def run(argv):
    """Runs argv (nice'd), returns stdout + stderr; a failure stops the script."""
    p = subprocess.run(["nice"] + argv, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"`{' '.join(argv)}` failed ({p.returncode}):\n{p.stderr[-2000:]}")
    return p.stdout + "\n" + p.stderr


def parse_criterion(text):
    """{bench id: median text} from criterion's output (the middle of `time: [lo mid hi]`)."""
    out = {}
    for m in TIME_RE.finditer(text):
        name = m.group(1).strip().splitlines()[-1].strip()
        out[name] = m.group(3)
    return out


def parse_summary(text, prefix):
    """The key=value pairs of the last line starting with `prefix`."""
    lines = [l for l in text.splitlines() if l.startswith(prefix)]
    if not lines:
        raise ValueError(f"no `{prefix}` summary line")
    return dict(kv.split("=", 1) for kv in lines[-1][len(prefix):].split() if "=" in kv)


def measure(name, kind, argv):
    """Runs one benchmark; returns its figures."""
    figures = {f"uptime:{name}": uptime(),
               f"date:{name}": datetime.datetime.now(datetime.timezone.utc)
               .strftime("%Y-%m-%d %H:%M UTC")}
    text = run(argv)
    if kind in ("load", "demo"):
        for k, v in parse_summary(text, kind + ":").items():
            figures[f"{kind}:{name}:{k}"] = v
    if kind in ("criterion", "tick"):
        for bench, median in parse_criterion(text).items():
            figures[f"criterion:{bench}"] = median
    if kind == "tick":
        for key, pattern in TICK_SIZES:
            m = re.search(pattern, text)
            if m:
                figures[key] = m.group(1)
    if kind == "pyratio":
        for k, v in parse_summary(text, "ratio:").items():
            figures[f"pyratio:{name}:{k}"] = v
    if kind == "panda":
        m = re.search(r"median_us=(\d+)", text)
        if m:
            figures["panda:median_us"] = m.group(1)
    return figures


def check_python_clients():
    """Stops with a clear message unless this Python imports pipesnet and panda3d."""
    for module in ("pipesnet", "panda3d.core"):
        p = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True)
        if p.returncode != 0:
            sys.exit(f"the python_* runs need `{module}` importable by {sys.executable}: "
                     "run this script with the venv's Python (see BENCHMARKS.md, Python client)")


def number(s):
    return float(re.sub(r"[^\d.eE+-]", "", str(s)))


def to_us(t):
    """A criterion time (`53.757 µs`) in µs."""
    v, unit = t.split()
    return float(v) * {"ns": 1e-3, "µs": 1.0, "us": 1.0, "ms": 1e3, "s": 1e6}[unit]


def derive(f):
    """Ratios and differences the template quotes, from the figures there are."""
    def value(key, compute, fmt="{:.1f}"):
        try:
            f[key] = fmt.format(compute())
        except (KeyError, ValueError, ZeroDivisionError):
            pass

    def ratio(key, a, b, fmt="{:.2f}"):
        value(key, lambda: a() / b(), fmt)
    down = "down_bytes_per_client_per_s"
    ratio("derived:zoned_udp_over_memory",
          lambda: number(f[f"load:zoned_udp:{down}"]),
          lambda: number(f[f"load:zoned_memory:{down}"]))
    ratio("derived:demo_loss_over_lossless",
          lambda: number(f["demo:demo_loss:bytes_per_client_per_s"]),
          lambda: number(f["demo:demo_udp:bytes_per_client_per_s"]))
    ratio("derived:dcc_over_panda",
          lambda: to_us(f["criterion:otp+toon/load_and_hash"]),
          lambda: number(f["panda:median_us"]))
    ratio("derived:busy_80k_over_1k",
          lambda: to_us(f["criterion:server_tick/busy_100_changes_80k"]),
          lambda: to_us(f["criterion:server_tick/busy_100_changes_1k"]), "{:.1f}")
    ratio("derived:busy_80k_hot_over_1k",
          lambda: to_us(f["criterion:server_tick/busy_100_changes_80k_hot"]),
          lambda: to_us(f["criterion:server_tick/busy_100_changes_1k"]), "{:.1f}")
    ratio("panda:median_ms", lambda: number(f["panda:median_us"]), lambda: 1000.0)
    for run in ("python_1k", "python_10k"):
        fig = lambda k, run=run: number(f[f"pyratio:{run}:{k}"])
        # CPU ms per second: what a 5x client may spend in all, what that leaves once
        # the no-network `bound` client's loop and handlers are paid, and what
        # pipesnet spends above that bound.
        value(f"derived:{run}_5x_budget_ms", lambda fig=fig: fig("panda_cpu") / 5 * 1000)
        value(f"derived:{run}_5x_headroom_ms",
              lambda fig=fig: (fig("panda_cpu") / 5 - fig("bound_cpu")) * 1000)
        value(f"derived:{run}_over_bound_ms",
              lambda fig=fig: (fig("pipesnet_cpu") - fig("bound_cpu")) * 1000)
    for r in ("relay_r1", "relay_r2", "relay_r4", "relay_r8", "relay_r4_server"):
        ratio(f"derived:{r}_bytes_over_budget",
              lambda r=r: number(f[f"load:{r}:server_bytes_per_s"]),
              lambda r=r: number(f[f"load:{r}:budget_bytes_per_s"]))


def fmt(value, spec):
    """Formats a figure by a template spec (see the module docs)."""
    if not spec:
        return str(value)
    if spec == "t":
        v, unit = str(value).split()
        x = float(v)
        return f"{x:.3g} {unit}" if x < 1000 else f"{x:.0f} {unit}"
    x = number(value)
    if spec == "n":
        return f"{x:,.0f}"
    if spec in ("f1", "f2"):
        return f"{x:.{spec[1]}f}"
    if spec == "k":
        return f"{x / 1e6:.2f} MB" if x >= 1e6 else f"{x / 1e3:.1f} kB"
    raise ValueError(f"unknown format `{spec}`")


def fill(text, figures):
    """Replaces every `{{key}}` / `{{key|spec}}`; returns the text and the missing keys."""
    missing = set()

    def one(m):
        key, _, spec = m.group(1).partition("|")
        if key not in figures:
            missing.add(key)
            return m.group(0)
        return fmt(figures[key], spec)

    return re.sub(r"\{\{([^}]+)\}\}", one, text), sorted(missing)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="the short subset only")
    ap.add_argument("--only", help="comma-separated run names")
    ap.add_argument("--list", action="store_true", help="list the runs and exit")
    ap.add_argument("--fill-only", action="store_true", help="run nothing, fill the template")
    ap.add_argument("--template", default=TEMPLATE)
    ap.add_argument("--out", default=OUT)
    ap.add_argument("--figures", default=FIGURES)
    a = ap.parse_args()

    if a.list:
        for name, kind, argv, quick in RUNS:
            print(f"{name:20} {kind:9} {'quick' if quick else '     '} {' '.join(argv)}")
        return 0
    only = set(a.only.split(",")) if a.only else None
    if only and only - {r[0] for r in RUNS}:
        sys.exit(f"unknown runs: {', '.join(sorted(only - {r[0] for r in RUNS}))} (see --list)")
    figures = {}
    if os.path.exists(a.figures):
        with open(a.figures, encoding="utf-8") as f:
            figures = json.load(f)
    # The pipesnet-vs-Panda3D runs need a venv's Python: only when named in --only.
    todo = [r for r in RUNS if (only is None or r[0] in only)
            and (not a.quick or r[3]) and not a.fill_only
            and (r[1] != "pyratio" or only is not None)]
    if any(r[1] == "pyratio" for r in todo):
        check_python_clients()
    if any(r[1] in ("load", "demo") for r in todo):
        run(["cargo", "build", "--release", "-p", "pipes-examples", "--example", "load",
             "--example", "demo"])
    started = time.monotonic()
    for name, kind, argv, _ in todo:
        t = time.monotonic()
        new = measure(name, kind, argv)
        figures.update(new)
        print(f"{name}: {len(new) - 2} figures in {time.monotonic() - t:.0f} s, "
              f"load {new[f'uptime:{name}']}", file=sys.stderr)
        # Saved after every run: an interrupted session keeps what it measured.
        derive(figures)
        with open(a.figures, "w", encoding="utf-8") as f:
            json.dump(figures, f, indent=1, sort_keys=True, ensure_ascii=False)
            f.write("\n")
    if todo:
        print(f"{len(todo)} runs in {time.monotonic() - started:.0f} s", file=sys.stderr)
    derive(figures)
    with open(a.template, encoding="utf-8") as f:
        text, missing = fill(f.read(), figures)
    with open(a.out, "w", encoding="utf-8") as f:
        f.write(text)
    for k in missing:
        print(f"no figure for {{{{{k}}}}} (left as is)", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
