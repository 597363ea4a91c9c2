#!/usr/bin/env bash
# Benchmark: wall time of one `run` against a warm emulator (median of 20; curl as the browser,
# following the redirects to the loopback callback), of one `probe`, and of `demo`.
# Goal: under 50 ms per run. Needs curl and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-20}
work=$(mktemp -d)
trap 'kill "${emu_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
cargo build --release --quiet
bin=target/release/oauth-preflight
app=fixtures/apps/good-multitenant.json
. scripts/emulator.sh
start_emulator "$bin" "$app" "$work"
export OAUTH_PREFLIGHT_CLIENT_SECRET="$secret"
target=(--client-id "$client_id" --authority "$authority" --graph "$graph" --ca-cert "$ca")

python3 - "$N" "$bin" "$ca" "${target[@]}" <<'PY'
import statistics, subprocess, sys, time
n, bin_, ca, target = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
def measure(name, cmd):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append((time.perf_counter() - t) * 1000)
        if r.returncode != 0:
            sys.exit(f"{name} exited {r.returncode}")
    print(f"{name:<40} median {statistics.median(times):6.1f} ms  (min {min(times):.1f}, max {max(times):.1f}, n={n})")
measure("run (curl as the browser)", [bin_, "run", *target, "--redirect-uri", "http://localhost:0/oauth2/callback",
        "--browser", f"curl -sSL --cacert {ca} -o /dev/null"])
measure("probe", [bin_, "probe", *target])
measure("demo (emulator start + 4 flows)", [bin_, "demo"])
PY
