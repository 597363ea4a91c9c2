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
. scripts/emulator.sh
start_emulator target/debug/oauth-preflight fixtures/apps/good-multitenant.json "$work" \
  --app fixtures/apps/good-personal-accounts.json
ready=$(head -n 1 "$work/ready.json")

# This machine kind sets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE, which override a session's `verify`
# in requests: point them at the emulator's CA (STACK.md §6).
REQUESTS_CA_BUNDLE="$ca" CURL_CA_BUNDLE="$ca" \
  "$work/venv/bin/python" scripts/msal_interop.py "$ready" "$client_id" "$secret"
