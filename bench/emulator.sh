#!/usr/bin/env bash
# Benchmark: the emulator against oauth2-mock-server (npm), both over HTTPS, measured with wrk in
# the same run: ready time (median of 10 starts), discovery GET req/s, token endpoint
# client_credentials req/s (every response a signed RS256 JWT), peak RSS; and `openssl speed
# rsa2048` on one core as the physical limit of RS256 signing. Also `cargo bench --bench
# rsa_sign`: ring against the rsa crate. Installs wrk (Debian) and the peer (npm, temp dir).
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${DUR:-5}
CONN=${CONN:-16}
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
npm install --silent --prefix "$work/peer" oauth2-mock-server@9 >/dev/null 2>&1
cargo build --release --quiet
bin=target/release/oauth-preflight
app=fixtures/apps/good-multitenant.json

rps() { # url [lua script]: prints requests/s, fails on any non-2xx answer
  local out
  out=$(wrk -t1 -c"$CONN" -d"${DUR}s" ${2:+-s "$2"} "$1")
  if grep -q "Non-2xx" <<<"$out"; then echo "non-2xx answers from $1:"; echo "$out"; exit 1; fi
  awk '/Requests\/sec/ {print $2}' <<<"$out"
}
token_lua() { # body
  printf 'wrk.method = "POST"\nwrk.body = "%s"\nwrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n' "$1" > "$work/token-$2.lua"
  echo "$work/token-$2.lua"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# requests/s and requests per CPU-second of the server (wrk saturates its own core first)
rps_cpu() { # pid url [lua]
  local before after r
  before=$(cpu_ticks "$1"); r=$(rps "$2" ${3:+"$3"}); after=$(cpu_ticks "$1")
  python3 -c 'import sys; r,b,a,hz,d=map(float,sys.argv[1:]); print(f"{r:.0f} req/s at {100*(a-b)/hz/d:.0f}% of a core = {r*d/max((a-b)/hz,1e-9):.0f} req per CPU-second")' "$r" "$before" "$after" "$(getconf CLK_TCK)" "$DUR"
}
peak_rss() { awk '/VmHWM/ {printf "%.1f MiB", $2 / 1024}' "/proc/$1/status"; }

echo "== ready time (spawn to ready line)"
echo "oauth-preflight emulate: $(python3 bench/ready_time.py 10 "$bin" emulate --app "$app" --ca-out "$work/ca.pem")"

echo "== oauth-preflight emulate"
. scripts/emulator.sh
start_emulator "$bin" "$app" "$work"
pids+=("$emu_pid"); emu=$emu_pid; tenant=$contoso
# Check one answer is a signed JWT before measuring.
curl -sf --cacert "$ca" -d "grant_type=client_credentials&client_id=$client_id&client_secret=$secret&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default" \
  "$authority/$tenant/oauth2/v2.0/token" | python3 -c 'import json,sys; t=json.load(sys.stdin)["access_token"]; assert t.count(".")==2 and len(t.split(".")[2])>300, t'
echo "discovery GET (server CPU): $(rps_cpu "$emu" "$authority/common/v2.0/.well-known/openid-configuration")"
emu_disc=$(rps "$authority/common/v2.0/.well-known/openid-configuration")
emu_tok=$(rps "$authority/$tenant/oauth2/v2.0/token" "$(token_lua "grant_type=client_credentials&client_id=$client_id&client_secret=$secret&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default" emu)")
emu_rss=$(peak_rss "$emu")
echo "discovery GET: $emu_disc req/s; token client_credentials: $emu_tok req/s; peak RSS $emu_rss"

echo "== oauth2-mock-server 9 (Node $(node --version)), HTTPS"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 -days 1 \
  -keyout "$work/peer.key" -out "$work/peer.crt" 2>/dev/null
node "$work/peer/node_modules/.bin/oauth2-mock-server" -a 127.0.0.1 -p 18443 \
  -c "$work/peer.crt" -k "$work/peer.key" > "$work/peer.log" 2>&1 &
pids+=($!); peer=$!
for _ in $(seq 100); do curl -sfk https://127.0.0.1:18443/.well-known/openid-configuration >/dev/null && break; sleep 0.1; done
curl -sfk -d "grant_type=client_credentials&scope=x" https://127.0.0.1:18443/token \
  | python3 -c 'import json,sys; t=json.load(sys.stdin)["access_token"]; assert t.count(".")==2, t'
echo "discovery GET (server CPU): $(rps_cpu "$peer" "https://127.0.0.1:18443/.well-known/openid-configuration")"
peer_disc=$(rps "https://127.0.0.1:18443/.well-known/openid-configuration")
peer_tok=$(rps "https://127.0.0.1:18443/token" "$(token_lua "grant_type=client_credentials&scope=x" peer)")
peer_rss=$(peak_rss "$peer")
echo "discovery GET: $peer_disc req/s; token client_credentials: $peer_tok req/s; peak RSS $peer_rss"

echo "== RS256 signing limit"
openssl_sign=$(openssl speed -seconds 3 rsa2048 2>/dev/null | awk '/^rsa 2048/ {print $6}')
echo "openssl speed rsa2048, one core: $openssl_sign sign/s"
cargo bench --quiet --bench rsa_sign 2>/dev/null | grep -v '^$'

echo "== summary"
python3 - "$emu_disc" "$peer_disc" "$emu_tok" "$peer_tok" "$openssl_sign" <<'PY'
import sys
ed, pd, et, pt, ossl = map(float, sys.argv[1:])
print(f"discovery: {ed / pd:.1f}x the peer (goal 5x)")
print(f"token endpoint: {et / pt:.1f}x the peer (goal 3x); {100 * et / ossl:.0f}% of one core's openssl RSA-2048 sign rate (goal 70%)")
PY
