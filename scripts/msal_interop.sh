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
bin="$(realpath "${CARGO_TARGET_DIR:-target}")/debug/oauth-preflight"
. scripts/emulator.sh
start_emulator "$bin" fixtures/apps/good-multitenant.json "$work" \
  --app fixtures/apps/good-personal-accounts.json
ready=$(head -n 1 "$work/ready.json")

# This machine kind sets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE, which override a session's `verify`
# in requests: point them at the emulator's CA (STACK.md §6).
REQUESTS_CA_BUNDLE="$ca" CURL_CA_BUNDLE="$ca" \
  "$work/venv/bin/python" scripts/msal_interop.py "$ready" "$client_id" "$secret"

# The README's block runs as pasted: an emulator with the bundled apps and its ready file in the
# current directory, the snippet taken from README.md.
(
  cd "$work"
  "$bin" emulate --ready-file emulator.json > /dev/null 2>&1 &
  readme_emu=$!
  trap 'kill "$readme_emu" 2>/dev/null || true' EXIT
  for _ in $(seq 200); do [ -s emulator.json ] && break; sleep 0.05; done
  python3 - "$OLDPWD/README.md" > readme_snippet.py <<'PY'
import sys
text = open(sys.argv[1]).read()
start = text.index("### MSAL for Python against the emulator")
block = text[text.index("```python\n", start) + 10:]
print(block[: block.index("```")])
PY
  who=$("$work/venv/bin/python" readme_snippet.py 2>/dev/null)
  [ "$who" = "alice@contoso.example" ] || { echo "msal: the README snippet printed ${who:-nothing}"; exit 1; }
  echo "msal: the README snippet runs as pasted ($who)"
)
