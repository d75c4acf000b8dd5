/**
 * Property: one rule model. A random rule, written as Terraform code in each style the editor reads
 * (inline `ingress`/`egress` blocks, `aws_vpc_security_group_*_rule`, `aws_security_group_rule`)
 * with the spellings Terraform allows (`protocol = "6"` or `6`, `"all"`, `"esp"`, ports 0 for all
 * traffic, `<account>/sg-…`, upper-case or uncompressed IPv6, `self = true`, a reference to the
 * group), and the same rule recorded in an AWS Config item (its JSON, read by the Config
 * normaliser), get the same keys. The HCL is read with tree-sitter (what the backport reads) and
 * with HashiCorp's parser (what the edit's check reads), and the edit removes the rule read from
 * the Config item from the code (what a backport does when a rule was closed live).
 */
import { HclDocument, initHclParser, parseWithHashicorp } from '@driftwarden/hcl-edit';
import fc from 'fast-check';
import {
  canonicalRuleKey,
  editSecurityGroupRules,
  parseCidr,
  readSecurityGroupRules,
  ruleKey,
  rulesFromConfigConfiguration,
  type RuleStyle,
} from '../../index';
import { rule as anyCanonicalRule, toConfigConfiguration } from '../../testing/arbitraries';
import { readGroupRulesFromJson } from '../check/json-rules';
import { sourceRules } from '../rules/terraform-rules';
import type { PermissionRule } from '../../model/permission-rule';

const GROUP_NAME = 'app';
const TARGET = `aws_security_group.${GROUP_NAME}`;
const SELF = 'sg-0a1b2c3d4e5f60718';

/** How one rule is spelled in the code (Terraform accepts each of these for the same rule). */
interface Spelling {
  /** Index into the spellings of the rule's protocol. */
  protocol: number;
  /** `protocol = 6` instead of `"6"` where the spelling is a number. */
  bareNumber: boolean;
  ipv6: 'canonical' | 'upper' | 'expanded' | 'expanded-upper';
  /** `<account>/sg-…` when the Config item knows the owner. */
  withAccount: boolean;
  /** The group itself as `self = true` / a reference to the group, rather than its literal id. */
  selfAsReference: boolean;
  /** Rule resources name their group by reference (`aws_security_group.app.id`), else by id. */
  groupByReference: boolean;
}

interface Case {
  style: RuleStyle;
  rules: Array<{ rule: PermissionRule; spelling: Spelling }>;
  /** The Config item has only the CI-1.2 `ipRanges` strings for IPv4. */
  legacyConfig: boolean;
}

/** IANA keywords Terraform accepts for protocol numbers. */
const KEYWORDS: Record<string, string> = {
  '2': 'igmp',
  '4': 'ipip',
  '47': 'gre',
  '50': 'esp',
  '51': 'ah',
  '89': 'ospf',
  '103': 'pim',
  '112': 'vrrp',
  '132': 'sctp',
};

/**
 * A canonical rule; a referenced group is sometimes the group itself (`self`), and the protocol
 * is sometimes one with a keyword (`esp`), which the generic arbitrary rarely picks.
 */
const ruleArb: fc.Arbitrary<PermissionRule> = fc
  .tuple(anyCanonicalRule, fc.boolean(), fc.option(fc.constantFrom(...Object.keys(KEYWORDS)), { freq: 3, nil: undefined }))
  .map(([r, self, keyword]) => {
    const out: PermissionRule = keyword === undefined ? r : { ...r, protocol: keyword, fromPort: null, toPort: null };
    return self && r.peer.kind === 'securityGroup' ? { ...out, peer: { kind: 'securityGroup', groupId: SELF } } : out;
  });

const spelling: fc.Arbitrary<Spelling> = fc.record({
  protocol: fc.nat({ max: 2 }),
  bareNumber: fc.boolean(),
  ipv6: fc.constantFrom('canonical', 'upper', 'expanded', 'expanded-upper'),
  withAccount: fc.boolean(),
  selfAsReference: fc.boolean(),
  groupByReference: fc.boolean(),
});

const caseArb: fc.Arbitrary<Case> = fc.record({
  style: fc.constantFrom<RuleStyle>('inline', 'vpc-rule', 'legacy-rule'),
  rules: fc.uniqueArray(fc.record({ rule: ruleArb, spelling }), {
    minLength: 1,
    maxLength: 3,
    selector: ({ rule }) => canonicalRuleKey(rule),
  }),
  legacyConfig: fc.boolean(),
});

/** The ways Terraform code may write a canonical protocol: names, numbers, `all`. */
function protocolSpellings(protocol: string): string[] {
  switch (protocol) {
    case 'tcp':
      return ['tcp', 'TCP', '6'];
    case 'udp':
      return ['udp', '17'];
    case 'icmp':
      return ['icmp', '1'];
    case 'icmpv6':
      return ['icmpv6', '58'];
    case '-1':
      return ['-1', 'all'];
    default:
      return KEYWORDS[protocol] ? [protocol, KEYWORDS[protocol]] : [protocol];
  }
}

/** A string literal in HCL (template sequences escaped; a function, as `$$` in a replacement string is one `$`). */
function str(value: string): string {
  return JSON.stringify(value)
    .replace(/\$\{/g, () => '$${')
    .replace(/%\{/g, () => '%%{');
}

function protocolValue(rule: PermissionRule, s: Spelling): string {
  const options = protocolSpellings(rule.protocol);
  const chosen = options[s.protocol % options.length];
  return s.bareNumber && /^-?\d+$/.test(chosen) ? chosen : str(chosen);
}

function ipv6Text(cidr: string, form: Spelling['ipv6']): string {
  if (form === 'canonical') return cidr;
  if (form === 'upper') return cidr.toUpperCase();
  const parsed = parseCidr(cidr);
  if (!parsed) throw new Error(`unparsable generated CIDR ${cidr}`);
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((parsed.address >> BigInt(i * 16)) & 0xffffn).toString(16).padStart(4, '0'));
  const text = `${groups.join(':')}/${parsed.prefix}`;
  return form === 'expanded-upper' ? text.toUpperCase() : text;
}

function groupText(peer: Extract<PermissionRule['peer'], { kind: 'securityGroup' }>, s: Spelling): string {
  return s.withAccount && peer.userId ? `${peer.userId}/${peer.groupId}` : peer.groupId;
}

/** from_port/to_port as inline blocks and legacy rules write them: 0/0 for all traffic and port-less protocols. */
function zeroPorts(rule: PermissionRule): string[] {
  return [`from_port = ${rule.fromPort ?? 0}`, `to_port = ${rule.toPort ?? 0}`];
}

function description(rule: PermissionRule): string[] {
  return rule.description === undefined ? [] : [`description = ${str(rule.description)}`];
}

/**
 * The peer of an inline block or a legacy rule: list attributes, the group itself as `self = true`
 * (or by its literal id: a group cannot reference itself inside its own block, a cycle), another
 * group in `groupLine`.
 */
function listPeer(peer: PermissionRule['peer'], s: Spelling, groupLine: (text: string) => string): string {
  switch (peer.kind) {
    case 'ipv4':
      return `cidr_blocks = [${str(peer.cidr)}]`;
    case 'ipv6':
      return `ipv6_cidr_blocks = [${str(ipv6Text(peer.cidr, s.ipv6))}]`;
    case 'prefixList':
      return `prefix_list_ids = [${str(peer.prefixListId)}]`;
    case 'securityGroup':
      return peer.groupId === SELF && s.selfAsReference ? 'self = true' : groupLine(str(groupText(peer, s)));
  }
}

function inlineBlock(rule: PermissionRule, s: Spelling): string {
  const lines = [
    ...description(rule),
    ...zeroPorts(rule),
    `protocol = ${protocolValue(rule, s)}`,
    listPeer(rule.peer, s, (group) => `security_groups = [${group}]`),
  ];
  return [`  ${rule.direction} {`, ...lines.map((l) => `    ${l}`), '  }'].join('\n');
}

function groupRef(s: Spelling): string {
  return s.groupByReference ? `${TARGET}.id` : str(SELF);
}

function vpcRule(rule: PermissionRule, s: Spelling, name: string): string {
  const peer = rule.peer;
  const type = rule.direction === 'ingress' ? 'aws_vpc_security_group_ingress_rule' : 'aws_vpc_security_group_egress_rule';
  // No ports for all traffic and port-less protocols (the provider refuses them there).
  const ports = rule.fromPort === null ? [] : [`from_port = ${rule.fromPort}`, `to_port = ${rule.toPort ?? -1}`];
  const lines = [`security_group_id = ${groupRef(s)}`, ...description(rule), `ip_protocol = ${protocolValue(rule, s)}`, ...ports];
  switch (peer.kind) {
    case 'ipv4':
      lines.push(`cidr_ipv4 = ${str(peer.cidr)}`);
      break;
    case 'ipv6':
      lines.push(`cidr_ipv6 = ${str(ipv6Text(peer.cidr, s.ipv6))}`);
      break;
    case 'prefixList':
      lines.push(`prefix_list_id = ${str(peer.prefixListId)}`);
      break;
    case 'securityGroup':
      lines.push(`referenced_security_group_id = ${peer.groupId === SELF && s.selfAsReference ? `${TARGET}.id` : str(groupText(peer, s))}`);
      break;
  }
  return [`resource "${type}" "${name}" {`, ...lines.map((l) => `  ${l}`), '}'].join('\n');
}

function legacyRule(rule: PermissionRule, s: Spelling, name: string): string {
  const lines = [
    `type = ${str(rule.direction)}`,
    `security_group_id = ${groupRef(s)}`,
    ...description(rule),
    ...zeroPorts(rule),
    `protocol = ${protocolValue(rule, s)}`,
    listPeer(rule.peer, s, (group) => `source_security_group_id = ${group}`),
  ];
  return [`resource "aws_security_group_rule" "${name}" {`, ...lines.map((l) => `  ${l}`), '}'].join('\n');
}

function terraform(c: Case): string {
  const inline = c.style === 'inline' ? c.rules.map(({ rule, spelling: s }) => inlineBlock(rule, s)) : [];
  const group = [
    `resource "aws_security_group" "${GROUP_NAME}" {`,
    `  name   = "app"`,
    `  vpc_id = "vpc-0123456789abcdef0"`,
    ...inline,
    '}',
  ].join('\n');
  const resources =
    c.style === 'inline'
      ? []
      : c.rules.map(({ rule, spelling: s }, i) => (c.style === 'vpc-rule' ? vpcRule(rule, s, `r${i}`) : legacyRule(rule, s, `r${i}`)));
  return `${[group, ...resources].join('\n\n')}\n`;
}

/** The Config item of the group, as JSON text (what the Config normaliser is given, parsed). */
function configItem(c: Case): string {
  const configuration = toConfigConfiguration(
    c.rules.map(({ rule }) => rule),
    { legacy: c.legacyConfig },
  );
  return JSON.stringify({
    configurationItemVersion: '1.3',
    resourceType: 'AWS::EC2::SecurityGroup',
    resourceId: SELF,
    configuration: { ...configuration, groupId: SELF, groupName: GROUP_NAME },
  });
}

/** The model's keys of rules in any spelling. */
const keys = (rules: readonly PermissionRule[]): string[] => rules.map(ruleKey).sort();
/** The model's keys of rules that must already be canonical (no re-normalisation). */
const canonicalKeys = (rules: readonly PermissionRule[]): string[] => rules.map(canonicalRuleKey).sort();

/** Always run, in each style: the spellings the two models used to disagree on. */
const spelled = (overrides: Partial<Spelling>): Spelling => ({
  protocol: 0,
  bareNumber: false,
  ipv6: 'canonical',
  withAccount: false,
  selfAsReference: false,
  groupByReference: false,
  ...overrides,
});
const KNOWN: Case['rules'] = [
  // `protocol = "6"`, an upper-case uncompressed IPv6 CIDR
  {
    rule: {
      direction: 'ingress',
      protocol: 'tcp',
      fromPort: 22,
      toPort: 22,
      peer: { kind: 'ipv6', cidr: '2001:db8::/32' },
      description: 'ssh ${x}',
    },
    spelling: spelled({ protocol: 2, ipv6: 'expanded-upper' }),
  },
  // `protocol = "all"` with ports 0, a cross-account group `<account>/sg-…`
  {
    rule: {
      direction: 'egress',
      protocol: '-1',
      fromPort: null,
      toPort: null,
      peer: { kind: 'securityGroup', groupId: 'sg-0123456789abcdef0', userId: '111122223333' },
    },
    spelling: spelled({ protocol: 1, withAccount: true }),
  },
  // `protocol = "esp"`
  {
    rule: { direction: 'ingress', protocol: '50', fromPort: null, toPort: null, peer: { kind: 'ipv4', cidr: '10.0.0.0/8' } },
    spelling: spelled({ protocol: 1 }),
  },
  // `protocol = 1` (ICMP echo request, any code) from the group itself
  {
    rule: { direction: 'ingress', protocol: 'icmp', fromPort: 8, toPort: -1, peer: { kind: 'securityGroup', groupId: SELF } },
    spelling: spelled({ protocol: 1, bareNumber: true, selfAsReference: true, groupByReference: true }),
  },
];
const EXAMPLES: Array<[Case]> = (['inline', 'vpc-rule', 'legacy-rule'] as const).map((style) => [
  { style, rules: KNOWN, legacyConfig: false },
]);

describe('one rule model: a rule read from Terraform code and from a Config item has one key', () => {
  beforeAll(() => initHclParser());

  it('inline blocks, vpc rule resources and legacy rule resources, in every Terraform spelling', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const text = terraform(c);
        const item = JSON.parse(configItem(c)) as { configuration: unknown };
        const fromConfig = rulesFromConfigConfiguration(item.configuration);
        expect(canonicalKeys(fromConfig)).toEqual(canonicalKeys(c.rules.map(({ rule }) => rule)));

        // tree-sitter (the backport's reading of the code)
        const read = readSecurityGroupRules(HclDocument.parse(text), { target: TARGET, groupId: SELF });
        if ('unsafe' in read) throw new Error(`unreadable: ${read.code}: ${read.reason}\n${text}`);
        expect(read.opaque).toBe(0);
        expect(read.style).toBe(c.style);
        // readSecurityGroupRules answers canonical rules: their keys without re-normalising.
        expect(canonicalKeys(read.rules)).toEqual(canonicalKeys(fromConfig));

        // HashiCorp's parser (the edit's check)
        const json = readGroupRulesFromJson(await parseWithHashicorp('main.tf', text), { groupName: GROUP_NAME, groupId: SELF });
        if (!json.ok) throw new Error(`unreadable by HashiCorp's parser: ${json.problem}\n${text}`);
        expect(keys(json.sources.flatMap(sourceRules))).toEqual(canonicalKeys(fromConfig));

        // The rules read from Config are found in the code: removing them all goes through.
        const removal = await editSecurityGroupRules(text, { target: TARGET, groupId: SELF, remove: fromConfig, add: [] });
        if (removal.unsafe) throw new Error(`refused: ${removal.code}: ${removal.reason}\n${text}`);
        const after = readSecurityGroupRules(HclDocument.parse(removal.text), { target: TARGET, groupId: SELF });
        if ('unsafe' in after) throw new Error(after.reason);
        expect(after.rules).toEqual([]);
      }),
      { numRuns: 150, examples: EXAMPLES },
    );
  });
});
