#!/usr/bin/env bash
# Benchmark: the tree's crypto provider, ring against aws-lc-rs (issue 19), in one run,
# alternated ROUNDS times: a clean `cargo build --release --locked` of each revision (each in its
# own fresh target directory), the emulator's token endpoint of each under the same load (wrk,
# client_credentials: every answer an RS256-signed JWT), and `cargo bench --bench rsa_sign` of
# each (RS256 signatures per second on one core). Also the clean build of ripgrep 14.1.1
# (`cargo install --locked --offline`, after a download) as the yardstick of the machine.
# Usage: bench/crypto_provider.sh RING_REV AWS_LC_REV (git revisions of this repository).
# Installs wrk (Debian) if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
RING=${1:?ring revision}
AWSLC=${2:?aws-lc-rs revision}
ROUNDS=${ROUNDS:-2}
DUR=${DUR:-5}
work=$(mktemp -d)
trap 'kill "${emu_pid:-}" 2>/dev/null || true; git worktree remove --force "$work/ring" 2>/dev/null; git worktree remove --force "$work/awslc" 2>/dev/null; rm -rf "$work"' EXIT
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
git worktree add --detach "$work/ring" "$RING" >/dev/null 2>&1
git worktree add --detach "$work/awslc" "$AWSLC" >/dev/null 2>&1
(cd "$work/ring" && cargo fetch --locked >/dev/null) && (cd "$work/awslc" && cargo fetch --locked >/dev/null)

secs() { python3 -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.0f}")' "$1" "$2"; }
build() { # name dir target
  local start end
  rm -rf "$3"
  start=$(date +%s.%N)
  (cd "$2" && CARGO_TARGET_DIR="$3" cargo build --quiet --locked --release)
  end=$(date +%s.%N)
  echo "clean release build, $1: $(secs "$start" "$end") s"
}
ripgrep() {
  local start end
  cargo install --quiet --locked ripgrep@14.1.1 --root "$work/rg-dl" >/dev/null 2>&1 || true # download once
  rm -rf "$work/rg" "$work/rg-target"
  start=$(date +%s.%N)
  CARGO_TARGET_DIR="$work/rg-target" cargo install --quiet --locked --offline ripgrep@14.1.1 --root "$work/rg" >/dev/null 2>&1
  end=$(date +%s.%N)
  echo "clean build, ripgrep 14.1.1 (cargo install --offline): $(secs "$start" "$end") s"
}

. scripts/emulator.sh
app=fixtures/apps/good-multitenant.json
rps() { wrk -t1 -c16 -d"${DUR}s" ${2:+-s "$2"} "$1" | awk '/Requests\/sec/ {print $2}'; }
token() { # binary
  start_emulator "$1" "$app" "$work"
  printf 'wrk.method = "POST"\nwrk.body = "%s"\nwrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n' \
    "grant_type=client_credentials&client_id=$client_id&client_secret=$secret&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default" > "$work/token.lua"
  local t
  t=$(rps "$authority/$contoso/oauth2/v2.0/token" "$work/token.lua")
  kill "$emu_pid"; wait "$emu_pid" 2>/dev/null || true; rm -f "$work/ready.json"
  echo "$t"
}
sign() { # dir target
  (cd "$1" && CARGO_TARGET_DIR="$2" cargo bench --quiet --locked --bench rsa_sign 2>/dev/null | grep 'signatures/s' | head -1)
}

echo "load: $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) on $(nproc) cores"
for i in $(seq "$ROUNDS"); do
  echo "== round $i"
  ripgrep
  # Alternate which is built first: a warm disk cache favours the second.
  if (( i % 2 )); then
    build ring "$work/ring" "$work/t-ring"; build aws-lc-rs "$work/awslc" "$work/t-awslc"
  else
    build aws-lc-rs "$work/awslc" "$work/t-awslc"; build ring "$work/ring" "$work/t-ring"
  fi
  echo "token endpoint, ring:      $(token "$work/t-ring/release/oauth-preflight") req/s"
  echo "token endpoint, aws-lc-rs: $(token "$work/t-awslc/release/oauth-preflight") req/s"
  echo "rsa_sign, ring:      $(sign "$work/ring" "$work/t-ring")"
  echo "rsa_sign, aws-lc-rs: $(sign "$work/awslc" "$work/t-awslc")"
done
