/**
 * HashiCorp's HCL parser (Go, compiled to wasm) through `@cdktf/hcl2json`.
 *
 * Loaded on first use with a plain `require`: the package starts its Go runtime as soon as it is
 * loaded, which code that only reads documents should not pay for. (Not a dynamic `import()`,
 * which jest cannot run on Node 20.)
 */
interface Hcl2Json {
  parse(filename: string, contents: string): Promise<unknown>;
}

let hcl2json: Hcl2Json | undefined;

/** Parses a Terraform file into hcl2json's JSON; rejects with HashiCorp's diagnostics when it is not valid HCL. */
export function parseWithHashicorp(filename: string, text: string): Promise<unknown> {
  hcl2json ??= require('@cdktf/hcl2json') as Hcl2Json;
  return hcl2json.parse(filename, text);
}
