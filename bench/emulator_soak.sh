#!/usr/bin/env bash
# Benchmark: the emulator under a sustained load (SECS, default 60 s, per endpoint) on authorize
# (each request stores a code), discovery and the token endpoint, in WINDOW-second windows: the
# requests/s and the resident memory (VmRSS) after each window. Flat throughput and flat memory
# from the first window to the last is the goal (hardening issue: authorize used to sweep every
# stored code past 10,000 of them, 2,374 -> ~750 req/s and 9.6 -> 76.8 MB over 52 s).
# Installs wrk (Debian) if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${SECS:-60}
WINDOW=${WINDOW:-10}
CONN=${CONN:-16}
work=$(mktemp -d)
trap 'kill "${emu_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --quiet
bin=target/release/oauth-preflight
app=fixtures/apps/good-multitenant.json
. scripts/emulator.sh
start_emulator "$bin" "$app" "$work"

rss() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$emu_pid/status"; }
# A request counter that accepts the redirects authorize answers with (wrk's -s script).
cat > "$work/count.lua" <<'LUA'
done = function(summary, latency, requests)
  local bad = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("%.0f %d\n", summary.requests / (summary.duration / 1e6), bad))
end
LUA
token_lua="$work/token.lua"
printf 'wrk.method = "POST"\nwrk.body = "%s"\nwrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n%s\n' \
  "grant_type=client_credentials&client_id=$client_id&client_secret=$secret&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default" \
  "$(cat "$work/count.lua")" > "$token_lua"
challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM
authorize="$authority/common/oauth2/v2.0/authorize?client_id=$client_id&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A8765%2Foauth2%2Fcallback&scope=openid%20profile%20email%20User.Read&state=s&nonce=n&login_hint=alice%40contoso.example&code_challenge=$challenge&code_challenge_method=S256"
# The authorize answer is a redirect with a code: check once before measuring.
curl -s -o /dev/null -w '%{http_code} %{redirect_url}\n' --cacert "$ca" "$authorize" | grep -q '^302 http://localhost:8765/oauth2/callback?code=' \
  || { echo "authorize did not redirect with a code"; exit 1; }

soak() { # name url [lua]
  local name=$1 url=$2 lua=${3:-$work/count.lua} first="" last="" line n=$((SECS / WINDOW))
  echo "== $name: $n windows of ${WINDOW}s, $CONN connections (RSS before: $(rss) MiB)"
  for i in $(seq "$n"); do
    line=$(wrk -t1 -c"$CONN" -d"${WINDOW}s" -s "$lua" "$url" | tail -1)
    read -r r bad <<<"$line"
    [ "$bad" = 0 ] || { echo "socket errors in window $i: $bad"; exit 1; }
    printf '  window %2d: %6s req/s, RSS %s MiB\n' "$i" "$r" "$(rss)"
    [ -n "$first" ] || first=$r; last=$r
  done
  python3 -c 'import sys; f,l=map(float,sys.argv[1:]); print(f"  last/first window throughput: {l/f:.2f}")' "$first" "$last"
}
# ONLY=authorize|discovery|token runs one of them.
want() { [ -z "${ONLY:-}" ] || [ "$ONLY" = "$1" ]; }
if want authorize; then soak "authorize (a code stored per request)" "$authorize"; fi
if want discovery; then soak "discovery" "$authority/common/v2.0/.well-known/openid-configuration"; fi
if want token; then soak "token (client credentials, RS256)" "$authority/$contoso/oauth2/v2.0/token" "$token_lua"; fi
echo "== peak RSS over the whole run: $(awk '/VmHWM/ {printf "%.1f MiB", $2 / 1024}' "/proc/$emu_pid/status")"
