import type { CandidateDifference, CloudTrailEvent, PrincipalClass } from '@driftwarden/domain';
import type { CallChanges } from '@driftwarden/pipeline';
import { attributeDifferences, type SourcedEvent } from './per-difference';

const MALLORY = 'arn:aws:sts::111122223333:assumed-role/developer/mallory';
const ALICE = 'arn:aws:sts::111122223333:assumed-role/BreakGlassAdmin/alice@example.com';
const BOB = 'arn:aws:sts::111122223333:assumed-role/developer/bob';

const classify = (arn: string | null): PrincipalClass => (arn === null ? 'unknown' : arn.includes('BreakGlass') ? 'breakGlass' : 'other');
const item = { eventId: 'cfg-2', captureTime: '2026-12-06T10:05:00.000Z' };

const diff = (side: 'added' | 'removed', key: string): CandidateDifference => ({
  id: `${side} ${key}`,
  key,
  side,
  sentence: `${side} ${key}`,
  detail: {},
});
const SSH = diff('added', 'ssh');
const HTTP = diff('removed', 'http');

function call(id: string, arn: string | null, at: string, name = 'AuthorizeSecurityGroupIngress'): SourcedEvent {
  const event = {
    kind: 'cloudtrail',
    eventId: id,
    eventName: name,
    eventSource: 'ec2.amazonaws.com',
    eventTime: at,
    account: '111122223333',
    region: 'eu-west-1',
    resourceIds: ['sg-1'],
    principal: { type: 'AssumedRole', arn },
    requestParameters: {},
    responseElements: null,
    delivery: { transport: 'http', shape: 'eventbridge', receivedAt: at },
  } as CloudTrailEvent;
  return { event, source: 'cloudtrail-event' };
}

function run(differences: CandidateDifference[], events: SourcedEvent[], changes: Record<string, CallChanges | null>) {
  return attributeDifferences({ item, differences, events, changes: new Map(Object.entries(changes)), classify });
}

describe('per-change attribution', () => {
  it('names for each difference the call whose request named it, not the latest call on the resource', () => {
    const out = run(
      [SSH, HTTP],
      [call('ev-open', MALLORY, '2026-12-06T10:00:00Z'), call('ev-close', ALICE, '2026-12-06T10:01:00Z', 'RevokeSecurityGroupIngress')],
      { 'ev-open': { added: ['ssh'], removed: [] }, 'ev-close': { added: [], removed: ['http'] } },
    );
    expect(out.get(SSH.id)?.attribution).toMatchObject({
      cloudTrailEventId: 'ev-open',
      principal: { arn: MALLORY, class: 'other', session: 'mallory' },
      at: '2026-12-06T10:00:00Z',
      source: 'cloudtrail-event',
    });
    expect(out.get(SSH.id)?.attribution.unattributable).toBeUndefined();
    expect(out.get(HTTP.id)?.attribution).toMatchObject({
      cloudTrailEventId: 'ev-close',
      principal: { arn: ALICE, class: 'breakGlass' },
      eventName: 'RevokeSecurityGroupIngress',
    });
    expect(out.get(HTTP.id)?.attribution.unattributable).toBeUndefined();
  });

  it('two principals changed the same rule: not attributable to one change', () => {
    const out = run(
      [SSH],
      [
        call('a', MALLORY, '2026-12-06T10:00:00Z'),
        call('b', ALICE, '2026-12-06T10:01:00Z', 'RevokeSecurityGroupIngress'),
        call('c', ALICE, '2026-12-06T10:02:00Z'),
      ],
      { a: { added: ['ssh'], removed: [] }, b: { added: [], removed: ['ssh'] }, c: { added: ['ssh'], removed: [] } },
    );
    const a = out.get(SSH.id)!.attribution;
    expect(a.unattributable).toMatch(/several principals/);
    expect(a.unattributable).toContain(MALLORY);
    expect(a.unattributable).toContain(ALICE);
  });

  it('the same principal adding, removing and adding again: the last call', () => {
    const out = run(
      [SSH],
      [
        call('a', BOB, '2026-12-06T10:00:00Z'),
        call('b', BOB, '2026-12-06T10:01:00Z', 'RevokeSecurityGroupIngress'),
        call('c', BOB, '2026-12-06T10:02:00Z'),
      ],
      { a: { added: ['ssh'], removed: [] }, b: { added: [], removed: ['ssh'] }, c: { added: ['ssh'], removed: [] } },
    );
    expect(out.get(SSH.id)!.attribution).toMatchObject({ cloudTrailEventId: 'c', principal: { arn: BOB } });
    expect(out.get(SSH.id)!.attribution.unattributable).toBeUndefined();
  });

  it('the latest call on it did the opposite: a call is missing, not attributable', () => {
    const out = run([SSH], [call('a', BOB, '2026-12-06T10:00:00Z', 'RevokeSecurityGroupIngress')], { a: { added: [], removed: ['ssh'] } });
    expect(out.get(SSH.id)!.attribution.unattributable).toMatch(/latest call on it .* removed it/);
  });

  it('no call names it: attributed to the Config item, unknown principal, marked unexplained (CloudTrail may still deliver it)', () => {
    const out = run([SSH], [call('other', BOB, '2026-12-06T10:00:00Z')], { other: { added: ['something-else'], removed: [] } });
    const r = out.get(SSH.id)!;
    expect(r.unexplained).toBe(true);
    expect(r.attribution).toMatchObject({
      source: 'config-item',
      principal: { arn: null, class: 'unknown' },
      at: item.captureTime,
      configEventId: 'cfg-2',
    });
    expect(r.attribution.unattributable).toMatch(/no call/);
  });

  it('a removal that only a call naming rules by id could have made is not attributable (and not waited for)', () => {
    const out = run([HTTP], [call('byid', ALICE, '2026-12-06T10:00:00Z', 'RevokeSecurityGroupIngress')], {
      byid: { added: [], removed: [], opaqueRemoval: 'names rule(s) sgr-1 by id only' },
    });
    const r = out.get(HTTP.id)!;
    expect(r.unexplained).toBe(false);
    expect(r.attribution.unattributable).toMatch(/RevokeSecurityGroupIngress by .*alice.* names rule\(s\) sgr-1 by id only/);
  });

  it('a deleted resource: the delete call removed every rule', () => {
    const out = run([HTTP], [call('del', ALICE, '2026-12-06T10:00:00Z', 'DeleteSecurityGroup')], {
      del: { added: [], removed: [], all: 'removed' },
    });
    expect(out.get(HTTP.id)!.attribution).toMatchObject({ cloudTrailEventId: 'del', principal: { class: 'breakGlass' } });
  });

  it('calls that change nothing of this kind (null) are not candidates', () => {
    const out = run([SSH], [call('desc', MALLORY, '2026-12-06T10:00:00Z', 'UpdateSecurityGroupRuleDescriptionsIngress')], { desc: null });
    expect(out.get(SSH.id)!.unexplained).toBe(true);
  });
});
