/**
 * The tree-sitter Terraform grammar, initialised once per process and cached.
 *
 * Both wasm files (the web-tree-sitter runtime and the grammar) are read from disk and handed
 * over as bytes: `Language.load(path)` would reach for a dynamic `import('fs/promises')`,
 * which jest cannot run on Node 20 (SETUP-NOTES). Offsets in the trees are UTF-16 indices into
 * the JS string, i.e. ordinary string indices.
 */
import { readFileSync } from 'node:fs';
import { Language, Parser } from 'web-tree-sitter';

let ready: Promise<Parser> | undefined;
let parser: Parser | undefined;

/** Initialises web-tree-sitter and loads the Terraform grammar; later calls reuse the result. */
export function initHclParser(): Promise<void> {
  ready ??= load().catch((error: unknown) => {
    ready = undefined;
    throw new Error('could not initialise the tree-sitter Terraform grammar', { cause: error });
  });
  return ready.then(() => undefined);
}

/** True once `initHclParser()` has completed. */
export function isHclParserReady(): boolean {
  return parser !== undefined;
}

/** The cached parser; throws when `initHclParser()` has not completed yet. */
export function hclParser(): Parser {
  if (!parser) throw new Error('the HCL parser is not initialised: await initHclParser() first');
  return parser;
}

async function load(): Promise<Parser> {
  const runtime = bytes(require.resolve('web-tree-sitter/web-tree-sitter.wasm'));
  await Parser.init({ wasmBinary: runtime.buffer as ArrayBuffer });
  const grammar = bytes(require.resolve('@tree-sitter-grammars/tree-sitter-hcl/tree-sitter-terraform.wasm'));
  const language = await Language.load(grammar);
  const created = new Parser();
  created.setLanguage(language);
  parser = created;
  return created;
}

/**
 * A `Uint8Array` of this realm: under jest the module registry runs in a vm context whose
 * `Uint8Array` differs from the one `fs` returns, and web-tree-sitter checks `instanceof`.
 */
function bytes(path: string): Uint8Array {
  const read = readFileSync(path);
  const copy = new Uint8Array(read.byteLength);
  copy.set(read);
  return copy;
}
