#!/usr/bin/env bash
# The whole test suite: type check, unit tests, integration/e2e tests on a real Redis (and, with
# DW_TEST_CLUSTER=1, once more on a local Redis Cluster), and the demo as a smoke test (it exits
# non-zero if any step differs from the story).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "== type check"
npx tsc -p tsconfig.json --noEmit
npx tsc -p apps/console/tsconfig.json

echo "== lint (typescript-eslint, Prettier)"
npm run --silent lint

echo "== unit and integration tests"
# Two test files at a time at least: Jest's default (cores - 1) is one on a 2-core machine, and
# most integration files spend their time waiting (processes starting, timers, HTTP), so a
# second worker nearly halves the run there (measured: 810 s with one, 344 s with two). Every
# file is independent: its own Redis key prefix, its own servers on ephemeral ports.
workers=()
if [ "$(node -p 'require("node:os").availableParallelism()')" -le 2 ]; then workers=(--maxWorkers=2); fi
status=0
bash scripts/with-redis.sh npx jest --ci --forceExit ${workers[@]+"${workers[@]}"} --json --outputFile="$out/jest.json" "$@" || status=$?

# The integration suite once more, against a local 3-master Redis Cluster (redis.cluster: true,
# hash-tagged keys; scripts/with-redis-cluster.sh). It takes as long as the first integration
# run, so only with DW_TEST_CLUSTER=1 (needs redis-server and redis-cli).
echo "== integration tests against a local Redis Cluster"
cluster=0
echo '{}' > "$out/jest-cluster.json"
if [ "$#" -eq 0 ] && [ "${DW_TEST_CLUSTER:-0}" = "1" ]; then
  bash scripts/with-redis-cluster.sh npx jest --ci --forceExit --selectProjects integration --runInBand \
    --json --outputFile="$out/jest-cluster.json" || cluster=$?
else
  echo "(skipped: DW_TEST_CLUSTER=1 npm test runs it; alone: npm run test:integration:cluster)"
fi

echo "== demo (smoke test)"
demo=0
if [ "$#" -eq 0 ]; then
  bash scripts/with-redis.sh node dist/apps/cli/src/main.js demo --no-color --report "$out/demo-report.md" || demo=$?
fi

# The web console in a real browser: Debian's chromium (apt-get install -y chromium), never one
# that Playwright would download. Without a chromium the step is skipped, loudly.
echo "== web console in a browser (Playwright, test/console)"
browser=0
echo '{}' > "$out/playwright.json"
if [ "$#" -eq 0 ]; then
  if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || [ -n "${CHROMIUM_PATH:-}" ]; then
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 DW_PLAYWRIGHT_JSON="$out/playwright.json" DW_PLAYWRIGHT_OUTPUT="$out/playwright" \
      bash scripts/with-redis.sh npx playwright test -c test/console || browser=$?
  else
    echo "!!!!!!!! SKIPPED: the web console's browser suite needs chromium and none is installed." >&2
    echo "!!!!!!!! Install Debian's: sudo apt-get install -y chromium  (or set CHROMIUM_PATH)" >&2
  fi
fi

node -e '
  const r = require(process.argv[1]);
  const demo = Number(process.argv[2]);
  const pw = require(process.argv[4]).stats ?? {};
  const browser = Number(process.argv[5]);
  const c = require(process.argv[6]);
  const cluster = Number(process.argv[7]);
  // A browser run that failed before reporting (the world did not start) counts as one failure.
  const pwFailed = (pw.unexpected ?? 0) + (pw.flaky ?? 0) + (browser !== 0 && !pw.unexpected ? 1 : 0);
  // So does a cluster run that failed without a failed test (the cluster did not start, a suite did not run).
  const clusterFailed = (c.numFailedTests ?? 0) + (cluster !== 0 && !c.numFailedTests ? 1 : 0);
  const passed = r.numPassedTests + (demo === 0 && process.argv[3] === "1" ? 1 : 0) + (pw.expected ?? 0) + (c.numPassedTests ?? 0);
  const failed = r.numFailedTests + (demo === 0 ? 0 : 1) + pwFailed + clusterFailed;
  console.log(`tests: ${passed} passed, ${failed} failed`);
' "$out/jest.json" "$demo" "$([ "$#" -eq 0 ] && echo 1 || echo 0)" "$out/playwright.json" "$browser" "$out/jest-cluster.json" "$cluster"
[ "$status" -eq 0 ] && [ "$demo" -eq 0 ] && [ "$browser" -eq 0 ] && [ "$cluster" -eq 0 ]
