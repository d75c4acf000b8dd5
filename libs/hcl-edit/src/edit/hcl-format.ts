/**
 * Writes new blocks the way `terraform fmt` would: one attribute per line, the `=` of consecutive
 * attributes aligned, nested content indented by the file's indentation unit.
 */
import { quoteString } from '../document/hcl-values';

/** An attribute value as source text. */
export type HclSource = { raw: string };

export type FormatValue = string | number | boolean | HclSource | FormatValue[];

export function raw(text: string): HclSource {
  return { raw: text };
}

export function formatValue(value: FormatValue): string {
  if (typeof value === 'string') return quoteString(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(formatValue).join(', ')}]`;
  return value.raw;
}

/**
 * A block: `header {`, the attributes (aligned), `}`. `groups` are runs of attributes separated
 * by a blank line; alignment is per run, as `terraform fmt` does.
 */
export function formatBlock(
  header: string,
  groups: Array<Array<[string, FormatValue]>>,
  indent: string,
  unit: string,
  eol: string,
): string {
  const lines = [`${indent}${header} {`];
  groups
    .filter((group) => group.length > 0)
    .forEach((group, i) => {
      if (i > 0) lines.push('');
      const width = Math.max(...group.map(([name]) => name.length));
      for (const [name, value] of group) lines.push(`${indent}${unit}${name.padEnd(width)} = ${formatValue(value)}`);
    });
  lines.push(`${indent}}`);
  return lines.join(eol);
}
