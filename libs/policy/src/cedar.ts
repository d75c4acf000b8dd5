/**
 * Cedar through its WebAssembly build. The package's `nodejs` entry point is CommonJS (it reads the
 * .wasm file synchronously beside it), so it loads with a plain import under Jest on Node 20 and
 * in the `nest build` output; the package root is ESM-only (`import` condition) and is not used.
 */
export * as cedar from '@cedar-policy/cedar-wasm/nodejs';
export type {
  AuthorizationAnswer,
  DetailedError,
  EntityJson,
  PolicyJson,
  Context as CedarContext,
  CedarValueJson,
} from '@cedar-policy/cedar-wasm/nodejs';
