#!/usr/bin/env bash
# Benchmark: what a change of the house costs in build and test time (issue 19's closing figures).
# For each revision (BEFORE, then AFTER, alternated step by step), in a fresh clone with its own
# empty target directory: a clean `cargo build --release --locked` (with --timings: its HTML and
# the 12 slowest units are kept), a clean `cargo test` (build and run), then `bash .ci/run` on
# another fresh clone (its own target: the CI's wall time). Ripgrep 14.1.1's clean build is timed
# in the same run as the yardstick (DESIGN/issue 19: ours should take at most twice as long).
# Usage: bench/before_after.sh BEFORE_REV [AFTER_REV]   (AFTER defaults to HEAD). Results in
# bench/out/before_after/. STEPS (default "release tests ci") and SIDES (default "before after")
# choose what runs; RIPGREP=0 skips the yardstick.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
before=$(git rev-parse --short "${1:?BEFORE_REV}")
after=$(git rev-parse --short "${2:-HEAD}")
out=$repo/bench/out/before_after
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset CARGO_TARGET_DIR

clock() { # label, command... : runs it, prints and records the wall time
  local label=$1 start end
  shift
  start=$(date +%s.%N)
  "$@" > "$out/$label.log" 2>&1 || { echo "$label: failed (see $out/$label.log)"; return 1; }
  end=$(date +%s.%N)
  python3 -c 'import sys; print(f"{sys.argv[1]}: {float(sys.argv[3]) - float(sys.argv[2]):.0f} s")' "$label" "$start" "$end" | tee -a "$out/summary.txt"
}
clone() { # rev dir
  git clone -q "$repo" "$2" && git -C "$2" checkout -q "$1"
}
release() { # rev
  local d=$work/release-$1
  clone "$1" "$d"
  (cd "$d" && clock "release-build-$1" cargo build --release --locked --timings)
  cp "$d"/target/cargo-timings/cargo-timing.html "$out/timings-$1.html" 2>/dev/null || true
  rm -rf "$d"
}
tests() { # rev
  local d=$work/test-$1
  clone "$1" "$d"
  (cd "$d" && clock "cargo-test-$1" cargo test)
  rm -rf "$d"
}
ci() { # rev
  local d=$work/ci-$1
  clone "$1" "$d"
  (cd "$d" && CI=true clock "ci-$1" bash .ci/run)
  rm -rf "$d"
}
echo "before $before, after $after, $(nproc) cores, $(date -u +%FT%TZ)" | tee -a "$out/summary.txt"
if [ "${RIPGREP:-1}" != 0 ]; then
  cargo install --quiet --locked ripgrep@14.1.1 --root "$work/rg-dl" > /dev/null 2>&1 || true
  CARGO_TARGET_DIR=$work/rg-target clock "ripgrep-14.1.1" cargo install --locked --offline ripgrep@14.1.1 --root "$work/rg"
  rm -rf "$work/rg-target" "$work/rg" "$work/rg-dl"
fi
for step in ${STEPS:-release tests ci}; do
  for side in ${SIDES:-before after}; do
    if [ "$side" = before ]; then "$step" "$before"; else "$step" "$after"; fi
  done
done
