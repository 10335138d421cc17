#!/usr/bin/env bash
# Side-by-side relay benchmark: pipes-cmu and the stock Panda3D ServerRepository under
# the same CMU load (pipes-cmu-load), one after the other, on 127.0.0.1.
# Usage: cmu/bench/run.sh [SECONDS]   (cases: C=8 O=20 R=20 and C=32 O=100 R=21)
set -euo pipefail
cd "$(dirname "$0")/../.."
SECS=${1:-10}
DC=schemas/test/cmu.dc
cargo build --release -q -p pipes-cmu
BIN=target/release
echo "uptime: $(uptime)"
run_case() { # label c o r
  local c=$2 o=$3 r=$4 port=$((16700 + RANDOM % 200)) pid
  if [ "$1" = pipes-cmu ]; then
    nice -n 0 $BIN/pipes-cmu --host 127.0.0.1 --port $port $DC >/dev/null 2>&1 & pid=$!
  else
    python3 cmu/bench/stock_server.py $port $DC >/dev/null 2>&1 & pid=$!
  fi
  for _ in $(seq 150); do # wait up to 30 s for the port (Panda's start-up is slow)
    (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break
    sleep 0.2
  done
  timeout $((SECS + 60)) $BIN/pipes-cmu-load --addr 127.0.0.1:$port -c "$c" -o "$o" -r "$r" \
    -d "$SECS" --pid $pid --label "$1" || echo "$1: load client failed"
  kill $pid 2>/dev/null || true
  wait $pid 2>/dev/null || true
}
for case in "8 20 20" "32 100 21"; do
  set -- $case
  run_case pipes-cmu "$@"
  run_case stock "$@"
done
