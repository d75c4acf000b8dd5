/**
 * Backporting a bucket's public access block into its Terraform code, in place (DESIGN §6): the
 * flags of its `aws_s3_bucket_public_access_block` block, set to the live values. A flag written
 * in the block has its value replaced (nothing else on the line changes); a flag the block leaves
 * out (Terraform's default: false) is written on a new line after the block's last attribute when
 * it must be true. A flag set from an expression, or a block with count/for_each, is not edited.
 * The result is read again with HashiCorp's parser and must declare exactly the wanted flags.
 */
import {
  applyEdits,
  attribute,
  attributesOf,
  checkParsesWithHashicorp,
  HclDocument,
  initHclParser,
  jsonAttributesOf,
  jsonBlockBody,
  jsonObject,
  type TextEdit,
} from '@driftwarden/hcl-edit';
import { FLAGS, NO_BLOCK, TERRAFORM_NAMES, TF_PUBLIC_ACCESS_BLOCK, type Flag, type PublicAccessBlock } from '../model';

export type Unsafe = { unsafe: string };
export interface BlockTarget {
  type: string;
  name: string;
}

/** The flags the block declares (an absent flag is false, Terraform's default). */
export function readBlockFlags(doc: HclDocument, target: BlockTarget): PublicAccessBlock | Unsafe {
  if (doc.syntaxError) return { unsafe: `the file has a syntax error at line ${doc.syntaxError.line}` };
  if (target.type !== TF_PUBLIC_ACCESS_BLOCK) return { unsafe: `${target.type}.${target.name} is not an ${TF_PUBLIC_ACCESS_BLOCK}` };
  const block = doc.resource(target.type, target.name);
  if (!block) return { unsafe: `${target.type}.${target.name} is not declared in this file` };
  const hazards = doc.hazards(block).filter((h) => h.kind === 'count' || h.kind === 'for_each');
  if (hazards.length > 0) return { unsafe: `${target.type}.${target.name} ${doc.describeHazard(hazards[0]!)}` };
  const values = attributesOf(block);
  const out: PublicAccessBlock = { ...NO_BLOCK };
  for (const flag of FLAGS) {
    const v = values.get(TERRAFORM_NAMES[flag]);
    if (v === undefined) continue;
    if (v.kind !== 'literal' || typeof v.value !== 'boolean') {
      return {
        unsafe: `${target.type}.${target.name} sets ${TERRAFORM_NAMES[flag]} from ${v.kind === 'opaque' ? `an expression (${v.display})` : 'a value that is not true or false'}`,
      };
    }
    out[flag] = v.value;
  }
  return out;
}

/** Sets the flags in `want` (the others stay as written); null when the file already declares them. */
export async function editBlockFlags(
  text: string,
  req: { target: BlockTarget; want: Partial<PublicAccessBlock>; filename?: string },
): Promise<Unsafe | { text: string; changes: string[] } | null> {
  await initHclParser();
  const doc = HclDocument.parse(text);
  const current = readBlockFlags(doc, req.target);
  if ('unsafe' in current) return current;
  const block = doc.resource(req.target.type, req.target.name)!;
  const edits: TextEdit[] = [];
  const changes: string[] = [];
  const inserts: string[] = [];
  for (const flag of Object.keys(req.want) as Flag[]) {
    const value = req.want[flag]!;
    if (current[flag] === value) continue;
    const name = TERRAFORM_NAMES[flag];
    const attr = attribute(block, name);
    if (attr) edits.push({ start: attr.value.span.start, end: attr.value.span.end, text: String(value) });
    else inserts.push(name);
    changes.push(`sets ${name} = ${value}`);
  }
  if (inserts.length > 0) {
    const last = block.attributes[block.attributes.length - 1];
    const indent = last
      ? doc.lines.indentOf(doc.lines.lineOf(last.span.start))
      : doc.lines.indentOf(doc.lines.lineOf(block.span.start)) + doc.indentUnit();
    // Aligned as terraform fmt aligns a run of consecutive one-line attributes (the run above included).
    const run: typeof block.attributes = [];
    for (const a of [...block.attributes].reverse()) {
      const line = doc.lines.lineOf(a.span.start);
      const single = line === doc.lines.lineOf(a.span.end);
      const next = run[0];
      if (!single || (next && doc.lines.lineOf(next.span.start) !== line + 1) || (!next && a !== last)) break;
      run.unshift(a);
    }
    const width = Math.max(...run.map((a) => a.name.length), ...inserts.map((n) => n.length));
    for (const a of run) {
      const nameEnd = a.span.start + a.name.length;
      const eq = doc.text.indexOf('=', nameEnd);
      if (eq > nameEnd && doc.text.slice(nameEnd, eq).trim() === '')
        edits.push({ start: nameEnd, end: eq, text: ' '.repeat(width - a.name.length + 1) });
    }
    const lines = inserts.map((n) => `${indent}${n.padEnd(width)} = true`).join(doc.eol);
    if (last) {
      const at = doc.lines.contentEnd(doc.lines.lineOf(last.span.end));
      edits.push({ start: at, end: at, text: doc.eol + lines });
    } else {
      const at = doc.lines.lineStart(doc.lines.lineOf(block.closeBrace));
      edits.push({ start: at, end: at, text: lines + doc.eol });
    }
  }
  if (edits.length === 0) return null;
  const edited = applyEdits(text, edits).text;
  const expected: PublicAccessBlock = { ...current, ...req.want };
  const parsed = await checkParsesWithHashicorp(req.filename ?? 'main.tf', edited);
  if (!parsed.ok) return { unsafe: `HashiCorp's HCL parser rejected the edited file: ${parsed.message}` };
  const body = jsonBlockBody(jsonObject(jsonObject(jsonObject(parsed.json)?.['resource'])?.[req.target.type])?.[req.target.name]);
  if (!body) return { unsafe: `${req.target.type}.${req.target.name} is gone from the edited file` };
  const values = jsonAttributesOf(body);
  const wrong = FLAGS.filter((f) => {
    const v = values.get(TERRAFORM_NAMES[f]);
    const got = v === undefined ? false : v.kind === 'literal' ? v.value : undefined;
    return got !== expected[f];
  });
  if (wrong.length > 0)
    return { unsafe: `the edited file does not declare the expected flags (${wrong.map((f) => TERRAFORM_NAMES[f]).join(', ')})` };
  return { text: edited, changes };
}
