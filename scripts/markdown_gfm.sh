#!/usr/bin/env bash
# The Markdown summary through a real renderer: markdown-it-py (from PyPI, in a venv) renders
# `lint --format markdown` of hostile display names; scripts/markdown_gfm.py checks that they
# render as text. Run by .ci/run after `cargo test`; needs python3 with venv and pip.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check markdown-it-py

cargo build --quiet
"$work/venv/bin/python" scripts/markdown_gfm.py "${CARGO_TARGET_DIR:-target}/debug/oauth-preflight"
