#!/usr/bin/env bash
# The whole test suite: type check, unit tests, and integration/e2e tests on a real Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== type check"
npx tsc -p tsconfig.json --noEmit
echo "== unit and integration tests"
bash scripts/with-redis.sh npx jest --ci --forceExit "$@"
