/**
 * The S3 bucket kind in the reconciling sweep (issue 17 §2): every bucket whose
 * `aws_s3_bucket_public_access_block` a covering stack declares, read with the call the executor
 * verifies with, `GetPublicAccessBlock`, one per bucket (S3 has no batch read), as the Config
 * item's shape: `configuration.name` and `supplementaryConfiguration.PublicAccessBlockConfiguration`
 * (absent when the bucket has none, as Config omits it). `NoSuchBucket`: gone. A bucket the
 * controller may not read is reported on its own; throttling and 5xx fail the batch (retried).
 */
import { GetPublicAccessBlockCommand } from '@aws-sdk/client-s3';
import { TransientError } from '@driftwarden/domain';
import { mapAwsError } from '@driftwarden/aws';
import type { LiveLocation, LiveResource, Pace } from '@driftwarden/pipeline';
import type { DesiredStateIndex } from '@driftwarden/terraform-state';
import type { ExecutorDeps, LiveDescriber, ReconcileHook } from '../kind';
import { stackScopes, sweptIn } from '../live-state.adapter';
import { checkBatch } from '../reconcile/paged-describe';
import type { S3ClientProvider } from './executor/s3-bucket-remediation.adapter';
import { API_NAMES, FLAGS, S3_BUCKET } from './model';
import { createS3BucketClientProvider } from './s3-clients';
import { bucketStateKind } from './state';

/** One call per bucket: 20 buckets per batch keeps a batch's progress and retries small. */
export const BUCKET_BATCH_SIZE = 20;

function awsCode(err: unknown): string {
  const e = err as { name?: unknown; Code?: unknown };
  return typeof e.Code === 'string' && e.Code !== '' ? e.Code : typeof e.name === 'string' ? e.name : 'Error';
}

export class BucketLiveReader implements LiveDescriber {
  constructor(private readonly clients: S3ClientProvider) {}

  async describeLive(location: LiveLocation, ids: readonly string[], pace?: Pace): Promise<LiveResource[]> {
    checkBatch(ids, BUCKET_BATCH_SIZE, 'buckets');
    const client = this.clients(location);
    const out: LiveResource[] = [];
    for (const bucket of ids) {
      await pace?.();
      const base = { id: bucket, arn: `arn:aws:s3:::${bucket}` };
      try {
        const answer = await client.send(new GetPublicAccessBlockCommand({ Bucket: bucket }));
        const c = answer.PublicAccessBlockConfiguration ?? {};
        out.push({
          ...base,
          exists: true,
          configuration: { name: bucket },
          supplementaryConfiguration: {
            PublicAccessBlockConfiguration: Object.fromEntries(FLAGS.map((f) => [f, c[API_NAMES[f]] === true])),
          },
          tags: {},
        });
      } catch (err) {
        const code = awsCode(err);
        if (code === 'NoSuchPublicAccessBlockConfiguration') {
          out.push({ ...base, exists: true, configuration: { name: bucket }, supplementaryConfiguration: {}, tags: {} });
          continue;
        }
        if (code === 'NoSuchBucket') {
          out.push({ id: bucket, exists: false, configuration: null, tags: {} });
          continue;
        }
        const mapped = mapAwsError(err, { service: 's3', operation: `GetPublicAccessBlock ${bucket}` });
        if (mapped instanceof TransientError) throw mapped;
        out.push({ ...base, exists: true, configuration: null, tags: {}, unreadable: mapped.message });
      }
    }
    return out;
  }
}

export const bucketReconcile: ReconcileHook = {
  configType: S3_BUCKET,
  batchSize: BUCKET_BATCH_SIZE,
  async managedIds(index: DesiredStateIndex, location: LiveLocation): Promise<string[]> {
    const { indexes } = await index.kindIndexes(bucketStateKind, location.account, location.region);
    const scopes = stackScopes(index);
    const ids = new Set<string>();
    for (const { stack, index: kept } of indexes) {
      for (const e of kept.entries()) if (sweptIn(e.location, scopes.get(stack), location)) ids.add(e.bucket);
    }
    return [...ids].sort();
  },
  describer: (deps: ExecutorDeps) =>
    new BucketLiveReader(
      createS3BucketClientProvider({
        requestTimeoutMs: deps.requestTimeoutMs,
        // One attempt per call: the sweep retries a batch itself, with back-off, under its rate limit.
        maxAttempts: 1,
        ...(deps.credentialsFor ? { credentialsFor: deps.credentialsFor } : {}),
      }),
    ),
};
