#!/usr/bin/env bash
# Benchmarks of `lint`. Needs python3, jq and GNU time (/usr/bin/time).
#
# 1. Memory per app (issue 18, item 5): 10,000 and 200,000 minimal apps (an appId alone, 49 bytes
#    of input each, a whole report of checks each), `lint --format F --output /dev/null` for each
#    format, and every format at once (`--report`): median wall time and peak RSS of RUNS runs,
#    peak RSS per app, and the memory each app adds (the slope from 10,000 to 200,000 apps).
# 2. `lint --format json` over a 10,000-app `az ad app list` file (about 50 MB, realistic apps),
#    with `jq .` on the same file as the reference.
#
# BIN=path/to/oauth-preflight measures another build (e.g. one from before a change) instead of
# building this checkout; SIZES="10000 200000", N=10000 (realistic apps) and RUNS=3 can be set.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-10000 200000}
N=${N:-10000}
RUNS=${RUNS:-3}
out=bench/out
mkdir -p "$out"
if [[ -z ${BIN:-} ]]; then
  cargo build --release --quiet
  BIN=${CARGO_TARGET_DIR:-target}/release/oauth-preflight
fi
echo "binary: $BIN ($(nproc) cores)"; echo

peak=0 median=0
measure() { # name, command...: sets $peak (KiB) and $median (s)
  local name=$1; shift
  local times=()
  peak=0
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o "$out/time.txt" "$@" > /dev/null || true
    read -r t m < <(tail -n 1 "$out/time.txt")
    times+=("$t")
    (( m > peak )) && peak=$m
  done
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
  printf '%-44s median %6.2f s   peak RSS %5d MiB' "$name" "$median" $((peak / 1024))
}

declare -A first
formats=(json human junit github markdown html)
for n in $SIZES; do
  python3 bench/gen_tenant.py --minimal "$n" > "$out/minimal-$n.json"
  echo "input: $n minimal apps, $(( $(stat -c %s "$out/minimal-$n.json") / 1000 )) kB"
  for f in "${formats[@]}" all; do
    if [[ $f == all ]]; then
      args=(--output /dev/null)
      for g in json junit html; do args+=(--report "$g=$out/report.$g"); done
      label="every format at once (--report)"
    else
      args=(--format "$f" --output /dev/null)
      label="lint --format $f"
    fi
    measure "$label" "$BIN" lint "${args[@]}" "$out/minimal-$n.json"
    printf '   %5d bytes/app' $((peak * 1024 / n))
    if [[ -n ${first[$f]:-} ]]; then
      read -r n0 p0 <<< "${first[$f]}"
      printf '   slope %5d bytes/app' $(( (peak - p0) * 1024 / (n - n0) ))
    else
      first[$f]="$n $peak"
    fi
    echo
  done
  rm -f "$out"/report.*
  echo
done

python3 bench/gen_tenant.py "$N" > "$out/tenant.json"
echo "input: $N realistic apps, $(( $(stat -c %s "$out/tenant.json") / 1000000 )) MB"
measure "oauth-preflight lint --format json" "$BIN" lint --format json "$out/tenant.json"; echo
measure "oauth-preflight lint (human)" "$BIN" lint "$out/tenant.json"; echo
measure "jq . (reference)" jq . "$out/tenant.json"; echo
