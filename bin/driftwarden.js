#!/usr/bin/env node
'use strict';
// The `driftwarden` command: runs the built CLI (apps/cli/src/main.ts compiled by `npm run build`).
const path = require('node:path');

const entry = path.join(__dirname, '..', 'dist', 'apps', 'cli', 'src', 'main.js');

let cli;
try {
  cli = require(entry);
} catch (error) {
  // Only "the built CLI itself is missing" gets the build hint; a missing dependency of a
  // built CLI is a different problem and keeps its own message.
  const missingEntry = error && error.code === 'MODULE_NOT_FOUND' && typeof error.message === 'string' && error.message.includes(entry);
  if (!missingEntry) throw error;
  process.stderr.write(
    `driftwarden: the CLI has not been built (${path.relative(process.cwd(), entry) || entry} is missing): run npm run build\n`,
  );
  process.exit(2);
}

cli.main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(`driftwarden: ${error && error.stack ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
