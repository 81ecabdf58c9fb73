#!/usr/bin/env bash
# All tests: typecheck, unit tests (engine, model, CLI), then the tests inside a real VS Code when present.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== typecheck"
npx tsc -p tsconfig.json
echo "== unit tests"
node --import tsx --test --test-concurrency=1 test/unit/*.test.ts
