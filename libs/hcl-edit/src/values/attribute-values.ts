/**
 * A neutral form of attribute values, produced from both parsers, so that one set of functions
 * turns Terraform attributes into a kind's model (security group rules, …) whichever parser read
 * the file:
 * - tree-sitter (`HclValue`): literals are evaluated, anything else is opaque;
 * - HashiCorp's parser through hcl2json (JSON): non-literal values arrive as strings holding
 *   `${…}` with the expression's source text, literal strings keep `$${` / `%%{` escaped.
 * Opaque text is normalised (no whitespace, one `${…}` unwrapped) so both sides agree.
 */
import type { HclBlock } from '../document/hcl-document';
import type { HclValue } from '../document/hcl-values';

export type AttributeValue =
  | { kind: 'literal'; value: string | number | boolean | null }
  | { kind: 'list'; items: AttributeValue[] }
  /** `text` is normalised for comparisons; `display` is the expression as written (whitespace collapsed). */
  | { kind: 'opaque'; text: string; display: string };

export type AttributeValues = ReadonlyMap<string, AttributeValue>;

export function fromHclValue(value: HclValue): AttributeValue {
  switch (value.kind) {
    case 'string':
    case 'number':
    case 'bool':
      return { kind: 'literal', value: value.value };
    case 'null':
      return { kind: 'literal', value: null };
    case 'tuple':
      return { kind: 'list', items: value.items.map(fromHclValue) };
    case 'object':
      return opaque('{object}');
    case 'expression':
      return opaque(value.text);
  }
}

export function fromJson(value: unknown): AttributeValue {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return { kind: 'literal', value };
  if (typeof value === 'string') {
    if (hasTemplateSequence(value)) return opaque(value);
    return { kind: 'literal', value: value.replaceAll('$${', '${').replaceAll('%%{', '%{') };
  }
  if (Array.isArray(value)) return { kind: 'list', items: value.map(fromJson) };
  return opaque('{object}');
}

/** A block's attributes as tree-sitter read them. */
export function attributesOf(block: HclBlock): Map<string, AttributeValue> {
  const attrs = new Map<string, AttributeValue>();
  for (const attr of block.attributes) attrs.set(attr.name, fromHclValue(attr.value));
  return attrs;
}

/** A block body's attributes as HashiCorp's parser read them (hcl2json JSON). */
export function jsonAttributesOf(block: unknown): Map<string, AttributeValue> {
  const attrs = new Map<string, AttributeValue>();
  for (const [name, value] of Object.entries(jsonObject(block) ?? {})) attrs.set(name, fromJson(value));
  return attrs;
}

/** The value as a JSON object, or undefined (null, lists and scalars are not). */
export function jsonObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** hcl2json writes each block body as a one-element list. */
export function jsonBlockBody(value: unknown): Record<string, unknown> | undefined {
  return Array.isArray(value) ? jsonObject(value[0]) : jsonObject(value);
}

function opaque(source: string): AttributeValue {
  return { kind: 'opaque', text: normaliseOpaque(source), display: source.replace(/\s+/g, ' ').trim() };
}

/** `aws_security_group.x.id`, `"${aws_security_group.x.id}"` and `${ aws_security_group.x.id }` all become `aws_security_group.x.id`. */
export function normaliseOpaque(text: string): string {
  let flat = text.replace(/\s+/g, '');
  if (flat.startsWith('"') && flat.endsWith('"')) flat = flat.slice(1, -1);
  const single = /^\$\{([^{}]*)\}$/.exec(flat);
  return single ? single[1] : flat;
}

/** True when an hcl2json string holds an interpolation or a directive (not the escaped `$${` / `%%{`). */
export function hasTemplateSequence(value: string): boolean {
  for (let i = 0; i < value.length - 1; i += 1) {
    const ch = value[i];
    if ((ch === '$' || ch === '%') && value[i + 1] === ch && value[i + 2] === '{') {
      i += 2;
    } else if ((ch === '$' || ch === '%') && value[i + 1] === '{') {
      return true;
    }
  }
  return false;
}

export function describeValue(value: AttributeValue): string {
  switch (value.kind) {
    case 'literal':
      return JSON.stringify(value.value);
    case 'list':
      return `[${value.items.map(describeValue).join(', ')}]`;
    case 'opaque':
      return value.display;
  }
}
