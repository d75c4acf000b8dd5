/**
 * Runs the repository's TypeScript (with Nest's decorator metadata) in a plain Node process, the
 * way Jest does (jest.config.js: @swc/jest with the same options): `.ts` files are compiled by
 * SWC on require, and `@driftwarden/<lib>` resolves to libs/<lib>/src. ESM-only packages load
 * through Node's require(esm) (Node ≥ 20.19), as in the built controller. Used by the browser
 * suite's world (console-world.ts), which Playwright's own transpiler cannot run: it does not
 * emit the decorator metadata Nest's dependency injection reads.
 */
const Module = require('node:module');
const path = require('node:path');
const fs = require('node:fs');
const { transformSync } = require('@swc/core');

const root = path.resolve(__dirname, '..', '..', '..');
const options = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  // As jest.config.js maps them: `@driftwarden/<lib>` and its sub-paths (`@driftwarden/kinds/security-group`, `@driftwarden/<lib>/testing`).
  const m = /^@driftwarden\/([a-z0-9-]+)(?:\/([a-z0-9-/]+))?$/.exec(request);
  if (m) {
    const base = path.join(root, 'libs', m[1], 'src', ...(m[2] ? [m[2]] : []));
    return fs.existsSync(`${base}.ts`) ? `${base}.ts` : path.join(base, 'index.ts');
  }
  return resolve.call(this, request, parent, ...rest);
};

require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = transformSync(source, { ...options, filename });
  module._compile(code, filename);
};
