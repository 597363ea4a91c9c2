#!/usr/bin/env bash
# Benchmark: `lint --format json` of a Terraform plan of 10,000 resources (2,500 apps, each with
# its service principal, its password and a web app; joined through configuration references),
# with `jq .` on the same file as the reference. Prints the median wall time of 5 runs and the
# peak RSS of each. Needs python3, jq and GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000}
RUNS=${RUNS:-5}
out=bench/out
mkdir -p "$out"
cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/oauth-preflight
python3 bench/gen_plan.py "$N" > "$out/plan.json"
size=$(stat -c %s "$out/plan.json")
echo "input: a plan of $N resources, $((size / 1000000)) MB"; echo

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

measure "oauth-preflight lint --format json" "$bin" lint --at 2026-12-01T00:00:00Z --format json "$out/plan.json"
measure "jq . (reference)" jq . "$out/plan.json"
