import { StackStateIndex as GenericStackIndex, locationMatches, parseTerraformState } from '@driftwarden/terraform-state';
import {
  ACCOUNT,
  E2_STATE,
  REGION,
  SG_APP_BLUE,
  SG_BASTION,
  SG_DEPOSED,
  SG_EXTERNAL,
  SG_LEGACY,
  SG_SHARED,
  SG_WORKERS,
  networkState,
} from '@driftwarden/terraform-state/testing';
import { ruleKey } from '../model/rule';
import { type ManagedSecurityGroup, resolveSecurityGroup } from './resolve-security-group';
import { type SecurityGroupStateIndex, securityGroupStateKind } from './security-group-state';
import type { PermissionRule } from '../model/permission-rule';

/** A stack's state index built with the security-group kind, and that kind's part of it. */
type StackStateIndex = SecurityGroupStateIndex & { summary: () => ReturnType<GenericStackIndex['summary']> };

function index(state: Record<string, unknown>, stack = 'network'): StackStateIndex {
  const whole = new GenericStackIndex(stack, parseTerraformState(state, { origin: 'test' }), [securityGroupStateKind]);
  return Object.assign(Object.create(whole.kindIndex(securityGroupStateKind)) as SecurityGroupStateIndex, {
    summary: () => whole.summary(),
  });
}

function resolve(idx: StackStateIndex, groupId: string): ManagedSecurityGroup {
  const result = resolveSecurityGroup(groupId, idx.entriesFor(groupId));
  if (!result) throw new Error(`${groupId} not found`);
  return result;
}

const tcp = (port: number, cidr: string, extra: Partial<PermissionRule> = {}): PermissionRule => ({
  direction: 'ingress',
  protocol: 'tcp',
  fromPort: port,
  toPort: port,
  peer: { kind: 'ipv4', cidr },
  ...extra,
});

describe('StackStateIndex + resolveSecurityGroup', () => {
  it('§E2 example: the group and a for_each vpc rule in a module, indexed by sg id and sgr id', () => {
    const idx = index(E2_STATE);
    expect(idx.entriesFor('sg-0abc1234def567890').map((e) => e.address)).toEqual([
      'module.web.aws_security_group.this',
      'module.web.aws_vpc_security_group_ingress_rule.office["ssh"]',
    ]);
    expect(idx.ruleEntry('sgr-0a1b2c3d4e5f60718')?.address).toBe('module.web.aws_vpc_security_group_ingress_rule.office["ssh"]');

    const sg = resolve(idx, 'sg-0abc1234def567890');
    const ssh = tcp(22, '198.51.100.0/24', { description: 'office' });
    const https = tcp(443, '10.0.0.0/8');
    const egress: PermissionRule = {
      direction: 'egress',
      protocol: '-1',
      fromPort: null,
      toPort: null,
      peer: { kind: 'ipv4', cidr: '0.0.0.0/0' },
    };
    expect(sg).toMatchObject({
      managed: true,
      stack: 'network',
      stacks: ['network'],
      groupAddress: 'module.web.aws_security_group.this',
      authoritative: true,
      desiredRules: [ssh, https, egress],
      style: 'mixed',
      tags: { team: 'payments' },
      tainted: false,
      unconfirmedInlineRules: [https, egress],
    });
    expect(sg.ruleOwners).toEqual(
      new Map([
        [ruleKey(ssh), 'module.web.aws_vpc_security_group_ingress_rule.office["ssh"]'],
        [ruleKey(https), 'module.web.aws_security_group.this'],
        [ruleKey(egress), 'module.web.aws_security_group.this'],
      ]),
    );
    expect(sg.ruleIds).toEqual(new Map([[ruleKey(ssh), 'sgr-0a1b2c3d4e5f60718']]));
    expect(sg.warnings.join('\n')).toContain('lists 2 inline rule(s) that no rule resource declares');
  });

  describe('the network stack', () => {
    const idx = index(networkState());

    it('root inline group: every CIDR of a block is a rule, icmp type/code kept, tags_all preferred', () => {
      const sg = resolve(idx, SG_BASTION);
      expect(sg.groupAddress).toBe('aws_security_group.bastion');
      expect(sg.style).toBe('inline');
      expect(sg.tags).toEqual({ Name: 'bastion', tier: 'critical', env: 'prod' });
      expect(sg.desiredRules).toEqual([
        { direction: 'ingress', protocol: 'icmp', fromPort: 8, toPort: 0, peer: { kind: 'ipv4', cidr: '10.0.0.0/8' } },
        tcp(22, '198.51.100.0/24', { description: 'ssh' }),
        tcp(22, '203.0.113.0/24', { description: 'ssh' }),
        { direction: 'egress', protocol: '-1', fromPort: null, toPort: null, peer: { kind: 'ipv4', cidr: '0.0.0.0/0' } },
        { direction: 'egress', protocol: '-1', fromPort: null, toPort: null, peer: { kind: 'ipv6', cidr: '::/0' } },
      ]);
      expect(new Set(sg.ruleOwners.values())).toEqual(new Set(['aws_security_group.bastion']));
      expect(sg.warnings).toEqual([]);
      expect(sg.unconfirmedInlineRules).toEqual([]);
    });

    it('module inline group: self = the group, referenced groups and prefix lists', () => {
      const sg = resolve(idx, SG_WORKERS);
      expect(sg.groupAddress).toBe('module.net.aws_security_group.workers');
      expect(sg.style).toBe('inline');
      expect(sg.desiredRules.filter((r) => r.direction === 'ingress')).toEqual([
        {
          direction: 'ingress',
          protocol: 'tcp',
          fromPort: 0,
          toPort: 65535,
          peer: { kind: 'securityGroup', groupId: SG_WORKERS },
          description: 'cluster',
        },
        { direction: 'ingress', protocol: 'tcp', fromPort: 8080, toPort: 8080, peer: { kind: 'prefixList', prefixListId: 'pl-0a1b2c3d' } },
        { direction: 'ingress', protocol: 'tcp', fromPort: 8080, toPort: 8080, peer: { kind: 'securityGroup', groupId: SG_BASTION } },
      ]);
    });

    it('for_each module + count group with vpc rules: the rule resources own the mirrored inline rules', () => {
      const sg = resolve(idx, SG_APP_BLUE);
      expect(sg.groupAddress).toBe('module.app["blue"].aws_security_group.this[0]');
      expect(sg.style).toBe('vpc_rule');
      expect(sg.tainted).toBe(true);
      const https: PermissionRule = {
        direction: 'ingress',
        protocol: 'tcp',
        fromPort: 443,
        toPort: 443,
        peer: { kind: 'ipv6', cidr: '2001:db8::/32' },
        description: 'https v6',
      };
      const fromLb: PermissionRule = {
        direction: 'ingress',
        protocol: 'tcp',
        fromPort: 8443,
        toPort: 8443,
        peer: { kind: 'securityGroup', groupId: SG_WORKERS },
      };
      const egress: PermissionRule = {
        direction: 'egress',
        protocol: '-1',
        fromPort: null,
        toPort: null,
        peer: { kind: 'prefixList', prefixListId: 'pl-0s3' },
      };
      expect(sg.desiredRules).toEqual([https, fromLb, egress]);
      expect(sg.ruleOwners.get(ruleKey(https))).toBe('module.app["blue"].aws_vpc_security_group_ingress_rule.this["https"]');
      expect(sg.ruleOwners.get(ruleKey(fromLb))).toBe('module.app["blue"].aws_vpc_security_group_ingress_rule.this["from \\"lb\\""]');
      expect(sg.ruleOwners.get(ruleKey(egress))).toBe('module.app["blue"].aws_vpc_security_group_egress_rule.all');
      expect(sg.ruleIds.get(ruleKey(egress))).toBe('sgr-0000000000000b103');
      expect(sg.unconfirmedInlineRules).toEqual([]);
      expect(sg.addresses).toHaveLength(4);
    });

    it('legacy aws_security_group_rule with count: one resource, several rules; self', () => {
      const sg = resolve(idx, SG_LEGACY);
      expect(sg.style).toBe('legacy_rule');
      const udp = (cidr: string): PermissionRule => ({
        direction: 'ingress',
        protocol: 'udp',
        fromPort: 53,
        toPort: 53,
        peer: { kind: 'ipv4', cidr },
      });
      const selfEgress: PermissionRule = {
        direction: 'egress',
        protocol: '-1',
        fromPort: null,
        toPort: null,
        peer: { kind: 'securityGroup', groupId: SG_LEGACY },
      };
      expect(sg.desiredRules).toEqual([udp('10.0.0.0/8'), udp('172.16.0.0/12'), selfEgress]);
      expect(sg.ruleOwners.get(ruleKey(udp('172.16.0.0/12')))).toBe('aws_security_group_rule.dns[0]');
      expect(sg.ruleOwners.get(ruleKey(selfEgress))).toBe('aws_security_group_rule.dns[1]');
      expect(idx.ruleEntry('sgr-0000000000000c102')?.address).toBe('aws_security_group_rule.dns[1]');
      expect(idx.ruleEntry('sgrule-1111111111')).toBeUndefined();
    });

    it('a group only targeted by rule resources is managed but not authoritative', () => {
      const sg = resolve(idx, SG_EXTERNAL);
      expect(sg).toMatchObject({
        authoritative: false,
        style: 'vpc_rule',
        stack: 'network',
        addresses: ['aws_vpc_security_group_ingress_rule.eks_extra'],
      });
      expect(sg.groupAddress).toBeUndefined();
      expect(sg.warnings[0]).toContain('only rule resources');
    });

    it('skips data sources, deposed objects and unrelated resource types', () => {
      expect(idx.entriesFor(SG_SHARED)).toEqual([]);
      expect(idx.entriesFor(SG_DEPOSED)).toEqual([]);
      expect(idx.entriesFor('i-0123456789abcdef0')).toEqual([]);
      expect(idx.ownedSecurityGroupIds().sort()).toEqual([SG_APP_BLUE, SG_BASTION, SG_LEGACY, SG_WORKERS].sort());
      expect(idx.summary()).toEqual({
        stack: 'network',
        serial: 7,
        lineage: '9d0c3b8e-6f1a-4c1e-9a55-0b1b2c3d4e5f',
        terraformVersion: '1.12.2',
        managedInstances: 12,
        kinds: { 'security-group': 4 },
      });
    });

    it('knows each entry’s account and region from arn, owner_id, v6 region or identity', () => {
      const [bastion] = idx.entriesFor(SG_BASTION);
      expect(bastion?.location).toEqual({ account: ACCOUNT, region: REGION });
      expect(locationMatches({ account: ACCOUNT, region: REGION }, ACCOUNT, 'us-east-1')).toBe(false);
      expect(locationMatches({}, ACCOUNT, 'us-east-1')).toBe(true);
      const legacyRuleEntry = idx.entriesFor(SG_LEGACY).find((e) => e.kind === 'legacy_rule');
      expect(legacyRuleEntry?.location).toEqual({});
    });
  });

  it('reports a rule resource that cannot be read as permanent, naming stack and address', () => {
    const state = structuredClone(E2_STATE) as { resources: Array<{ instances: Array<{ attributes: Record<string, unknown> }> }> };
    const rule = state.resources[1]?.instances[0];
    if (!rule) throw new Error('fixture changed');
    rule.attributes['cidr_ipv4'] = null;
    const idx = index(state as unknown as Record<string, unknown>);
    expect(() => resolveSecurityGroup('sg-0abc1234def567890', idx.entriesFor('sg-0abc1234def567890'))).toThrow(
      /^stack "network": cannot read the rules of module\.web\.aws_vpc_security_group_ingress_rule\.office\["ssh"\]: .*found 0/,
    );
  });

  it('returns undefined for no entries', () => {
    expect(resolveSecurityGroup('sg-x', [])).toBeUndefined();
  });
});
