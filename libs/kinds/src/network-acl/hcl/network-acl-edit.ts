/**
 * Backporting a live network ACL into its Terraform code, in place (DESIGN §6): the entries the
 * code declares for the ACL, in either style Terraform has for them, and the edit that makes the
 * code declare exactly `want`:
 * - inline `ingress`/`egress` blocks on `aws_network_acl` or `aws_default_network_acl`;
 * - `aws_network_acl_rule` resources whose `network_acl_id` names the ACL (a reference to the
 *   ACL's block, `aws_network_acl.main.id`, or its literal id).
 * A key (direction and rule number) whose entry differs is replaced where it is written; an
 * entry no longer wanted is removed with the comment lines directly above it; a new entry is
 * written in the style the ACL's entries use (inline when it has none yet). Every byte outside the
 * edited spans is kept. The result is read again with HashiCorp's parser and must declare exactly
 * `want`, or the edit is refused.
 */
import {
  applyEdits,
  attributesOf,
  checkParsesWithHashicorp,
  formatBlock,
  HclDocument,
  initHclParser,
  jsonAttributesOf,
  jsonBlockBody,
  jsonObject,
  raw,
  removeConstruct,
  type AttributeValue,
  type FormatValue,
  type HclBlock,
  type TextEdit,
} from '@driftwarden/hcl-edit';
import {
  describeEntry,
  entryKey,
  isIcmpProtocol,
  isPorted,
  makeEntry,
  sameEntry,
  sortEntries,
  type AclDirection,
  type NaclEntry,
} from '../model/entry';
import { TF_DEFAULT_NETWORK_ACL, TF_NETWORK_ACL, TF_NETWORK_ACL_RULE } from '../state/network-acl-state';

export interface AclTarget {
  type: string;
  name: string;
}

export interface AclCode {
  /** Entry → where it is written. */
  entries: { entry: NaclEntry; block: HclBlock; style: 'inline' | 'rule' }[];
  acl: HclBlock;
}

export type Unsafe = { unsafe: string };

const PROTOCOL_NAMES: Readonly<Record<string, string>> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6', '-1': '-1' };

function literal(values: ReadonlyMap<string, AttributeValue>, name: string, where: string): string | number | boolean | null | undefined {
  const v = values.get(name);
  if (v === undefined) return undefined;
  if (v.kind !== 'literal')
    throw new UnsafeEdit(`${where} sets ${name} from an expression (${v.kind === 'opaque' ? v.display : 'a list'})`);
  return v.value;
}

class UnsafeEdit extends Error {}

function inlineEntry(values: ReadonlyMap<string, AttributeValue>, direction: AclDirection, where: string): NaclEntry {
  const get = (n: string) => literal(values, n, where);
  try {
    return makeEntry(
      {
        direction,
        ruleNumber: get('rule_no'),
        protocol: get('protocol'),
        action: get('action'),
        cidrBlock: get('cidr_block'),
        ipv6CidrBlock: get('ipv6_cidr_block'),
        fromPort: get('from_port'),
        toPort: get('to_port'),
        icmpType: get('icmp_type'),
        icmpCode: get('icmp_code'),
      },
      where,
    );
  } catch (err) {
    if (err instanceof UnsafeEdit) throw err;
    throw new UnsafeEdit(err instanceof Error ? err.message : String(err));
  }
}

function ruleEntry(values: ReadonlyMap<string, AttributeValue>, where: string): NaclEntry {
  const get = (n: string) => literal(values, n, where);
  try {
    return makeEntry(
      {
        direction: get('egress') === true || get('egress') === 'true' ? 'egress' : 'ingress',
        ruleNumber: get('rule_number'),
        protocol: get('protocol'),
        action: get('rule_action'),
        cidrBlock: get('cidr_block'),
        ipv6CidrBlock: get('ipv6_cidr_block'),
        fromPort: get('from_port'),
        toPort: get('to_port'),
        icmpType: get('icmp_type'),
        icmpCode: get('icmp_code'),
      },
      where,
    );
  } catch (err) {
    if (err instanceof UnsafeEdit) throw err;
    throw new UnsafeEdit(err instanceof Error ? err.message : String(err));
  }
}

/** Whether an `aws_network_acl_rule`'s `network_acl_id` names the target ACL. */
function namesAcl(value: AttributeValue | undefined, target: AclTarget, aclId: string | undefined): boolean {
  if (!value) return false;
  if (value.kind === 'literal') return aclId !== undefined && value.value === aclId;
  if (value.kind === 'opaque') return value.text === `${target.type}.${target.name}.id`;
  return false;
}

/** The entries the file declares for the ACL, with where each is written. */
export function readAclCode(doc: HclDocument, target: AclTarget, aclId?: string): AclCode | Unsafe {
  if (doc.syntaxError) return { unsafe: `the file has a syntax error at line ${doc.syntaxError.line}` };
  if (target.type !== TF_NETWORK_ACL && target.type !== TF_DEFAULT_NETWORK_ACL) {
    return { unsafe: `${target.type}.${target.name} is not an aws_network_acl or aws_default_network_acl` };
  }
  const acl = doc.resource(target.type, target.name);
  if (!acl) return { unsafe: `${target.type}.${target.name} is not declared in this file` };
  const hazards = doc.hazards(acl).filter((h) => h.kind !== 'non-literal');
  if (hazards.length > 0) return { unsafe: `${target.type}.${target.name} ${doc.describeHazard(hazards[0]!)}` };
  if (acl.attributes.some((a) => a.name === 'ingress' || a.name === 'egress')) {
    return { unsafe: `${target.type}.${target.name} writes its entries as an attribute list (ingress = [...]), not as blocks` };
  }
  const entries: AclCode['entries'] = [];
  try {
    for (const block of acl.blocks) {
      if (block.type !== 'ingress' && block.type !== 'egress') continue;
      const where = `${target.type}.${target.name} ${block.type} block (line ${doc.lineNumber(block.span.start)})`;
      entries.push({ entry: inlineEntry(attributesOf(block), block.type, where), block, style: 'inline' });
    }
    for (const rule of doc.resources(TF_NETWORK_ACL_RULE)) {
      const values = attributesOf(rule);
      if (!namesAcl(values.get('network_acl_id'), target, aclId)) continue;
      const where = `aws_network_acl_rule.${rule.labels[1] ?? '?'}`;
      const hazards = doc.hazards(rule).filter((h) => h.kind !== 'non-literal');
      if (hazards.length > 0) return { unsafe: `${where} ${doc.describeHazard(hazards[0]!)}` };
      entries.push({ entry: ruleEntry(values, where), block: rule, style: 'rule' });
    }
  } catch (err) {
    if (err instanceof UnsafeEdit) return { unsafe: err.message };
    throw err;
  }
  const keys = new Set<string>();
  for (const { entry } of entries) {
    const key = entryKey(entry);
    if (keys.has(key)) return { unsafe: `the code declares ${key} twice` };
    keys.add(key);
  }
  return { acl, entries };
}

function inlineBlockText(e: NaclEntry, indent: string, unit: string, eol: string): string {
  const attrs: Array<[string, FormatValue]> = [
    ['protocol', PROTOCOL_NAMES[e.protocol] ?? e.protocol],
    ['rule_no', e.ruleNumber],
    ['action', e.action],
    [e.cidr.includes(':') ? 'ipv6_cidr_block' : 'cidr_block', e.cidr],
    ['from_port', isPorted(e.protocol) ? (e.fromPort ?? 0) : 0],
    ['to_port', isPorted(e.protocol) ? (e.toPort ?? 0) : 0],
    ...(isIcmpProtocol(e.protocol)
      ? ([
          ['icmp_type', e.icmpType ?? -1],
          ['icmp_code', e.icmpCode ?? -1],
        ] as Array<[string, FormatValue]>)
      : []),
  ];
  return formatBlock(e.direction, [attrs], indent, unit, eol);
}

function ruleResourceText(e: NaclEntry, name: string, target: AclTarget, unit: string, eol: string): string {
  const attrs: Array<[string, FormatValue]> = [
    ['network_acl_id', raw(`${target.type}.${target.name}.id`)],
    ['rule_number', e.ruleNumber],
    ['egress', e.direction === 'egress'],
    ['protocol', PROTOCOL_NAMES[e.protocol] ?? e.protocol],
    ['rule_action', e.action],
    [e.cidr.includes(':') ? 'ipv6_cidr_block' : 'cidr_block', e.cidr],
    ...(isPorted(e.protocol)
      ? ([
          ['from_port', e.fromPort ?? 0],
          ['to_port', e.toPort ?? 65535],
        ] as Array<[string, FormatValue]>)
      : []),
    ...(isIcmpProtocol(e.protocol)
      ? ([
          ['icmp_type', e.icmpType ?? -1],
          ['icmp_code', e.icmpCode ?? -1],
        ] as Array<[string, FormatValue]>)
      : []),
  ];
  return formatBlock(`resource "${TF_NETWORK_ACL_RULE}" "${name}"`, [attrs], '', unit, eol);
}

export interface AclEditRequest {
  target: AclTarget;
  aclId?: string;
  /** Exactly the entries the code must declare afterwards. */
  want: readonly NaclEntry[];
  reservedNames?: readonly string[];
  filename?: string;
}

/** Edits the file so that it declares exactly `want`; null when it already does. */
export async function editAclEntries(text: string, req: AclEditRequest): Promise<Unsafe | { text: string; changes: string[] } | null> {
  await initHclParser();
  const doc = HclDocument.parse(text);
  const code = readAclCode(doc, req.target, req.aclId);
  if ('unsafe' in code) return code;
  const wantByKey = new Map(req.want.map((e) => [entryKey(e), e]));
  const codeByKey = new Map(code.entries.map((c) => [entryKey(c.entry), c]));
  const unit = doc.indentUnit();
  const eol = doc.eol;
  const aclIndent = doc.lines.indentOf(doc.lines.lineOf(code.acl.span.start));
  const edits: TextEdit[] = [];
  const changes: string[] = [];
  const style: 'inline' | 'rule' = code.entries.length > 0 && code.entries.every((c) => c.style === 'rule') ? 'rule' : 'inline';
  if (style === 'rule' && req.target.type === TF_DEFAULT_NETWORK_ACL) {
    return { unsafe: 'aws_default_network_acl manages its entries inline only' };
  }
  const taken = new Set([...(req.reservedNames ?? []), ...doc.blocks.filter((b) => b.type === 'resource').map((b) => b.labels[1] ?? '')]);

  for (const [key, c] of codeByKey) {
    const want = wantByKey.get(key);
    if (want && sameEntry(want, c.entry)) continue;
    if (!want) {
      edits.push(removeConstruct(doc, c.block.span));
      changes.push(`removes ${key} (${describeEntry(c.entry)})`);
      continue;
    }
    // Replace in place: the block keeps its place, labels and the comments around it.
    const indent = doc.lines.indentOf(doc.lines.lineOf(c.block.span.start));
    const replacement =
      c.style === 'inline'
        ? inlineBlockText(want, indent, unit, eol).slice(indent.length)
        : ruleResourceText(want, c.block.labels[1] ?? 'rule', req.target, unit, eol);
    edits.push({ start: c.block.span.start, end: c.block.span.end, text: replacement });
    changes.push(`changes ${key} from ${describeEntry(c.entry)} to ${describeEntry(want)}`);
  }

  const adds = sortEntries([...wantByKey.entries()].filter(([key]) => !codeByKey.has(key)).map(([, e]) => e));
  if (adds.length > 0) {
    if (style === 'inline') {
      const inner = aclIndent + unit;
      const texts = adds.map((e) => inlineBlockText(e, inner, unit, eol));
      const lastEntry = [...code.acl.blocks].reverse().find((b) => b.type === 'ingress' || b.type === 'egress');
      if (lastEntry) {
        const at = doc.lines.contentEnd(doc.lines.lineOf(lastEntry.span.end));
        edits.push({ start: at, end: at, text: texts.map((t) => eol + eol + t).join('') });
      } else {
        // Before the closing brace, on its own lines.
        const closeLineStart = doc.lines.lineStart(doc.lines.lineOf(code.acl.closeBrace));
        const bodyEmpty = doc.text.slice(code.acl.openBrace + 1, code.acl.closeBrace).trim() === '';
        if (bodyEmpty) {
          edits.push({ start: code.acl.openBrace + 1, end: code.acl.closeBrace, text: eol + texts.join(eol + eol) + eol + aclIndent });
        } else {
          edits.push({ start: closeLineStart, end: closeLineStart, text: eol + texts.join(eol + eol) + eol });
        }
      }
    } else {
      const texts = adds.map((e) => {
        let name = `${req.target.name}_${e.direction}_${e.ruleNumber}`;
        for (let i = 2; taken.has(name); i++) name = `${req.target.name}_${e.direction}_${e.ruleNumber}_${i}`;
        taken.add(name);
        return ruleResourceText(e, name, req.target, unit, eol);
      });
      const lastRule = [...code.entries].reverse().find((c) => c.style === 'rule')!.block;
      const at = doc.lines.contentEnd(doc.lines.lineOf(lastRule.span.end));
      edits.push({ start: at, end: at, text: texts.map((t) => eol + eol + t).join('') });
    }
    for (const e of adds) changes.push(`adds ${entryKey(e)} (${describeEntry(e)})`);
  }
  if (edits.length === 0) return null;
  const edited = applyEdits(text, edits).text;
  const check = await checkAclEdit(req.filename ?? 'main.tf', edited, req);
  if (check) return { unsafe: check };
  return { text: edited, changes };
}

/** HashiCorp's parser must accept the edited file, and its entries for the ACL must be exactly `want` (null: fine). */
export async function checkAclEdit(
  filename: string,
  text: string,
  req: Pick<AclEditRequest, 'target' | 'aclId' | 'want'>,
): Promise<string | null> {
  const parsed = await checkParsesWithHashicorp(filename, text);
  if (!parsed.ok) return `HashiCorp's HCL parser rejected the edited file: ${parsed.message}`;
  let entries: NaclEntry[];
  try {
    entries = entriesFromHashicorpJson(parsed.json, req.target, req.aclId);
  } catch (err) {
    return `the edited file cannot be read back: ${err instanceof Error ? err.message : String(err)}`;
  }
  const got = new Map(entries.map((e) => [entryKey(e), e]));
  const problems: string[] = [];
  for (const w of req.want) {
    const g = got.get(entryKey(w));
    if (!g) problems.push(`${entryKey(w)} is missing`);
    else if (!sameEntry(g, w)) problems.push(`${entryKey(w)} reads ${describeEntry(g)}, expected ${describeEntry(w)}`);
  }
  for (const g of entries) if (!req.want.some((w) => entryKey(w) === entryKey(g))) problems.push(`${entryKey(g)} should not be declared`);
  if (entries.length !== got.size) problems.push('an entry is declared twice');
  return problems.length ? `the edited file does not declare the expected entries: ${problems.join('; ')}` : null;
}

/** The ACL's entries as HashiCorp's parser reads the file (hcl2json JSON). */
export function entriesFromHashicorpJson(json: unknown, target: AclTarget, aclId?: string): NaclEntry[] {
  const resources = jsonObject(jsonObject(json)?.['resource']);
  const acl = jsonBlockBody(jsonObject(resources?.[target.type])?.[target.name]);
  if (!acl) throw new Error(`${target.type}.${target.name} is gone`);
  const out: NaclEntry[] = [];
  for (const direction of ['ingress', 'egress'] as const) {
    const blocks = acl[direction];
    for (const [i, b] of (Array.isArray(blocks) ? blocks : []).entries()) {
      out.push(inlineEntry(jsonAttributesOf(b), direction, `${target.type}.${target.name}.${direction}[${i}]`));
    }
  }
  for (const [name, body] of Object.entries(jsonObject(resources?.[TF_NETWORK_ACL_RULE]) ?? {})) {
    const values = jsonAttributesOf(jsonBlockBody(body));
    if (namesAcl(values.get('network_acl_id'), target, aclId)) out.push(ruleEntry(values, `aws_network_acl_rule.${name}`));
  }
  return out;
}
