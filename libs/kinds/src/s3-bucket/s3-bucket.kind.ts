import {
  PermanentError,
  type CandidateDifference,
  type CloudTrailEvent,
  type DifferenceDirection,
  type DriftDifference,
  type JsonObject,
} from '@driftwarden/domain';
import type { Analysis, CallChanges, DesiredResource, ResourceKind } from '@driftwarden/pipeline';
import {
  FLAGS,
  flagSentence,
  NO_BLOCK,
  readPublicAccessBlock,
  S3_BUCKET,
  type BucketDiff,
  type Flag,
  type PublicAccessBlock,
} from './model';
import type { BucketDesiredAttributes } from './state';

/**
 * The CloudTrail names of the calls that change a bucket's public access block: the SDK's
 * PutPublicAccessBlock/DeletePublicAccessBlock on a bucket are logged as these (infra lists the same).
 */
export const S3_BUCKET_CALLS = ['PutBucketPublicAccessBlock', 'DeleteBucketPublicAccessBlock'] as const;

/** The key of a flag difference: the flag and the value live has (a call that set it explains it). */
export function flagKey(flag: Flag, value: boolean): string {
  return `${flag}=${value}`;
}

/** What a flag difference is about (its `detail`). */
export interface FlagDetail {
  flag: Flag;
  live: boolean;
  desired: boolean;
  bucket: string;
}

export function flagDetail(d: Pick<DriftDifference, 'detail'>): FlagDetail {
  return d.detail as unknown as FlagDetail;
}

function desiredBlock(desired: DesiredResource): PublicAccessBlock {
  const a = desired.attributes as unknown as Partial<BucketDesiredAttributes>;
  return a.publicAccessBlock ?? { ...NO_BLOCK };
}

/** The live public access block of a Config item (absent key: no block, every flag off). */
export function liveBlock(supplementary: Record<string, unknown> | undefined, resourceId: string): PublicAccessBlock {
  if (supplementary === undefined) {
    throw new PermanentError(
      `the Config item of bucket ${resourceId} carries no supplementaryConfiguration: its public access block cannot be read`,
      's3_bad_public_access_block',
    );
  }
  return readPublicAccessBlock(
    supplementary['PublicAccessBlockConfiguration'],
    'supplementaryConfiguration.PublicAccessBlockConfiguration',
  );
}

export function flagDifferences(live: PublicAccessBlock, desired: PublicAccessBlock, bucket: string): CandidateDifference[] {
  return FLAGS.filter((f) => live[f] !== desired[f]).map((flag) => {
    const detail: FlagDetail = { flag, live: live[flag], desired: desired[flag], bucket };
    const key = flagKey(flag, live[flag]);
    return {
      id: `changed ${key}`,
      key,
      side: 'changed',
      sentence: flagSentence(flag, live[flag], bucket),
      detail: detail as unknown as JsonObject,
    };
  });
}

/** A flag turned off widens what can reach the bucket (its revert narrows); turned on narrows. */
export function flagDirection(detail: Pick<FlagDetail, 'live'>): DifferenceDirection {
  return detail.live
    ? { axis: 'exposure', change: 'narrows', revert: 'widens' }
    : { axis: 'exposure', change: 'widens', revert: 'narrows' };
}

export function bucketDiffOf(differences: readonly Pick<DriftDifference, 'detail'>[]): BucketDiff {
  const flags = differences.map(flagDetail).map(({ flag, live, desired }) => ({ flag, live, desired }));
  return { equal: flags.length === 0, flags, attributes: [] };
}

/**
 * The S3 bucket kind (DESIGN §5): its public access block, live (the Config item's
 * supplementaryConfiguration) against the code (`aws_s3_bucket_public_access_block` in state),
 * one difference per flag.
 */
export class S3BucketKind implements ResourceKind {
  readonly name = 's3-bucket';
  readonly configTypes = [S3_BUCKET];
  readonly cloudTrailEventNames: readonly string[] = S3_BUCKET_CALLS;

  analyze(
    live: JsonObject | null,
    desired: DesiredResource,
    context: { resourceId: string; supplementaryConfiguration?: Record<string, unknown> },
  ): Analysis {
    const want = desiredBlock(desired);
    // A deleted bucket has nothing to compare (and is never recreated).
    const now = live ? liveBlock(context.supplementaryConfiguration, context.resourceId) : want;
    const differences = flagDifferences(now, want, context.resourceId);
    const diff = bucketDiffOf(differences);
    const off = diff.flags.filter((f) => !f.live);
    const on = diff.flags.filter((f) => f.live);
    const warnings = (desired.attributes['warnings'] as string[] | undefined) ?? [];
    return {
      diff,
      differences,
      changeWidensExposure: off.length > 0,
      revertWidensExposure: on.length > 0,
      explanations: [
        ...off.map(
          (f) => `${f.flag} is off on bucket ${context.resourceId} (${desired.address}) while the code turns it on: reverting narrows`,
        ),
        ...on.map((f) => `${f.flag} is on on bucket ${context.resourceId} while the code turns it off: reverting would widen exposure`),
        ...warnings,
      ],
    };
  }

  callChanges(events: readonly CloudTrailEvent[]): Map<string, CallChanges | null> {
    const out = new Map<string, CallChanges | null>();
    for (const e of events) out.set(e.eventId, changesOf(e));
    return out;
  }

  diffOf(differences: readonly DriftDifference[]): BucketDiff {
    return bucketDiffOf(differences);
  }

  directions(groups: readonly (readonly CandidateDifference[])[]): Map<string, DifferenceDirection> {
    const out = new Map<string, DifferenceDirection>();
    for (const d of groups.flat()) out.set(d.id, flagDirection(d.detail as unknown as FlagDetail));
    return out;
  }
}

/** What a Put/DeleteBucketPublicAccessBlock set: each flag at its new value. */
function changesOf(e: CloudTrailEvent): CallChanges | null {
  if (e.errorCode) return null;
  if (e.eventName === 'DeleteBucketPublicAccessBlock') return { added: FLAGS.map((f) => flagKey(f, false)), removed: [] };
  if (e.eventName !== 'PutBucketPublicAccessBlock') return null;
  try {
    const given = e.requestParameters?.['PublicAccessBlockConfiguration'];
    if (given === undefined || given === null) throw new Error('PublicAccessBlockConfiguration is missing');
    const block = readPublicAccessBlock(given, `${e.eventName} requestParameters.PublicAccessBlockConfiguration`);
    return { added: FLAGS.map((f) => flagKey(f, block[f])), removed: [] };
  } catch (err) {
    return {
      added: [],
      removed: [],
      opaqueRemoval: `has request parameters driftwarden cannot read (${err instanceof Error ? err.message : String(err)})`,
    };
  }
}
