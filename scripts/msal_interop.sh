#!/usr/bin/env bash
# MSAL for Python (Microsoft's own client, from PyPI, in a venv) against `oauth-preflight emulate`.
# Run by .ci/run after `cargo test`; needs python3 with venv and pip.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'kill "${emu_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check msal requests

cargo build --quiet
target/debug/oauth-preflight emulate --listen 127.0.0.1:0 --ca-out "$work/ca.pem" \
  --app fixtures/apps/good-multitenant.json > "$work/ready.json" &
emu_pid=$!
for _ in $(seq 100); do [ -s "$work/ready.json" ] && break; sleep 0.05; done
ready=$(head -n 1 "$work/ready.json")
[ -n "$ready" ] || { echo "the emulator did not start"; exit 1; }

client_id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["appId"])' fixtures/apps/good-multitenant.json)
secret=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["x-emulator"]["secrets"][0]["value"])' fixtures/apps/good-multitenant.json)

# This machine kind sets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE, which override a session's `verify`
# in requests: point them at the emulator's CA (STACK.md §6).
REQUESTS_CA_BUNDLE="$work/ca.pem" CURL_CA_BUNDLE="$work/ca.pem" \
  "$work/venv/bin/python" scripts/msal_interop.py "$ready" "$client_id" "$secret"
