/**
 * Cedar through its WebAssembly build. The package's `nodejs` entry point is CommonJS (it reads the
 * .wasm file synchronously beside it), so it loads with a plain `require` under Jest on Node 20 and
 * in the `nest build` output; the package root is ESM-only (`import` condition) and is not used.
 *
 * Loaded on first use, not with this module: the WebAssembly module adds about 10 MB to the RSS
 * of every controller, which one without policies should not pay (measured on Node 20 with a
 * require hook).
 */
export type CedarWasm = typeof import('@cedar-policy/cedar-wasm/nodejs');

let loaded: CedarWasm | undefined;

/** The Cedar engine (loaded on first use). */
export function cedarEngine(): CedarWasm {
  loaded ??= require('@cedar-policy/cedar-wasm/nodejs') as CedarWasm;
  return loaded;
}
export type {
  AuthorizationAnswer,
  DetailedError,
  EntityJson,
  PolicyJson,
  Context as CedarContext,
  CedarValueJson,
} from '@cedar-policy/cedar-wasm/nodejs';
