/**
 * Issue 10 §1, as a property: over random interleavings of emergency and non-emergency changes
 * on one security group during an incident (several calls per Config item or one, by a
 * break-glass engineer and by two developers, opening and closing rules from a pool), the
 * backport codifies exactly the emergency differences: the PR's rules are the desired rules ±
 * the differences made by emergency changes, and nothing a developer opened ever reaches it.
 *
 * The real evaluation use case on real Redis (item ledger, drift store, audit, CloudTrail store),
 * the real per-change attribution and the real security-group.kind, fed with the Config items
 * and CloudTrail calls AWS would deliver (built by the sandbox account's event builders and read
 * by the one ingest normaliser). Only the freeze (an incident, all along) and the desired state
 * (a fixed Terraform state) are fixed.
 */
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { CloudTrailAttribution } from '@driftwarden/attribution';
import { backportSubject } from '@driftwarden/kinds';
import { PrincipalClassifier, resourceKey, type CloudTrailEvent, type ConfigItemEvent, type ResourceRef } from '@driftwarden/domain';
import { normalizeDelivery, type ConfigItemFetcher } from '@driftwarden/ingest';
import {
  DesiredStatePort,
  EvaluateService,
  ExceptionsPort,
  FreezePort,
  KindRegistry,
  type DesiredLookup,
  type FreezeView,
} from '@driftwarden/pipeline';
import type { JobProducer } from '@driftwarden/queue';
import { SecurityGroupKind } from '@driftwarden/kinds/security-group';
import { configItemEvent, cloudTrailEvent, type GroupInfo } from '@driftwarden/sandbox/testing';
import { applyRuleDiff, codifiedRules, ruleKey } from '@driftwarden/kinds/security-group';
import { AuditLog, CloudTrailStore, DriftStore, ItemLedger } from '@driftwarden/store';
import { dropPrefix, uniquePrefix } from '../support/test-controller';
import { PRINCIPALS as PATTERNS } from '../support/pipeline-harness';
import type { PermissionRule } from '@driftwarden/kinds/security-group';
import { testKeys, testRedis } from '../support/redis';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const ALICE = `arn:aws:sts::${ACCOUNT}:assumed-role/BreakGlassAdmin/alice@example.com`;
const MALLORY = `arn:aws:sts::${ACCOUNT}:assumed-role/developer/mallory`;
const BOB = `arn:aws:sts::${ACCOUNT}:assumed-role/developer/bob`;
const WHO = [ALICE, MALLORY, BOB] as const;

const tcp = (port: number, cidr: string): PermissionRule => ({
  direction: 'ingress',
  protocol: 'tcp',
  fromPort: port,
  toPort: port,
  peer: { kind: 'ipv4', cidr },
});
/** What Terraform declares. */
const DESIRED: PermissionRule[] = [tcp(443, '10.0.0.0/8'), tcp(8080, '0.0.0.0/0'), tcp(9100, '0.0.0.0/0')];
/** Rules the changes draw from: the desired ones (closed and re-opened) and new ones. */
const POOL: PermissionRule[] = [
  ...DESIRED,
  tcp(22, '0.0.0.0/0'),
  tcp(3389, '0.0.0.0/0'),
  tcp(8080, '198.51.100.0/24'),
  tcp(5432, '10.1.0.0/16'),
];

interface Call {
  who: (typeof WHO)[number];
  /** Each call only opens or only closes (several rules at most), as one Authorize or Revoke does. */
  op: 'authorize' | 'revoke';
  picks: number[];
  /** A Config item is captured after this call (else the next call coalesces with it). */
  item: boolean;
}

const callArb: fc.Arbitrary<Call> = fc.record({
  who: fc.constantFrom(...WHO),
  op: fc.constantFrom('authorize' as const, 'revoke' as const),
  picks: fc.uniqueArray(fc.integer({ min: 0, max: POOL.length - 1 }), { minLength: 1, maxLength: 2 }),
  item: fc.boolean(),
});

/** Frozen by an incident all along: every change is made during a declared freeze. */
/** The code after the backport: what the PR adds (rules only live has) in, what it removes out. */
function codify(desired: readonly PermissionRule[], diff: { extra: PermissionRule[]; missing: PermissionRule[] }): PermissionRule[] {
  // applyRuleDiff goes live → desired (a revert); a backport goes the other way.
  return applyRuleDiff(desired, { extra: diff.missing, missing: diff.extra });
}

class IncidentFreeze extends FreezePort {
  async view(): Promise<FreezeView> {
    const source = { id: 'inc_1', type: 'incident' as const, reason: 'P1', since: '2026-12-06T09:00:00.000Z', until: null };
    return {
      freeze: {
        now: { frozen: true, sources: [source] },
        atChange: { declared: true, unknown: false, withinLookback: false, sources: [source] },
      },
    };
  }
}

class StateOf extends DesiredStatePort {
  constructor(private readonly groupId: () => string) {
    super();
  }
  async lookup(resource: ResourceRef): Promise<DesiredLookup> {
    if (resource.id !== this.groupId()) return { managed: false, reason: 'not this test' };
    return {
      managed: true,
      stack: 'network',
      address: 'aws_security_group.g',
      attributes: { desiredRules: DESIRED as unknown as [], ruleIds: {}, authoritative: true },
    };
  }
  async refresh(): Promise<void> {}
}

class NoExceptions extends ExceptionsPort {
  async activeFor(): Promise<null> {
    return null;
  }
}

describe('property: a backport codifies exactly the emergency differences', () => {
  const prefix = uniquePrefix();
  let redis: Redis;
  let n = 0;

  beforeAll(() => {
    redis = testRedis({ maxRetriesPerRequest: 3 });
  });
  afterAll(async () => {
    redis.disconnect();
    await dropPrefix(prefix);
  });

  it('over random interleavings, the PR rules are desired ± emergency differences, and no developer-opened rule reaches it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(callArb, { minLength: 1, maxLength: 7 }), async (calls) => {
        n += 1;
        const keys = testKeys(`${prefix}:${n}`);
        const audit = new AuditLog(redis, keys);
        const ledger = new ItemLedger(redis, keys, audit);
        const drifts = new DriftStore(redis, keys, audit);
        const trail = new CloudTrailStore(redis, keys);
        const group: GroupInfo = {
          groupId: `sg-0${String(n).padStart(16, '0')}`,
          groupName: 'g',
          vpcId: 'vpc-0123456789abcdef0',
          tags: {},
          account: ACCOUNT,
          region: REGION,
        };
        const classifier = new PrincipalClassifier(PATTERNS);
        const producer = { remediate: async () => undefined, backport: async () => undefined } as unknown as JobProducer;
        const service = new EvaluateService(
          ledger,
          drifts,
          audit,
          producer,
          {
            kinds: new KindRegistry([new SecurityGroupKind()]),
            desiredState: new StateOf(() => group.groupId),
            attribution: new CloudTrailAttribution(trail, classifier, { waitForDeliveryMs: 0 }),
            freeze: new IncidentFreeze(),
            exceptions: new NoExceptions(),
            fetcher: { complete: async (i: ConfigItemEvent) => i } as unknown as ConfigItemFetcher,
          },
          { dryRun: false, settleSeconds: 0, critical: {} },
        );
        const rk = resourceKey({ account: ACCOUNT, region: REGION, type: 'AWS::EC2::SecurityGroup', id: group.groupId });

        // The oracle: who touched each rule, in order.
        const touchedBy = new Map<string, string[]>();
        let live = [...DESIRED];
        let t = Date.parse('2026-12-06T10:00:00.000Z');
        let state = 1;
        const normalize = (raw: Record<string, unknown>) => {
          const r = normalizeDelivery(raw, { transport: 'http' });
          if (!r.ok) throw new Error(JSON.stringify(r.problems));
          return r.events[0];
        };
        let captured = true;
        const capture = async () => {
          t += 500;
          const item = normalize(configItemEvent(group, live, new Date(t), state++)) as ConfigItemEvent;
          await ledger.accept([item]);
          await service.evaluate(rk, `prop-${n}`);
          captured = true;
        };
        for (const call of calls) {
          const rules = call.picks.map((p) => POOL[p]);
          const has = new Set(live.map(ruleKey));
          const effective = call.op === 'authorize' ? rules.filter((r) => !has.has(ruleKey(r))) : rules.filter((r) => has.has(ruleKey(r)));
          if (effective.length === 0) continue; // AWS would refuse it (duplicate / not found): nothing changes
          t += 1000;
          live = call.op === 'authorize' ? [...live, ...effective] : live.filter((r) => !effective.some((e) => ruleKey(e) === ruleKey(r)));
          for (const r of effective) touchedBy.set(ruleKey(r), [...(touchedBy.get(ruleKey(r)) ?? []), call.who]);
          const name = call.op === 'authorize' ? 'AuthorizeSecurityGroupIngress' : 'RevokeSecurityGroupIngress';
          await trail.put([normalize(cloudTrailEvent(group, name, effective, call.who, new Date(t))) as CloudTrailEvent]);
          captured = false;
          if (call.item) await capture();
        }
        if (!captured) await capture();

        const open = await drifts.openFor(rk);
        const desiredKeys = new Set(DESIRED.map(ruleKey));
        const liveKeys = new Set(live.map(ruleKey));
        // Emergency: made by one principal only, who is break-glass, or who closed it (a closure
        // during a declared freeze); a call that only opens or only closes never mixes the two.
        const emergency = (key: string) => {
          const by = new Set(touchedBy.get(key) ?? []);
          if (by.size !== 1) return false;
          const [who] = [...by];
          return who === ALICE || !liveKeys.has(key);
        };
        const addedByEmergency = live.filter((r) => !desiredKeys.has(ruleKey(r)) && emergency(ruleKey(r)));
        const removedByEmergency = DESIRED.filter((r) => !liveKeys.has(ruleKey(r)) && emergency(ruleKey(r)));
        const expected = new Set(codify(DESIRED, { extra: addedByEmergency, missing: removedByEmergency }).map(ruleKey));
        expect(expected.size).toBe(DESIRED.length + addedByEmergency.length - removedByEmergency.length);

        const pr = open ? codify(DESIRED, codifiedRules(backportSubject(open.record))) : DESIRED;
        expect(new Set(pr.map(ruleKey))).toEqual(expected);
        // The safety property itself: a rule a developer opened (alone or with others) is never codified.
        for (const r of pr) {
          if (desiredKeys.has(ruleKey(r))) continue;
          expect([...new Set(touchedBy.get(ruleKey(r)))]).toEqual([ALICE]);
        }
        // And every difference still on the record that a developer opened during the freeze is flagged.
        for (const d of open?.record.differences ?? []) {
          const by = new Set(touchedBy.get(d.key));
          if (d.side === 'added' && [...by].some((w) => w !== ALICE)) expect(d.flags).toContain('suspicious');
        }
      }),
      {
        numRuns: 150,
        seed: 20261206,
        endOnFailure: true,
        examples: [
          // The story: a developer opens tcp/22, then break-glass closes 8080 (one item each, and coalesced).
          [
            [
              { who: MALLORY, op: 'authorize', picks: [3], item: true },
              { who: ALICE, op: 'revoke', picks: [1], item: true },
            ],
          ],
          [
            [
              { who: MALLORY, op: 'authorize', picks: [3], item: false },
              { who: ALICE, op: 'revoke', picks: [1], item: true },
            ],
          ],
          // Closed by a developer (codified), re-opened and closed again by break-glass between two items:
          // the record's difference was re-made by two principals, so it is no longer an emergency patch.
          [
            [
              { who: BOB, op: 'revoke', picks: [0], item: true },
              { who: BOB, op: 'authorize', picks: [0], item: false },
              { who: ALICE, op: 'revoke', picks: [0], item: false },
            ],
          ],
        ],
      },
    );
  }, 120_000);
});
