#!/usr/bin/env bash
# Runs every check: setup (installs what is missing), type-check + build, lint, then all tests.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
npm run --silent lint
node --test --test-concurrency=1 dist/test/
