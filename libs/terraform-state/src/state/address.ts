/**
 * Terraform resource instance addresses, built exactly as Terraform prints them (CONTRACTS.md
 * §E1): `${module}.` (omitted for root) + `data.` for data sources + `${type}.${name}` + `[N]`
 * for a count index or `["key"]` for a for_each key (HCL-quoted).
 */

/** A character `hclQuote` escapes: `\`, `"`, C0 and C1 controls, or the start of `${` / `%{`. */
const NEEDS_ESCAPE = /[\\"\u0000-\u001f\u007f-\u009f]|[$%]\{/;

/**
 * HCL string quoting as Terraform uses it for instance keys (`toHCLQuotedString`): escapes
 * `\`, `"`, newlines, tabs, control characters (`\uXXXX`) and the template sequences `${` and `%{`.
 */
export function hclQuote(value: string): string {
  // Most keys ("eu-west-1", "ssh", "svc-3") have nothing to escape.
  if (!NEEDS_ESCAPE.test(value)) return `"${value}"`;
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] ?? '';
    const next = value[i + 1];
    switch (ch) {
      case '\\':
        out += '\\\\';
        break;
      case '"':
        out += '\\"';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      case '$':
      case '%':
        out += next === '{' ? ch + ch : ch;
        break;
      default: {
        const code = ch.charCodeAt(0);
        out += code < 0x20 || (code >= 0x7f && code <= 0x9f) ? `\\u${code.toString(16).padStart(4, '0')}` : ch;
      }
    }
  }
  return `${out}"`;
}

export function instanceKeySuffix(indexKey: number | string | null | undefined): string {
  if (indexKey === null || indexKey === undefined) return '';
  return typeof indexKey === 'number' ? `[${indexKey}]` : `[${hclQuote(indexKey)}]`;
}

export interface ResourceAddressParts {
  module?: string | null;
  mode: 'managed' | 'data';
  type: string;
  name: string;
}

/** `module.net.aws_security_group.workers`, `data.aws_vpc.main`. */
export function resourceAddress(r: ResourceAddressParts): string {
  return `${r.module ? `${r.module}.` : ''}${r.mode === 'data' ? 'data.' : ''}${r.type}.${r.name}`;
}

/** `module.web.aws_vpc_security_group_ingress_rule.office["ssh"]`, `aws_security_group.this[0]`. */
export function instanceAddress(r: ResourceAddressParts, indexKey?: number | string | null): string {
  // join makes one flat string: an index holds 100,000s of these, and `+` would keep each as a rope of its parts.
  return [resourceAddress(r), instanceKeySuffix(indexKey)].join('');
}
