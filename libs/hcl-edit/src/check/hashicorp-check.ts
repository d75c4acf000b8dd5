/**
 * The check every in-place edit ends with: HashiCorp's HCL parser (Terraform's own, independent of
 * tree-sitter) must accept the text. A kind's check then reads its resources from the JSON
 * answered here and compares them with what the edit meant to do.
 */
import { parseWithHashicorp } from '../parser/hcl2json';

export type HashicorpCheck = { ok: true; json: unknown } | { ok: false; message: string };

/** HashiCorp's reading of the text (hcl2json's JSON), or its parser's diagnostics when it rejects the text. */
export async function checkParsesWithHashicorp(filename: string, text: string): Promise<HashicorpCheck> {
  try {
    return { ok: true, json: await parseWithHashicorp(filename, text) };
  } catch (error: unknown) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}
