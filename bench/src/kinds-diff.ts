/**
 * `kinds_diff_p99_ms`: diff + direction per resource kind, as the pipeline runs them on each Config
 * item (`kind.analyze(live, desired)` then `kind.directions(groups)`, one group per difference as
 * for unattributed changes). Each case builds its live and desired state once, deterministically;
 * the timed part is the kind's own work. Cases:
 * - a network ACL of 200 entries (100 per direction; CIDRs from /8 to /32, TCP/UDP ranges, ICMP,
 *   allow and deny interleaved) whose live side differs by 10 entries: 3 added (a deny in front,
 *   an allow from the internet, an egress deny), 3 deleted, 4 changed; every direction is judged
 *   in rule-number order against the other 199 entries;
 * - an S3 bucket whose public access block has two flags turned off.
 * Other kinds add their case to KIND_DIFF_CASES.
 */
import type { CandidateDifference, JsonObject } from '@driftwarden/domain';
import type { DesiredResource, ResourceKind } from '@driftwarden/pipeline';
import { NetworkAclKind, makeEntry, type NaclEntry } from '@driftwarden/kinds/network-acl';
import { S3BucketKind, type PublicAccessBlock } from '@driftwarden/kinds/s3-bucket';
import { median, percentile } from './util';

export interface KindDiffCase {
  name: string;
  kind: ResourceKind;
  live: JsonObject;
  desired: DesiredResource;
  context: { resourceId: string; supplementaryConfiguration?: Record<string, unknown> };
  /** How many differences the case must find (checked once: a benchmark of the wrong work is worthless). */
  expectedDifferences: number;
}

/** mulberry32: a small deterministic PRNG, so every run diffs the same sets. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function naclEntries(rand: () => number): NaclEntry[] {
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const out: NaclEntry[] = [];
  for (const direction of ['ingress', 'egress'] as const) {
    for (let i = 1; i <= 100; i++) {
      const r = rand();
      const prefix = [8, 16, 20, 24, 28, 32][int(0, 5)]!;
      const cidr = `10.${int(0, 255)}.${int(0, 255)}.${int(0, 255)}/${prefix}`;
      const action = rand() < 0.7 ? 'allow' : 'deny';
      const ruleNumber = i * 10;
      if (r < 0.6) {
        const from = int(1, 60000);
        out.push(
          makeEntry(
            {
              direction,
              ruleNumber,
              protocol: rand() < 0.8 ? 'tcp' : 'udp',
              action,
              cidrBlock: cidr,
              fromPort: from,
              toPort: from + int(0, 500),
            },
            'bench',
          ),
        );
      } else if (r < 0.75) {
        out.push(
          makeEntry({ direction, ruleNumber, protocol: 'icmp', action, cidrBlock: cidr, icmpType: int(-1, 15), icmpCode: -1 }, 'bench'),
        );
      } else {
        out.push(makeEntry({ direction, ruleNumber, protocol: '-1', action, cidrBlock: cidr }, 'bench'));
      }
    }
  }
  return out;
}

function configEntry(e: NaclEntry): JsonObject {
  return {
    cidrBlock: e.cidr,
    egress: e.direction === 'egress',
    protocol: e.protocol,
    ruleAction: e.action,
    ruleNumber: e.ruleNumber,
    ...(e.fromPort !== null ? { portRange: { from: e.fromPort, to: e.toPort } } : {}),
    ...(e.icmpType !== null ? { icmpTypeCode: { type: e.icmpType, code: e.icmpCode } } : {}),
  };
}

export function networkAclCase(): KindDiffCase {
  const desired = naclEntries(prng(13));
  const live = [...desired];
  // 3 deleted, 4 changed, 3 added.
  for (const n of [50, 420, 770])
    live.splice(
      live.findIndex((e) => e.direction === 'ingress' && e.ruleNumber === n),
      1,
    );
  for (const n of [100, 300, 600, 900]) {
    const i = live.findIndex((e) => e.direction === 'egress' && e.ruleNumber === n);
    live[i] = { ...live[i]!, action: live[i]!.action === 'allow' ? 'deny' : 'allow' };
  }
  live.push(
    makeEntry({ direction: 'ingress', ruleNumber: 5, protocol: '-1', action: 'deny', cidrBlock: '203.0.113.0/24' }, 'bench'),
    makeEntry(
      { direction: 'ingress', ruleNumber: 15, protocol: 'tcp', action: 'allow', cidrBlock: '0.0.0.0/0', fromPort: 22, toPort: 22 },
      'bench',
    ),
    makeEntry({ direction: 'egress', ruleNumber: 1005, protocol: '-1', action: 'deny', cidrBlock: '198.51.100.0/24' }, 'bench'),
  );
  const aclId = 'acl-0bench00000000001';
  return {
    name: 'network-acl (200 entries)',
    kind: new NetworkAclKind(),
    live: { networkAclId: aclId, vpcId: 'vpc-0bench', entries: live.map(configEntry), associations: [] },
    desired: {
      stack: 'bench',
      address: 'aws_network_acl.bench',
      attributes: {
        desiredEntries: desired as unknown as JsonObject[],
        authoritative: true,
        ruleOwners: {},
        style: 'inline',
        warnings: [],
      },
    },
    context: { resourceId: aclId },
    expectedDifferences: 10,
  };
}

export function bucketCase(): KindDiffCase {
  const on: PublicAccessBlock = { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true };
  return {
    name: 's3-bucket (public access block)',
    kind: new S3BucketKind(),
    live: { name: 'bench-bucket', owner: { id: 'c0ffee' } },
    desired: {
      stack: 'bench',
      address: 'aws_s3_bucket_public_access_block.bench',
      attributes: { publicAccessBlock: { ...on }, warnings: [] },
    },
    context: {
      resourceId: 'bench-bucket',
      supplementaryConfiguration: {
        PublicAccessBlockConfiguration: JSON.stringify({ ...on, blockPublicPolicy: false, restrictPublicBuckets: false }),
      },
    },
    expectedDifferences: 2,
  };
}

export const KIND_DIFF_CASES: (() => KindDiffCase)[] = [networkAclCase, bucketCase];

export interface KindsDiffResult {
  iterations: number;
  /** Over every sample of every case. */
  p99Ms: number;
  medianMs: number;
  byCase: { name: string; differences: number; medianMs: number; p99Ms: number }[];
}

export function kindsDiffBenchmark(iterations = 300, cases: readonly (() => KindDiffCase)[] = KIND_DIFF_CASES): KindsDiffResult {
  const all: number[] = [];
  const byCase: KindsDiffResult['byCase'] = [];
  for (const make of cases) {
    const c = make();
    const run = (): CandidateDifference[] => {
      const a = c.kind.analyze(c.live, c.desired, c.context);
      c.kind.directions(
        a.differences.map((d) => [d]),
        c.desired,
        c.context,
      );
      return a.differences;
    };
    const found = run().length;
    if (found !== c.expectedDifferences) throw new Error(`${c.name}: expected ${c.expectedDifferences} differences, found ${found}`);
    for (let i = 0; i < 20; i++) run(); // warm-up
    const samples: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const t0 = process.hrtime.bigint();
      run();
      samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    samples.sort((a, b) => a - b);
    all.push(...samples);
    byCase.push({ name: c.name, differences: found, medianMs: median(samples), p99Ms: percentile(samples, 99) });
  }
  all.sort((a, b) => a - b);
  return { iterations, p99Ms: percentile(all, 99), medianMs: median(all), byCase };
}
