#!/usr/bin/env bash
# Benchmark: the `release` profile as configured (thin LTO, 4 codegen units) against the same
# without LTO (16 units, through cargo's CARGO_PROFILE_RELEASE_* overrides), in one run: the time
# of a clean build of each (each in its own target directory, one after the other; ORDER=swap
# builds the LTO-less one first), then the emulator of each under the same load, alternated
# ROUNDS times: discovery and token endpoint requests/s (wrk). Installs wrk (Debian) if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
DUR=${DUR:-5}
work=$(mktemp -d)
trap 'kill "${emu_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

build() { # name target-dir [env...]
  local name=$1 dir=$2 start end
  shift 2
  start=$(date +%s.%N)
  env "$@" CARGO_TARGET_DIR="$dir" cargo build --quiet --locked --release
  end=$(date +%s.%N)
  python3 -c 'import sys; print(f"clean build, {sys.argv[1]}: {float(sys.argv[3]) - float(sys.argv[2]):.0f} s")' "$name" "$start" "$end"
}
lto() { build "thin LTO, 4 units (as configured)" "$work/lto"; }
nolto() { build "no LTO, 16 units" "$work/nolto" CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16; }
# The yardstick (issue 19): a clean build should take no more than twice ripgrep's, built the
# same way in the same run (downloaded first, then built offline from a fresh target).
ripgrep() {
  cargo install --quiet --locked ripgrep@14.1.1 --root "$work/rg-dl" >/dev/null 2>&1 || true
  local start end
  start=$(date +%s.%N)
  CARGO_TARGET_DIR="$work/rg-target" cargo install --quiet --locked --offline ripgrep@14.1.1 --root "$work/rg" >/dev/null 2>&1
  end=$(date +%s.%N)
  python3 -c 'import sys; print(f"clean build, ripgrep 14.1.1 (cargo install --offline): {float(sys.argv[2]) - float(sys.argv[1]):.0f} s")' "$start" "$end"
}
ripgrep
if [ "${ORDER:-}" = swap ]; then nolto; lto; else lto; nolto; fi
a="$work/lto/release/oauth-preflight"; b="$work/nolto/release/oauth-preflight"
ls -l "$a" "$b" | awk '{print $5, $9}'

app=fixtures/apps/good-multitenant.json
. scripts/emulator.sh
rps() { wrk -t1 -c16 -d"${DUR}s" ${2:+-s "$2"} "$1" | awk '/Requests\/sec/ {print $2}'; }
measure() { # binary
  start_emulator "$1" "$app" "$work"
  printf 'wrk.method = "POST"\nwrk.body = "%s"\nwrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n' \
    "grant_type=client_credentials&client_id=$client_id&client_secret=$secret&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default" > "$work/token.lua"
  local d t
  d=$(rps "$authority/common/v2.0/.well-known/openid-configuration")
  t=$(rps "$authority/$contoso/oauth2/v2.0/token" "$work/token.lua")
  kill "$emu_pid"; wait "$emu_pid" 2>/dev/null || true; rm -f "$work/ready.json"
  echo "$d $t"
}
for i in $(seq "$ROUNDS"); do
  read -r ad at < <(measure "$a"); read -r bd bt < <(measure "$b")
  echo "round $i: thin LTO discovery $ad token $at req/s | no LTO discovery $bd token $bt req/s"
done
