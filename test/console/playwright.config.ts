import { defineConfig } from '@playwright/test';
import { chromiumArgs, chromiumPath } from './world/world';

/**
 * The console's browser suite (npm test runs it through scripts/test.sh when a chromium is
 * installed). It drives Debian's chromium (`apt-get install chromium`), never a browser
 * Playwright would download. One worker: the tests share one world (one controller, one Redis
 * prefix) and some of them change the freeze it shows.
 */
const executablePath = chromiumPath() ?? undefined;
export default defineConfig({
  testDir: '.',
  testMatch: /.*\.pw\.ts$/,
  globalSetup: './world/global-setup.ts',
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list'], ['json', { outputFile: process.env['DW_PLAYWRIGHT_JSON'] ?? '/dev/null' }]],
  outputDir: process.env['DW_PLAYWRIGHT_OUTPUT'] ?? '/tmp/driftwarden-playwright',
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath, args: chromiumArgs() },
    viewport: { width: 1280, height: 900 },
    trace: 'off',
    screenshot: 'off',
  },
});
