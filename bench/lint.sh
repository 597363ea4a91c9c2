#!/usr/bin/env bash
# Benchmark: `lint --format json` over a 10,000-app `az ad app list` file (about 50 MB), with
# `jq .` on the same file in the same run as the reference. Prints the median wall time of 5 runs
# and the peak RSS of each. Needs python3, jq and GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000}
RUNS=${RUNS:-5}
out=bench/out
mkdir -p "$out"
cargo build --release --quiet
python3 bench/gen_tenant.py "$N" > "$out/tenant.json"
size=$(stat -c %s "$out/tenant.json")
echo "input: $N apps, $((size / 1000000)) MB"; echo

measure() { # name, command...
  local name=$1; shift
  local times=() peak=0
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o "$out/time.txt" "$@" > /dev/null || true
    read -r t m < <(tail -n 1 "$out/time.txt")
    times+=("$t")
    (( m > peak )) && peak=$m
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
  printf '%-34s median %6.2f s   peak RSS %4d MiB   (runs: %s)\n' "$name" "$median" $((peak / 1024)) "${times[*]}"
}

measure "oauth-preflight lint --format json" target/release/oauth-preflight lint --format json "$out/tenant.json"
measure "oauth-preflight lint (human)" target/release/oauth-preflight lint "$out/tenant.json"
measure "jq . (reference)" jq . "$out/tenant.json"
