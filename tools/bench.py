#!/usr/bin/env python3
"""Reruns the benchmarks BENCHMARKS.md quotes and prints one table row per figure.

Standard library only. Each run records the machine's load (`uptime`) next to it.

    python3 tools/bench.py --quick          # load scenarios only, short runs (~1 min)
    python3 tools/bench.py                  # + criterion benches (tick, transport, interp,
                                            #   dcc parse) and the Panda parse timing
    python3 tools/bench.py --template tools/bench/BENCHMARKS.in.md --out BENCHMARKS.md

With --template, every `{{key}}` in the template is replaced by the figure of that key
(keys as printed: `criterion:<bench id>` = median, `load:<run>:<summary key>`,
`panda:median_us`, `uptime:<run>`); unknown keys are left as they are and listed on
stderr, so prose survives and a missing figure is visible. Not run by CI.
"""

import argparse
import re
import subprocess
import sys

# (run name, argv); the load harness's summary line is its last `load:` line.
LOAD_RUNS = [
    ("arena", ["--scenario", "arena"]),
    ("relay_r1", ["--scenario", "relay", "--clients", "32", "--objects", "100", "--rate", "1",
                  "--seconds", "3", "--drain", "5", "--transport", "udp"]),
    ("relay_r2", ["--scenario", "relay", "--clients", "32", "--objects", "100", "--rate", "2",
                  "--seconds", "3", "--drain", "5", "--transport", "udp"]),
    ("relay_r4", ["--scenario", "relay", "--clients", "32", "--objects", "100", "--rate", "4",
                  "--seconds", "3", "--drain", "5", "--transport", "udp"]),
    ("relay_r8", ["--scenario", "relay", "--clients", "32", "--objects", "100", "--rate", "8",
                  "--seconds", "3", "--drain", "5", "--transport", "udp"]),
    ("zoned_memory", ["--clients", "64", "--objects", "10000", "--moving-fraction", "0.1",
                      "--zones", "100", "--seconds", "5", "--transport", "memory"]),
    ("zoned_udp", ["--clients", "64", "--objects", "10000", "--moving-fraction", "0.1",
                   "--zones", "100", "--seconds", "5", "--transport", "udp"]),
]
QUICK_LOAD = {"arena", "relay_r1", "zoned_memory"}

CRITERION = [
    ["cargo", "bench", "-p", "pipes", "--features", "testing", "--bench", "tick", "--", "--noplot"],
    ["cargo", "bench", "-p", "pipes", "--bench", "transport", "--", "--noplot"],
    ["cargo", "bench", "-p", "pipes", "--bench", "interp", "--", "--noplot"],
    ["cargo", "bench", "-p", "dcc", "--bench", "parse", "--", "--noplot"],
]
PANDA = ["python3", "tools/panda_oracle.py", "bench", "--corpus", "../shared/corpus/dc"]

TIME_RE = re.compile(r"^(\S.*?)\s*\n?\s*time:\s*\[(\S+ \S+) (\S+ \S+) (\S+ \S+)\]", re.M)


def uptime():
    out = subprocess.run(["uptime"], capture_output=True, text=True).stdout
    m = re.search(r"load average:\s*(.*)$", out.strip())
    return m.group(1) if m else "?"


def run(argv):
    """Runs argv, returns its stdout; a failure stops the script with its stderr."""
    p = subprocess.run(argv, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"`{' '.join(argv)}` failed ({p.returncode}):\n{p.stderr[-2000:]}")
    return p.stdout


def parse_criterion(text):
    """{bench id: median text} from criterion's output (the middle of `time: [lo mid hi]`)."""
    out = {}
    for m in TIME_RE.finditer(text):
        name = m.group(1).strip().splitlines()[-1].strip()
        out[name] = m.group(3)
    return out


def parse_load(text):
    """The key=value pairs of the last `load:` line."""
    lines = [l for l in text.splitlines() if l.startswith("load:")]
    if not lines:
        raise ValueError("no `load:` summary line")
    return dict(kv.split("=", 1) for kv in lines[-1][len("load:"):].split())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="load scenarios only, short subset")
    ap.add_argument("--template", help="BENCHMARKS template with {{key}} placeholders")
    ap.add_argument("--out", help="where to write the filled template (default: stdout)")
    a = ap.parse_args()

    figures = {}
    run(["cargo", "build", "--release", "-p", "pipes-examples", "--example", "load"])
    for name, args in LOAD_RUNS:
        if a.quick and name not in QUICK_LOAD:
            continue
        load = uptime()
        pairs = parse_load(run(["nice", "target/release/examples/load"] + args))
        figures[f"uptime:{name}"] = load
        for k, v in pairs.items():
            figures[f"load:{name}:{k}"] = v
        print(f"| {name} | load {load} | " + " ".join(f"{k}={v}" for k, v in pairs.items()) + " |")
    if not a.quick:
        for argv in CRITERION:
            load = uptime()
            for bench, median in parse_criterion(run(["nice"] + argv)).items():
                figures[f"criterion:{bench}"] = median
                figures[f"uptime:{bench}"] = load
                print(f"| `{bench}` | {median} | load {load} |")
        load = uptime()
        m = re.search(r"median_us=(\d+)", run(PANDA))
        if m:
            figures["panda:median_us"] = m.group(1)
            figures["uptime:panda"] = load
            print(f"| Panda DCFile.read otp+toon | {int(m.group(1)) / 1000:.2f} ms | load {load} |")

    if a.template:
        with open(a.template, encoding="utf-8") as f:
            text = f.read()
        missing = sorted(set(re.findall(r"\{\{([^}]+)\}\}", text)) - set(figures))
        text = re.sub(r"\{\{([^}]+)\}\}", lambda m: figures.get(m.group(1), m.group(0)), text)
        for k in missing:
            print(f"no figure for {{{{{k}}}}} (left as is)", file=sys.stderr)
        if a.out:
            with open(a.out, "w", encoding="utf-8") as f:
                f.write(text)
        else:
            sys.stdout.write(text)


if __name__ == "__main__":
    main()
