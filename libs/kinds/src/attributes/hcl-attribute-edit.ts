/**
 * In-place edits of plain attributes of one Terraform resource block (the backport of the `asg`
 * and `instance` kinds): `min_size = 4` → `min_size = 12`, a missing attribute inserted (aligned
 * with its neighbours, as `terraform fmt` would), an attribute of a nested block
 * (`metadata_options { http_tokens = … }`, the block added when missing), a list of strings
 * rewritten keeping its one-line or one-item-per-line layout. Every byte outside the edited spans
 * is kept. The result must parse with HashiCorp's parser and read back the values set; anything
 * that cannot be edited safely (count/for_each, a dynamic or repeated nested block, a value that
 * is not a literal: a variable, a local, a function call) is refused with the reason, never guessed.
 */
import {
  applyEdits,
  checkParsesWithHashicorp,
  formatValue,
  HclDocument,
  initHclParser,
  type HclBlock,
  type TextEdit,
} from '@driftwarden/hcl-edit';

export type AttributeValue = number | string | boolean | string[];

export interface AttributeSet {
  /** `min_size`, or `metadata_options.http_tokens` (one nested block level). */
  path: string;
  value: AttributeValue;
}

export type AttributeEditResult = { unsafe: string } | { text: string; changes: string[] } | null;

const same = (a: unknown, b: AttributeValue) =>
  Array.isArray(b)
    ? Array.isArray(a) && a.length === b.length && [...(a as unknown[])].map(String).sort().join('\n') === [...b].sort().join('\n')
    : a === b;

function literalOf(v: HclBlock['attributes'][number]['value']): unknown {
  switch (v.kind) {
    case 'number':
    case 'string':
    case 'bool':
      return v.value;
    case 'tuple':
      return v.items.every((i) => i.kind === 'string') ? v.items.map((i) => (i.kind === 'string' ? i.value : '')) : undefined;
    default:
      return undefined;
  }
}

/** Sets each attribute of `type.name` in `text`; null when the code already has every value. */
export async function setResourceAttributes(
  text: string,
  target: { type: string; name: string },
  sets: readonly AttributeSet[],
  filename = 'main.tf',
): Promise<AttributeEditResult> {
  await initHclParser();
  const doc = HclDocument.parse(text);
  if (doc.syntaxError) return { unsafe: `${filename} does not parse (line ${doc.syntaxError.line})` };
  const block = doc.resource(target.type, target.name);
  if (!block) return { unsafe: `${filename} declares no ${target.type}.${target.name}` };
  const where = `${target.type}.${target.name}`;
  for (const attr of block.attributes) {
    if (attr.name === 'count' || attr.name === 'for_each')
      return { unsafe: `${where} uses ${attr.name} (line ${doc.lineNumber(attr.span.start)}): editing it would change every instance` };
  }
  const eol = doc.eol;
  const unit = doc.indentUnit();
  const indentOfLine = (pos: number) => doc.lines.indentOf(doc.lines.lineOf(pos));
  const edits: TextEdit[] = [];
  const changes: string[] = [];
  // Attributes inserted per block (one insertion point per block: before its closing brace's line).
  const inserts = new Map<HclBlock, [string, AttributeValue][]>();
  const newBlocks = new Map<string, [string, AttributeValue][]>();

  for (const set of sets) {
    const parts = set.path.split('.');
    if (parts.length > 2) return { unsafe: `cannot edit ${set.path}: more than one nested block level` };
    let owner = block;
    const name = parts[parts.length - 1];
    if (parts.length === 2) {
      const dynamic = block.blocks.find((b) => b.type === 'dynamic' && b.labels[0] === parts[0]);
      if (dynamic) return { unsafe: `${where} writes ${parts[0]} with a dynamic block (line ${doc.lineNumber(dynamic.span.start)})` };
      const nested = block.blocks.filter((b) => b.type === parts[0]);
      if (nested.length > 1) return { unsafe: `${where} has ${nested.length} ${parts[0]} blocks: which one to edit is unclear` };
      if (nested.length === 0) {
        newBlocks.set(parts[0], [...(newBlocks.get(parts[0]) ?? []), [name, set.value]]);
        changes.push(`sets ${set.path} to ${formatValue(set.value)} (adds the ${parts[0]} block)`);
        continue;
      }
      owner = nested[0];
    }
    const attr = owner.attributes.find((a) => a.name === name);
    if (!attr) {
      inserts.set(owner, [...(inserts.get(owner) ?? []), [name, set.value]]);
      changes.push(`sets ${set.path} to ${formatValue(set.value)} (it was not set in the code)`);
      continue;
    }
    const current = literalOf(attr.value);
    if (current === undefined) {
      const text = attr.value.kind === 'expression' ? attr.value.text : attr.value.kind;
      return {
        unsafe: `${where} sets ${set.path} from ${text} (line ${doc.lineNumber(attr.value.span.start)}), not a literal: change it where its value is defined`,
      };
    }
    if (same(current, set.value)) continue;
    edits.push({ ...attr.value.span, text: formatList(doc, attr.value, set.value) });
    changes.push(`changes ${set.path} from ${formatValue(current as AttributeValue)} to ${formatValue(set.value)}`);
  }

  for (const [owner, attrs] of inserts) {
    const indent = owner.attributes[0] ? indentOfLine(owner.attributes[0].span.start) : indentOfLine(owner.span.start) + unit;
    const run = alignedRun(doc, owner);
    const width = Math.max(run?.width ?? 0, ...(run ? attrs.map(([n]) => n.length) : [0]));
    // A longer name re-aligns the run it joins, as `terraform fmt` would.
    if (run && width > run.width)
      for (const g of run.gaps) edits.push({ start: g.start, end: g.end, text: ' '.repeat(width - g.name.length + 1) });
    const closeLineStart = doc.lines.lineStart(doc.lines.lineOf(owner.closeBrace));
    if (doc.lines.lineOf(owner.closeBrace) === doc.lines.lineOf(owner.openBrace)) {
      return { unsafe: `${where}: the block written on one line cannot be extended in place` };
    }
    const lines = attrs.map(([n, v]) => `${indent}${run ? n.padEnd(width) : n} = ${formatValue(v)}${eol}`).join('');
    edits.push({ start: closeLineStart, end: closeLineStart, text: lines });
  }
  if (newBlocks.size > 0) {
    const indent = indentOfLine(block.span.start);
    const closeLineStart = doc.lines.lineStart(doc.lines.lineOf(block.closeBrace));
    let added = '';
    for (const [type, attrs] of newBlocks) {
      const width = Math.max(...attrs.map(([n]) => n.length));
      added += `${eol}${indent}${unit}${type} {${eol}`;
      for (const [n, v] of attrs) added += `${indent}${unit}${unit}${n.padEnd(width)} = ${formatValue(v)}${eol}`;
      added += `${indent}${unit}}${eol}`;
    }
    edits.push({ start: closeLineStart, end: closeLineStart, text: added });
  }
  if (edits.length === 0) return null;
  const out = applyEdits(text, edits).text;

  // HashiCorp's parser must accept the result and read back every value set.
  const check = await checkParsesWithHashicorp(filename, out);
  if (!check.ok) return { unsafe: `the edited ${filename} does not parse with HashiCorp's parser: ${check.message}` };
  const parsed = resourceJson(check.json, target);
  for (const set of sets) {
    const parts = set.path.split('.');
    const owner = parts.length === 2 ? (parsed?.[parts[0]] as Record<string, unknown>[] | undefined)?.[0] : parsed;
    const got = owner?.[parts[parts.length - 1]];
    if (!same(got, set.value)) {
      return { unsafe: `after the edit HashiCorp's parser reads ${set.path} as ${JSON.stringify(got)}, not ${JSON.stringify(set.value)}` };
    }
  }
  return { text: out, changes };
}

function resourceJson(json: unknown, target: { type: string; name: string }): Record<string, unknown> | undefined {
  const resources = (json as { resource?: Record<string, Record<string, Record<string, unknown>[]>> }).resource;
  return resources?.[target.type]?.[target.name]?.[0];
}

/**
 * The run of single-line attributes on consecutive lines that ends the block, when their `=` are
 * aligned (as `terraform fmt` leaves them): its name width, and each member's gap before `=`.
 */
function alignedRun(doc: HclDocument, owner: HclBlock): { width: number; gaps: { start: number; end: number; name: string }[] } | null {
  const attrs = [...owner.attributes].sort((a, b) => a.span.start - b.span.start);
  const run: typeof attrs = [];
  for (let i = attrs.length - 1; i >= 0; i--) {
    const a = attrs[i];
    const line = doc.lines.lineOf(a.span.start);
    if (line !== doc.lines.lineOf(a.span.end)) break;
    if (run.length && doc.lines.lineOf(run[0].span.start) !== line + 1) break;
    run.unshift(a);
  }
  if (run.length === 0) return null;
  const gaps = run.map((a) => {
    const nameEnd = a.span.start + a.name.length;
    const equals = doc.text.indexOf('=', nameEnd);
    return { start: nameEnd, end: equals, name: a.name, column: equals - doc.lines.lineStart(doc.lines.lineOf(a.span.start)) };
  });
  if (new Set(gaps.map((g) => g.column)).size !== 1 || gaps.some((g) => !/^ +$/.test(doc.text.slice(g.start, g.end)))) return null;
  return { width: Math.max(...run.map((a) => a.name.length)), gaps };
}

/** A list keeps its layout: one line, or one item per line with the first item's indentation. */
function formatList(doc: HclDocument, old: HclBlock['attributes'][number]['value'], value: AttributeValue): string {
  if (!Array.isArray(value) || old.kind !== 'tuple' || old.items.length === 0) return formatValue(value);
  const multiline = doc.lines.lineOf(old.span.start) !== doc.lines.lineOf(old.items[0].span.start);
  if (!multiline) return formatValue(value);
  const itemIndent = doc.lines.indentOf(doc.lines.lineOf(old.items[0].span.start));
  const closeIndent = doc.lines.indentOf(doc.lines.lineOf(old.span.end - 1));
  const eol = doc.eol;
  return `[${eol}${value.map((v) => `${itemIndent}${formatValue(v)},${eol}`).join('')}${closeIndent}]`;
}
