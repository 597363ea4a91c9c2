#!/usr/bin/env bash
# One end-to-end `run` with a real browser: headless Chromium (Debian's) as --browser against the
# emulator. The flow must complete, and the screenshot of our callback page is kept in
# artifacts/chromium-callback.png. Run by .ci/run; installs chromium if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
work=$(mktemp -d)
trap 'kill "${emu_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p artifacts
shot="$PWD/artifacts/chromium-callback.png"
rm -f "$shot"

cargo build --quiet
bin=target/debug/oauth-preflight
app=fixtures/apps/good-multitenant.json
. scripts/emulator.sh
start_emulator "$bin" "$app" "$work"

# As root Chromium needs --no-sandbox; the background-networking flags keep it off the network.
browser="chromium --headless --no-sandbox --disable-gpu --ignore-certificate-errors --disable-quic \
 --no-first-run --disable-background-networking --disable-component-update --disable-sync \
 --user-data-dir=$work/profile --window-size=900,520 --screenshot=$shot"
set +e
OAUTH_PREFLIGHT_CLIENT_SECRET="$secret" "$bin" run --client-id "$client_id" --authority "$authority" \
  --graph "$graph" --ca-cert "$ca" --app "$app" --redirect-uri http://localhost:0/oauth2/callback \
  --timeout 60 --browser "$browser" --format json --output "$work/report.json" 2> "$work/stderr.txt"
status=$?
set -e

passed=0 failed=0
check() { if eval "$1"; then passed=$((passed + 1)); echo "ok   $2"; else failed=$((failed + 1)); echo "FAIL $2"; fi; }
check '[ "$status" = 0 ]' "run exits 0 with Chromium as the browser (exit $status)"
# Every id is in the report; with --app (no service principal in it) the skips are
# sp.assignment and tenancy.other-tenant (one account shows neither) and ngrok.policy and
# ngrok.access (no policy given).
check 'python3 -c "import json,sys; r=json.load(open(sys.argv[1]))[\"reports\"][0]; s=[c[\"id\"] for c in r[\"checks\"] if c[\"status\"]==\"skip\"]; sys.exit(r[\"summary\"][\"fail\"] or s != [\"sp.assignment\", \"tenancy.other-tenant\", \"ngrok.policy\", \"ngrok.access\"] or len(r[\"checks\"]) != 21)" "$work/report.json"' \
  "every check ran and passed (skipped: sp.assignment, tenancy.other-tenant, ngrok.*)"
check '[ -s "$shot" ] && [ "$(head -c 8 "$shot" | od -An -tx1 | tr -d " \n")" = 89504e470d0a1a0a ]' \
  "Chromium left a PNG screenshot of the callback page ($shot)"
[ "$failed" = 0 ] || { echo "--- stderr of run:"; cat "$work/stderr.txt"; }
echo "chromium: $passed passed, $failed failed"
[ "$failed" = 0 ]
