import type { CloudTrailEvent } from '@driftwarden/domain';
import { ruleKey } from './model/rule';
import { ruleCallChanges, ruleDifferences, ruleDirections } from './rule-differences';
import type { PermissionRule } from './model/permission-rule';

const ingress = (port: number, cidr: string): PermissionRule => ({
  direction: 'ingress',
  protocol: 'tcp',
  fromPort: port,
  toPort: port,
  peer: { kind: 'ipv4', cidr },
});
const SSH_WORLD = ingress(22, '0.0.0.0/0');
const WEB_WORLD = ingress(8080, '0.0.0.0/0');
const WEB_VPN = ingress(8080, '10.8.0.0/16');

function event(
  id: string,
  name: string,
  requestParameters: Record<string, unknown>,
  responseElements: Record<string, unknown> | null = null,
): CloudTrailEvent {
  return {
    kind: 'cloudtrail',
    eventId: id,
    eventName: name,
    eventSource: 'ec2.amazonaws.com',
    eventTime: '2026-12-06T10:00:00Z',
    account: '111122223333',
    region: 'eu-west-1',
    resourceIds: ['sg-0abc'],
    principal: { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/x/y' },
    requestParameters,
    responseElements,
    delivery: { transport: 'http', shape: 'eventbridge', receivedAt: '2026-12-06T10:00:01Z' },
  };
}

const permission = (port: number, cidr: string) => ({
  ipProtocol: 'tcp',
  fromPort: port,
  toPort: port,
  groups: {},
  ipRanges: { items: [{ cidrIp: cidr }] },
  ipv6Ranges: {},
  prefixListIds: {},
});

describe('security-group differences', () => {
  it('one per rule only live has (added) or only the code has (removed), in plain English', () => {
    const diffs = ruleDifferences({ extra: [SSH_WORLD], missing: [WEB_WORLD] });
    expect(diffs.map((d) => [d.side, d.key, d.sentence])).toEqual([
      ['added', ruleKey(SSH_WORLD), 'opened ingress tcp/22 from 0.0.0.0/0 (the internet)'],
      ['removed', ruleKey(WEB_WORLD), 'closed ingress tcp/8080 from 0.0.0.0/0 (the internet)'],
    ]);
    expect(new Set(diffs.map((d) => d.id)).size).toBe(2);
  });

  it("directions are judged within the change that made them: a narrowed CIDR does not widen, another principal's rule is not covered", () => {
    const [narrowNew, sshNew] = ruleDifferences({ extra: [WEB_VPN, SSH_WORLD], missing: [] });
    const [wideGone] = ruleDifferences({ extra: [], missing: [WEB_WORLD] });
    const same = ruleDirections([[narrowNew, wideGone], [sshNew]], { groupId: 'sg-0abc' });
    expect(same.get(narrowNew.id)).toEqual({ axis: 'exposure', change: 'neutral', revert: 'narrows' });
    expect(same.get(wideGone.id)).toEqual({ axis: 'exposure', change: 'narrows', revert: 'widens' });
    expect(same.get(sshNew.id)?.change).toBe('widens');
    // the same narrow rule added by a separate change, next to someone else's revoke, widens
    const apart = ruleDirections([[narrowNew], [wideGone]], { groupId: 'sg-0abc' });
    expect(apart.get(narrowNew.id)?.change).toBe('widens');
  });
});

describe('what a CloudTrail call did to the rules', () => {
  it('authorize and revoke name their rules in the request (and the response)', () => {
    const changes = ruleCallChanges(
      [
        event('a', 'AuthorizeSecurityGroupIngress', { groupId: 'sg-0abc', ipPermissions: { items: [permission(22, '0.0.0.0/0')] } }),
        event('r', 'RevokeSecurityGroupIngress', { groupId: 'sg-0abc', ipPermissions: { items: [permission(8080, '0.0.0.0/0')] } }),
      ],
      new Map(),
    );
    expect(changes.get('a')).toEqual({ added: [ruleKey(SSH_WORLD)], removed: [] });
    expect(changes.get('r')).toEqual({ added: [], removed: [ruleKey(WEB_WORLD)] });
  });

  it("a revoke by rule id is resolved from the desired state, from an earlier authorize's answer, or stays opaque", () => {
    const authorize = event(
      'a',
      'AuthorizeSecurityGroupIngress',
      { groupId: 'sg-0abc', ipPermissions: { items: [permission(22, '0.0.0.0/0')] } },
      {
        _return: true,
        securityGroupRuleSet: {
          items: [
            {
              groupId: 'sg-0abc',
              securityGroupRuleId: 'sgr-0000000000000aaaa',
              isEgress: false,
              ipProtocol: 'tcp',
              fromPort: 22,
              toPort: 22,
              cidrIpv4: '0.0.0.0/0',
            },
          ],
        },
      },
    );
    const byId = event('r', 'RevokeSecurityGroupIngress', {
      groupId: 'sg-0abc',
      securityGroupRuleIds: {
        items: [
          { securityGroupRuleId: 'sgr-0000000000000aaaa' },
          { securityGroupRuleId: 'sgr-0000000000000bbbb' },
          { securityGroupRuleId: 'sgr-0000000000000cccc' },
        ],
      },
    });
    const changes = ruleCallChanges([authorize, byId], new Map([[ruleKey(WEB_WORLD), 'sgr-0000000000000bbbb']]));
    expect(new Set(changes.get('r')!.removed)).toEqual(new Set([ruleKey(SSH_WORLD), ruleKey(WEB_WORLD)]));
    expect(changes.get('r')!.opaqueRemoval).toMatch(/sgr-0000000000000cccc by id only/);
  });

  it('ModifySecurityGroupRules: the new rule is added; the old one removed when its id resolves, else opaque', () => {
    const modify = event('m', 'ModifySecurityGroupRules', {
      ModifySecurityGroupRulesRequest: {
        GroupId: 'sg-0abc',
        SecurityGroupRule: {
          SecurityGroupRuleId: 'sgr-0000000000000bbbb',
          SecurityGroupRule: { IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, CidrIpv4: '10.8.0.0/16' },
          tag: 1,
        },
      },
    });
    const known = ruleCallChanges([modify], new Map([[ruleKey(WEB_WORLD), 'sgr-0000000000000bbbb']])).get('m')!;
    expect(known).toEqual({ added: [ruleKey(WEB_VPN)], removed: [ruleKey(WEB_WORLD)] });
    const unknown = ruleCallChanges([modify], new Map()).get('m')!;
    expect(unknown.added).toContain(ruleKey(WEB_VPN));
    expect(unknown.removed).toEqual([]);
    expect(unknown.opaqueRemoval).toMatch(/sgr-0000000000000bbbb/);
  });

  it('failed calls, description updates and unreadable requests', () => {
    const failed = {
      ...event('f', 'AuthorizeSecurityGroupIngress', { groupId: 'sg-0abc', ipPermissions: { items: [permission(22, '0.0.0.0/0')] } }),
      errorCode: 'InvalidPermission.Duplicate',
    };
    const description = event('d', 'UpdateSecurityGroupRuleDescriptionsIngress', { groupId: 'sg-0abc' });
    const garbage = event('g', 'RevokeSecurityGroupIngress', {
      groupId: 'sg-0abc',
      ipPermissions: { items: [{ ipProtocol: 'tcp', groups: { items: [{ groupName: 'no-id' }] } }] },
    });
    const changes = ruleCallChanges([failed, description, garbage], new Map());
    expect(changes.get('f')).toBeNull();
    expect(changes.get('d')).toBeNull();
    expect(changes.get('g')).toMatchObject({ added: [], removed: [], opaqueRemoval: expect.stringMatching(/cannot read/) });
  });

  it('a deleted group: every rule removed by the delete call', () => {
    expect(ruleCallChanges([event('x', 'DeleteSecurityGroup', { groupId: 'sg-0abc' })], new Map()).get('x')).toEqual({
      added: [],
      removed: [],
      all: 'removed',
    });
  });
});
