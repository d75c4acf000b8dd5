/**
 * RemediationPort over the S3 API for a bucket's public access block (DESIGN §5): puts back the
 * code's value of exactly the flags decided `revert`, and verifies by reading the block again.
 *
 * 1. `GetPublicAccessBlock` (NoSuchPublicAccessBlockConfiguration: every flag off; NoSuchBucket:
 *    a permanent failure, a bucket is never recreated).
 * 2. If a reverted flag differs: one `PutPublicAccessBlock` with the live block and the reverted
 *    flags set to the code's values (the other flags keep their live value), preceded by its own
 *    `await fence()` (DESIGN §1 rule 4). Nothing to change: no write (idempotent).
 * 3. `GetPublicAccessBlock` again: `verified` when every reverted flag has the code's value.
 *
 * It never deletes the block, nor touches the bucket's policy, ACL or anything else.
 */
import { GetPublicAccessBlockCommand, PutPublicAccessBlockCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  PermanentError,
  TransientError,
  type ApiCallRecord,
  type DriftDifference,
  type DriftRecord,
  type JsonObject,
} from '@driftwarden/domain';
import { classifyAwsError, mapAwsError } from '@driftwarden/aws';
import { RemediationPort, type Fence, type RevertResult } from '@driftwarden/pipeline';
import { ApiCallLog } from '../../api-call-log';
import { bucketDiffOf } from '../s3-bucket.kind';
import { API_NAMES, FLAGS, NO_BLOCK, S3_BUCKET, type BucketAfterState, type BucketDiff, type Flag, type PublicAccessBlock } from '../model';

/** Everything the adapter may call (the IAM actions are `s3:GetBucketPublicAccessBlock` and `s3:PutBucketPublicAccessBlock`). */
export const S3_BUCKET_REMEDIATION_OPERATIONS = ['GetPublicAccessBlock', 'PutPublicAccessBlock'] as const;
export type S3BucketOperation = (typeof S3_BUCKET_REMEDIATION_OPERATIONS)[number];
/** IAM names the S3 operations differently from the SDK. */
export const S3_BUCKET_IAM_ACTIONS = ['s3:GetBucketPublicAccessBlock', 's3:PutBucketPublicAccessBlock'] as const;
export const S3_AFTER_STATE_SOURCE = 's3:GetPublicAccessBlock';

/** The S3 client of a resource's account and region. */
export type S3ClientProvider = (location: { account: string; region: string }) => S3Client;

export class S3BucketRemediation extends RemediationPort {
  private readonly clock: () => Date;

  constructor(
    private readonly clients: S3ClientProvider,
    options: { clock?: () => Date } = {},
  ) {
    super();
    this.clock = options.clock ?? (() => new Date());
  }

  async revert(
    drift: DriftRecord,
    fence: Fence,
    differences?: readonly DriftDifference[],
  ): Promise<RevertResult & { afterState: BucketAfterState }> {
    const diff: BucketDiff = differences ? bucketDiffOf(differences) : (drift.diff as unknown as BucketDiff);
    const { type, id: bucket, account, region } = drift.resource;
    if (type !== S3_BUCKET) {
      throw new PermanentError(
        `cannot revert ${drift.id}: the S3 bucket executor handles ${S3_BUCKET}, not ${type}`,
        's3_unsupported_resource',
      );
    }
    if (!region) throw new PermanentError(`cannot revert ${drift.id}: the drift names no region`, 's3_region_missing');
    const session = new S3Session(this.clients({ account, region }), bucket, this.clock);
    const want = new Map<Flag, boolean>((diff.flags ?? []).map((f) => [f.flag, f.desired]));

    const before = await session.get();
    const target: PublicAccessBlock = { ...before };
    for (const [flag, value] of want) target[flag] = value;
    if (FLAGS.some((f) => target[f] !== before[f])) await session.put(fence, target);

    const after = await session.get();
    const remaining = [...want.entries()].filter(([flag, value]) => after[flag] !== value).map(([flag]) => flag);
    const afterState: BucketAfterState = {
      at: this.clock().toISOString(),
      source: S3_AFTER_STATE_SOURCE,
      verified: remaining.length === 0,
      publicAccessBlock: after,
      ...(remaining.length ? { remaining } : {}),
    };
    return { verified: remaining.length === 0, apiCalls: session.apiCalls, afterState };
  }
}

class S3Session {
  private readonly log: ApiCallLog<S3BucketOperation>;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    clock: () => Date,
  ) {
    this.log = new ApiCallLog('s3', clock, {
      recorded: (err) => ({ code: s3ErrorCode(err), message: err instanceof Error ? err.message : String(err) }),
      code: s3ErrorCode,
      fail: (err, operation, apiCalls) => s3Failure(err, operation, bucket, apiCalls),
    });
  }

  get apiCalls(): ApiCallRecord[] {
    return this.log.apiCalls;
  }

  async get(): Promise<PublicAccessBlock> {
    const input = { Bucket: this.bucket };
    const out = await this.log.call(
      'GetPublicAccessBlock',
      input,
      () => this.client.send(new GetPublicAccessBlockCommand(input)),
      (o) => ({ ...(o.PublicAccessBlockConfiguration as JsonObject | undefined) }),
      { NoSuchPublicAccessBlockConfiguration: 'no_configuration' },
    );
    if (!out.ok) return { ...NO_BLOCK };
    const c = out.output.PublicAccessBlockConfiguration ?? {};
    const block = { ...NO_BLOCK };
    for (const f of FLAGS) block[f] = c[API_NAMES[f]] === true;
    return block;
  }

  async put(fence: Fence, block: PublicAccessBlock): Promise<void> {
    const input = {
      Bucket: this.bucket,
      PublicAccessBlockConfiguration: Object.fromEntries(FLAGS.map((f) => [API_NAMES[f], block[f]])),
    };
    await fence();
    await this.log.call(
      'PutPublicAccessBlock',
      input,
      () => this.client.send(new PutPublicAccessBlockCommand(input)),
      () => ({ outcome: 'put' }),
    );
  }
}

/** An S3 failure's code: the service's `Code`, else the error's name. */
function s3ErrorCode(err: unknown): string {
  const name = typeof (err as { name?: unknown }).name === 'string' ? (err as { name: string }).name : 'Error';
  const code = (err as { Code?: unknown }).Code;
  return typeof code === 'string' && code !== '' ? code : name;
}

/** An S3 failure not tolerated → PermanentError (a missing bucket, access, validation) or TransientError, carrying the calls so far. */
function s3Failure(err: unknown, operation: string, bucket: string, apiCalls: ApiCallRecord[]): Error {
  if (s3ErrorCode(err) === 'NoSuchBucket') {
    return Object.assign(
      new PermanentError(
        `s3 ${operation} on ${bucket} failed: the bucket does not exist (deleted?); driftwarden never recreates a bucket`,
        's3_bucket_not_found',
        { cause: err },
      ),
      { apiCalls },
    );
  }
  const mapped = mapAwsError(err, { service: 's3', operation });
  const kind = classifyAwsError(err);
  const message =
    kind === 'access_denied'
      ? `${mapped.message} (grant s3:${operation === 'GetPublicAccessBlock' ? 'GetBucketPublicAccessBlock' : 'PutBucketPublicAccessBlock'} to the controller's role, see infra/)`
      : mapped.message;
  const error =
    mapped instanceof TransientError
      ? new TransientError(`${message} [bucket ${bucket}]`, mapped.code, { cause: err })
      : new PermanentError(`${message} [bucket ${bucket}]`, mapped.code, { cause: err });
  return Object.assign(error, { apiCalls });
}
