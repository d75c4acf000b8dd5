// Jest runs TypeScript through SWC (type checking is `npm run typecheck`).
// NestJS 12 and Octokit are ESM-only: they are transformed too (allow-list below),
// because Jest 30 cannot load ESM-only packages on Node 20.
const esmOnly = [
  'commander',
  '@apidevtools',
  'universal-github-app-jwt',
  '@nestjs',
  '@octokit',
  'before-after-hook',
  'universal-user-agent',
  'content-type',
  'file-type',
  'strtok3',
  'token-types',
  '@tokenizer',
  '@borewit',
  'uint8array-extras',
  'json-with-bigint',
  'nock',
  '@mswjs',
  'rettime',
  '@open-draft',
];
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];
const common = {
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json', 'node'],
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  moduleNameMapper: {
    '^@driftwarden/([a-z0-9-]+)$': '<rootDir>/libs/$1/src',
    // Sub-paths: a kind of @driftwarden/kinds (`@driftwarden/kinds/security-group`), a lib's `testing` entry point.
    '^@driftwarden/([a-z0-9-]+)/([a-z0-9-/]+)$': '<rootDir>/libs/$1/src/$2',
    // ESM-only with `import`-only export conditions: point Jest at its file.
    '^@octokit/webhooks-methods$': '<rootDir>/node_modules/@octokit/webhooks-methods/dist-node/index.js',
  },
  setupFiles: ['<rootDir>/test/setup/polyfills.ts'],
};
module.exports = {
  // A timeout only catches a hang: speed is measured by `npm run bench`, never by a test.
  // Jest's 5 s default failed a real-git sandbox test on a busy 2-core CI machine. (Global
  // option: Jest ignores `testTimeout` inside a project.)
  testTimeout: 30_000,
  projects: [
    { ...common, displayName: 'unit', roots: ['<rootDir>/libs', '<rootDir>/apps'], testMatch: ['**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.int-spec.ts', '**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/setup/global-setup.ts',
    },
  ],
};
