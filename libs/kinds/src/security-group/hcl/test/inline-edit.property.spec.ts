/**
 * Property: for a generated `aws_security_group` with inline rules (random rules, list layouts,
 * comments, indentation, line endings) and random sets of rules to remove (some of the code's)
 * and to add (new ones), the edit goes through, and HashiCorp's parser reads back exactly
 * code − remove + add. The reading here is written independently of the library's.
 */
import fc from 'fast-check';
import { parseWithHashicorp, type EditSpan } from '@driftwarden/hcl-edit';
import { editSecurityGroupRules } from '../../index';
import type { PermissionRule, RuleDirection } from '../../model/permission-rule';

type Protocol = 'tcp' | 'udp' | '-1';

interface GenBlock {
  direction: RuleDirection;
  protocol: Protocol;
  fromPort: number;
  toPort: number;
  ipv4: string[];
  ipv6: string[];
  description: string | null;
  multiline: boolean;
  trailingComma: boolean;
  commentAbove: boolean;
  trailingComment: boolean;
}

interface GenFile {
  blocks: GenBlock[];
  indent: string;
  eol: '\n' | '\r\n';
  heredocBefore: boolean;
}

const ipv4 = fc
  .tuple(fc.integer({ min: 1, max: 223 }), fc.integer({ min: 0, max: 255 }), fc.constantFrom(8, 16, 24, 32))
  .map(([a, b, bits]) =>
    bits === 8 ? `${a}.0.0.0/8` : bits === 16 ? `${a}.${b}.0.0/16` : bits === 24 ? `${a}.${b}.7.0/24` : `${a}.${b}.7.9/32`,
  );
const ipv6 = fc.integer({ min: 0, max: 0xffff }).map((n) => `2001:db8:${n.toString(16)}::/48`);
/**
 * The edit writes added rules in the canonical text of the security-group model (`2001:db8::/48`
 * for `2001:db8:0::/48`); the reading here compares text as written, so additions are generated
 * canonical (n > 0). The code's rules keep the non-canonical spelling.
 */
const canonicalIpv6 = fc.integer({ min: 1, max: 0xffff }).map((n) => `2001:db8:${n.toString(16)}::/48`);
const description = fc.option(fc.constantFrom('app', 'INC-42 "temp"', 'cost: $${x} 100%', 'ünïcødé ✓', 'back\\slash'), { nil: null });

const block: fc.Arbitrary<GenBlock> = fc
  .record({
    direction: fc.constantFrom<RuleDirection>('ingress', 'egress'),
    protocol: fc.constantFrom<Protocol>('tcp', 'udp', '-1'),
    fromPort: fc.integer({ min: 1, max: 65000 }),
    span: fc.integer({ min: 0, max: 3 }),
    ipv4: fc.uniqueArray(ipv4, { minLength: 1, maxLength: 4 }),
    ipv6: fc.uniqueArray(ipv6, { maxLength: 2 }),
    description,
    multiline: fc.boolean(),
    trailingComma: fc.boolean(),
    commentAbove: fc.boolean(),
    trailingComment: fc.boolean(),
  })
  .map(({ span, ...b }) => ({
    ...b,
    fromPort: b.protocol === '-1' ? 0 : b.fromPort,
    toPort: b.protocol === '-1' ? 0 : b.fromPort + span,
  }));

const file: fc.Arbitrary<GenFile> = fc.record({
  blocks: fc.array(block, { minLength: 1, maxLength: 6 }),
  indent: fc.constantFrom('  ', '    ', '\t'),
  eol: fc.constantFrom<'\n' | '\r\n'>('\n', '\r\n'),
  heredocBefore: fc.boolean(),
});

function quote(value: string): string {
  return JSON.stringify(value).replace(/\$\{/g, '$${').replace(/%\{/g, '%%{');
}

function list(items: string[], b: GenBlock, indent: string, eol: string): string {
  const quoted = items.map((item) => JSON.stringify(item));
  if (!b.multiline) return `[${quoted.join(', ')}${b.trailingComma ? ',' : ''}]`;
  const lines = quoted.map((q, i) => `${indent}${indent}${indent}${q}${i < quoted.length - 1 || b.trailingComma ? ',' : ''}`);
  return `[${eol}${lines.join(eol)}${eol}${indent}${indent}]`;
}

function render(f: GenFile): string {
  const { indent: u, eol } = f;
  const out: string[] = [];
  if (f.heredocBefore) {
    out.push('resource "aws_iam_policy" "p" {', `${u}policy = <<-EOT`, `${u}${u}{ "ingress": "{" }`, `${u}EOT`, '}', '');
  }
  out.push('resource "aws_security_group" "sg" {', `${u}name   = "sg"`, `${u}vpc_id = var.vpc_id`);
  for (const b of f.blocks) {
    out.push('');
    if (b.commentAbove) out.push(`${u}# ${b.direction} ${b.protocol} (generated)`);
    out.push(`${u}${b.direction} {`);
    if (b.description !== null) out.push(`${u}${u}description = ${quote(b.description)}`);
    out.push(`${u}${u}from_port = ${b.fromPort}`, `${u}${u}to_port = ${b.toPort}`, `${u}${u}protocol = "${b.protocol}"`);
    out.push(`${u}${u}cidr_blocks = ${list(b.ipv4, b, u, eol)}`);
    if (b.ipv6.length) out.push(`${u}${u}ipv6_cidr_blocks = ${list(b.ipv6, b, u, eol)}`);
    out.push(`${u}}${b.trailingComment ? ' # end' : ''}`);
  }
  out.push('}', '', 'resource "aws_security_group" "other" {', `${u}ingress {`, `${u}${u}from_port = 1`, `${u}${u}to_port = 1`);
  out.push(`${u}${u}protocol = "tcp"`, `${u}${u}cidr_blocks = ["0.0.0.0/0"]`, `${u}}`, '}', '');
  return out.join(eol);
}

function rulesOf(f: GenFile): PermissionRule[] {
  return f.blocks.flatMap((b) =>
    [...b.ipv4.map((cidr) => ({ kind: 'ipv4' as const, cidr })), ...b.ipv6.map((cidr) => ({ kind: 'ipv6' as const, cidr }))].map((peer) => {
      const rule: PermissionRule = {
        direction: b.direction,
        protocol: b.protocol,
        fromPort: b.protocol === '-1' ? null : b.fromPort,
        toPort: b.protocol === '-1' ? null : b.toPort,
        peer,
      };
      if (b.description) rule.description = b.description;
      return rule;
    }),
  );
}

function key(rule: PermissionRule): string {
  const peer = rule.peer.kind === 'ipv4' || rule.peer.kind === 'ipv6' ? rule.peer.cidr : JSON.stringify(rule.peer);
  return `${rule.direction} ${rule.protocol} ${rule.fromPort ?? '-'} ${rule.toPort ?? '-'} ${peer}`;
}

/** What HashiCorp's parser says the group allows, read straight from hcl2json's JSON. */
function readBack(json: unknown): Map<string, string | undefined> {
  const resource = (json as { resource: Record<string, Record<string, Array<Record<string, unknown>>>> }).resource;
  const sg = resource.aws_security_group.sg[0];
  const rules = new Map<string, string | undefined>();
  for (const direction of ['ingress', 'egress'] as const) {
    for (const b of (sg[direction] as Array<Record<string, unknown>> | undefined) ?? []) {
      const protocol = b.protocol as Protocol;
      const all = protocol === '-1';
      const desc = typeof b.description === 'string' ? b.description.replaceAll('$${', '${').replaceAll('%%{', '%{') : undefined;
      for (const attr of ['cidr_blocks', 'ipv6_cidr_blocks'] as const) {
        for (const cidr of (b[attr] as string[] | undefined) ?? []) {
          const rule: PermissionRule = {
            direction,
            protocol,
            fromPort: all ? null : (b.from_port as number),
            toPort: all ? null : (b.to_port as number),
            peer: { kind: attr === 'cidr_blocks' ? 'ipv4' : 'ipv6', cidr },
          };
          rules.set(key(rule), desc);
        }
      }
    }
  }
  return rules;
}

function identicalOutside(input: string, output: string, spans: readonly EditSpan[]): boolean {
  let inAt = 0;
  let outAt = 0;
  for (const span of spans) {
    if (output.slice(outAt, span.start) !== input.slice(inAt, span.original.start)) return false;
    outAt = span.end;
    inAt = span.original.end;
  }
  return output.slice(outAt) === input.slice(inAt);
}

const scenario = file.chain((f) => {
  const existing = rulesOf(f);
  const existingKeys = new Set(existing.map(key));
  const newRule = fc
    .record({
      direction: fc.constantFrom<RuleDirection>('ingress', 'egress'),
      protocol: fc.constantFrom<Protocol>('tcp', 'udp', '-1'),
      port: fc.integer({ min: 1, max: 65535 }),
      peer: fc.oneof(
        ipv4.map((cidr) => ({ kind: 'ipv4' as const, cidr })),
        canonicalIpv6.map((cidr) => ({ kind: 'ipv6' as const, cidr })),
      ),
      description: fc.option(fc.constantFrom('added live', 'INC-7 "x" ${y}'), { nil: undefined }),
    })
    .map(({ port, protocol, description: d, ...r }): PermissionRule => {
      const rule: PermissionRule = { ...r, protocol, fromPort: protocol === '-1' ? null : port, toPort: protocol === '-1' ? null : port };
      if (d !== undefined) rule.description = d;
      return rule;
    })
    .filter((r) => !existingKeys.has(key(r)));
  return fc.record({
    file: fc.constant(f),
    remove: fc.subarray(existing),
    add: fc.uniqueArray(newRule, { maxLength: 4, selector: key }),
  });
});

describe('inline edit property', () => {
  it('edit -> HashiCorp parser -> rules = code - remove + add', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ file: f, remove, add }) => {
        const input = render(f);
        const result = await editSecurityGroupRules(input, { target: 'aws_security_group.sg', remove, add });
        if (result.unsafe) throw new Error(`refused: ${result.code}: ${result.reason}\n${input}`);

        const expected = new Map<string, string | undefined>();
        const removed = new Set(remove.map(key));
        for (const rule of rulesOf(f)) if (!removed.has(key(rule))) expected.set(key(rule), rule.description);
        for (const rule of add) expected.set(key(rule), rule.description);

        const actual = readBack(await parseWithHashicorp('sg.tf', result.text));
        expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
        for (const rule of add) expect(actual.get(key(rule))).toBe(rule.description);
        expect(identicalOutside(input, result.text, result.spans)).toBe(true);
        // Line endings are kept: no bare LF in a CRLF file.
        if (f.eol === '\r\n') expect(/[^\r]\n/.test(result.text)).toBe(false);
        // The other group is untouched.
        expect(result.text.slice(result.text.indexOf('resource "aws_security_group" "other"'))).toBe(
          input.slice(input.indexOf('resource "aws_security_group" "other"')),
        );
      }),
      { numRuns: 150 },
    );
  });
});
