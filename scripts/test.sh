#!/usr/bin/env bash
# The whole test suite: type check, unit tests, integration/e2e tests on a real Redis, and the
# demo as a smoke test (it exits non-zero if any step differs from the story).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "== type check"
npx tsc -p tsconfig.json --noEmit

echo "== unit and integration tests"
status=0
bash scripts/with-redis.sh npx jest --ci --forceExit --json --outputFile="$out/jest.json" "$@" || status=$?

echo "== demo (smoke test)"
demo=0
if [ "$#" -eq 0 ]; then
  bash scripts/with-redis.sh node dist/apps/cli/src/main.js demo --no-color --report "$out/demo-report.md" || demo=$?
fi

node -e '
  const r = require(process.argv[1]);
  const demo = Number(process.argv[2]);
  const passed = r.numPassedTests + (demo === 0 && process.argv[3] === "1" ? 1 : 0);
  const failed = r.numFailedTests + (demo === 0 ? 0 : 1);
  console.log(`tests: ${passed} passed, ${failed} failed`);
' "$out/jest.json" "$demo" "$([ "$#" -eq 0 ] && echo 1 || echo 0)"
[ "$status" -eq 0 ] && [ "$demo" -eq 0 ]
