// ESLint (flat config): typescript-eslint's type-aware rules where they catch bugs (promises
// left floating or passed where a callback is expected, `any` leaking through), and the rule
// that keeps stand-ins out of the product. Formatting is Prettier's (.prettierrc.json), not
// ESLint's. `npm run lint` runs both checks; `npm test` and .ci/run fail on a finding.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

/** Product code: what the controller and the CLI are built from (not tests, benches or stand-ins). */
const product = ['apps/controller/src/**/*.ts', 'apps/cli/src/**/*.ts', 'libs/*/src/**/*.ts'];
const notProduct = ['**/*.spec.ts', '**/testing/**', '**/test/**', 'apps/cli/src/demo/**'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '**/*.js', '**/*.cjs', '**/*.mjs', 'apps/console/**'] },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Promises: every one awaited, returned, or explicitly let go (`void`), never handed to
      // something that ignores what it returns.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      // `any` must not leak into typed code.
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unsafe-argument': 'error',
      '@typescript-eslint/no-unsafe-assignment': 'error',
      '@typescript-eslint/no-unsafe-call': 'error',
      '@typescript-eslint/no-unsafe-member-access': 'error',
      '@typescript-eslint/no-unsafe-return': 'error',
      // Errors are Errors.
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/prefer-promise-reject-errors': 'error',
      // A switch over a union handles every member (or says `default`).
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // Nest injection tokens and port classes are abstract classes with no members of their own.
      '@typescript-eslint/no-extraneous-class': 'off',
      // Lazily loaded modules (devDependencies of stand-ins; WebAssembly and clients only some
      // configurations use, loaded when they are used) use require.
      '@typescript-eslint/no-require-imports': [
        'error',
        {
          allow: [
            '^\\./github-sandbox\\.graphql$',
            '^\\./github-openapi\\.contract$',
            '^@cdktf/hcl2json$',
            '^@cedar-policy/cedar-wasm/nodejs$',
            '^jira\\.js$',
          ],
        },
      ],
      'no-constant-condition': ['error', { checkLoops: false }],
      // Control characters are matched on purpose: input validation rejects them, output strips ANSI.
      'no-control-regex': 'off',
    },
  },
  {
    // Tests: jest's asymmetric matchers (`expect.any`, `expect.objectContaining`) are typed `any`,
    // and parsed HTTP bodies are inspected loosely; the promise and error rules still apply.
    files: ['**/*.spec.ts', '**/*.int-spec.ts', 'test/**/*.ts', '**/testing/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
  {
    // Stand-ins live in each lib's src/testing and are reached only through its testing entry
    // point; product code never imports one (the demo, a deliberate user, is not product).
    files: product,
    ignores: notProduct,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^@driftwarden/[a-z0-9-]+/testing$',
              message: 'a stand-in: only tests, benches and the demo import testing entry points',
            },
            { regex: '(^|/)testing(/|$)', message: 'a stand-in: only tests, benches and the demo import testing entry points' },
            { regex: '(^|/)test/', message: 'test support is not product code' },
          ],
        },
      ],
    },
  },
  prettier,
);
