/**
 * The S3 bucket executor against the S3 sandbox over HTTP (the real SDK client): puts back exactly
 * the reverted flags with one fenced PutPublicAccessBlock, writes nothing when they already match,
 * verifies by re-reading; and every external failure mode.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { PermanentError, TransientError, type DriftDifference, type DriftRecord } from '@driftwarden/domain';
import { FreezeRecordedError } from '@driftwarden/pipeline';
import { S3Sandbox } from '@driftwarden/sandbox/testing';
import { flagDifferences } from '../s3-bucket.kind';
import type { PublicAccessBlock } from '../model';
import { S3BucketRemediation } from './s3-bucket-remediation.adapter';

const BUCKET = 'acme-invoices';
const KEY = 'AKIDS3SANDBOX01';
const SELF = 'arn:aws:sts::111122223333:assumed-role/driftwarden/worker';
const ON: PublicAccessBlock = { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true };
const OFF: PublicAccessBlock = { blockPublicAcls: false, ignorePublicAcls: false, blockPublicPolicy: false, restrictPublicBuckets: false };

function drift(live: PublicAccessBlock, desired: PublicAccessBlock): { record: DriftRecord; differences: DriftDifference[] } {
  const at = '2026-12-04T17:00:00.000Z';
  const differences = flagDifferences(live, desired, BUCKET).map((c): DriftDifference => ({
    ...c,
    direction: { axis: 'exposure', change: 'widens', revert: 'narrows' },
    madeBy: { source: 'config-item', principal: { arn: null, class: 'unknown' }, at, configEventId: 'ci_1' },
    decision: { action: 'revert', rule: 6, reason: 'unauthorized drift', at },
    firstSeen: { at, eventId: 'ci_1' },
  }));
  return {
    differences,
    record: {
      id: `drift-${BUCKET}`,
      status: 'reverting',
      dryRun: false,
      resource: { type: 'AWS::S3::Bucket', id: BUCKET, account: '111122223333', region: 'eu-west-1' },
      decision: { action: 'revert', rule: 6, reason: 'unauthorized drift' },
      principal: { arn: null, class: 'unknown' },
      changedAt: at,
      detectedAt: at,
      updatedAt: at,
      diff: { equal: false, flags: [], attributes: [] } as never,
      differences,
      evidence: { eventIds: ['ci_1'], configurationStateId: 1, captureTime: at, rule: 6, apiCalls: [] },
      links: {},
    },
  };
}

describe('S3BucketRemediation (S3 sandbox over HTTP)', () => {
  let sandbox: S3Sandbox;
  let client: S3Client;
  let remediation: S3BucketRemediation;
  let fences = 0;
  const fence = () => {
    fences++;
    return Promise.resolve();
  };

  beforeEach(async () => {
    sandbox = await S3Sandbox.start({ principals: { [KEY]: SELF } });
    client = new S3Client({
      region: 'eu-west-1',
      endpoint: sandbox.url,
      credentials: { accessKeyId: KEY, secretAccessKey: 'sandbox-only-secret' },
      maxAttempts: 1,
      requestHandler: { requestTimeout: 1_000, throwOnRequestTimeout: true },
    });
    remediation = new S3BucketRemediation(() => client);
    fences = 0;
  });
  afterEach(async () => {
    client.destroy();
    await sandbox.close();
  });

  it('turns a flag someone turned off back on, keeps the others as they are live, and verifies', async () => {
    sandbox.addBucket(BUCKET, { ...ON, blockPublicPolicy: false, restrictPublicBuckets: false });
    const { record, differences } = drift({ ...ON, blockPublicPolicy: false, restrictPublicBuckets: false }, ON);
    // Only BlockPublicPolicy is decided `revert`; RestrictPublicBuckets stays as it is.
    const result = await remediation.revert(
      record,
      fence,
      differences.filter((d) => d.key.startsWith('blockPublicPolicy')),
    );
    expect(result.verified).toBe(true);
    expect(sandbox.block(BUCKET)).toEqual({ ...ON, restrictPublicBuckets: false });
    expect(result.apiCalls.map((c) => c.operation)).toEqual(['GetPublicAccessBlock', 'PutPublicAccessBlock', 'GetPublicAccessBlock']);
    expect(result.afterState).toEqual(expect.objectContaining({ verified: true, source: 's3:GetPublicAccessBlock' }));
    expect(fences).toBe(1);
    expect(sandbox.writeCalls()[0]?.principalArn).toBe(SELF);
  });

  it('a bucket without a block (NoSuchPublicAccessBlockConfiguration) is read as every flag off, and gets the code’s block', async () => {
    sandbox.addBucket(BUCKET, null);
    const { record, differences } = drift(OFF, ON);
    expect((await remediation.revert(record, fence, differences)).verified).toBe(true);
    expect(sandbox.block(BUCKET)).toEqual(ON);
  });

  it('is idempotent: when the flags already have the code’s values nothing is written', async () => {
    sandbox.addBucket(BUCKET, ON);
    const { record, differences } = drift({ ...ON, blockPublicAcls: false }, ON);
    const result = await remediation.revert(record, fence, differences);
    expect(result.verified).toBe(true);
    expect(sandbox.writeCalls()).toEqual([]);
    expect(fences).toBe(0);
  });

  it('a freeze recorded before the write stops it', async () => {
    sandbox.addBucket(BUCKET, OFF);
    const { record, differences } = drift(OFF, ON);
    await expect(remediation.revert(record, () => Promise.reject(new FreezeRecordedError('frozen')), differences)).rejects.toBeInstanceOf(
      FreezeRecordedError,
    );
    expect(sandbox.writeCalls()).toEqual([]);
    expect(sandbox.block(BUCKET)).toEqual(OFF);
  });

  it('a bucket that no longer exists fails for good (never recreated)', async () => {
    const { record, differences } = drift(OFF, ON);
    await expect(remediation.revert(record, fence, differences)).rejects.toMatchObject({ code: 's3_bucket_not_found' });
  });

  it('unverified when the write did not stick (someone turned it off again at once), with what it read', async () => {
    sandbox.addBucket(BUCKET, OFF);
    const off = sandbox.onChange((c) => {
      if (c.principalArn === SELF) sandbox.setBlock(BUCKET, OFF, 'arn:aws:sts::111122223333:assumed-role/developer/mallory');
    });
    const { record, differences } = drift(OFF, ON);
    const result = await remediation.revert(record, fence, differences);
    off();
    expect(result.verified).toBe(false);
    expect(result.afterState).toMatchObject({
      verified: false,
      publicAccessBlock: OFF,
      remaining: ['blockPublicAcls', 'ignorePublicAcls', 'blockPublicPolicy', 'restrictPublicBuckets'],
    });
  });

  it.each([
    ['throttled (503 SlowDown)', { code: 'SlowDown', status: 503 }, 's3_throttled', TransientError],
    ['a 500', { code: 'InternalError', status: 500 }, 's3_server_error', TransientError],
    ['denied (403 AccessDenied)', { code: 'AccessDenied', status: 403 }, 's3_access_denied', PermanentError],
    ['no answer (timeout)', { network: 'hang' as const }, 's3_timeout', TransientError],
  ])('a write that fails with %s is classified, with the calls so far kept', async (_n, failure, code, type) => {
    sandbox.addBucket(BUCKET, OFF);
    sandbox.failNext('PutPublicAccessBlock', failure);
    const { record, differences } = drift(OFF, ON);
    const err = (await remediation.revert(record, fence, differences).catch((x: unknown) => x)) as Error & {
      code: string;
      apiCalls: unknown[];
    };
    expect(err).toBeInstanceOf(type);
    expect(err.code).toBe(code);
    expect(err.apiCalls).toHaveLength(2);
    if (code === 's3_access_denied') expect(err.message).toMatch(/grant s3:PutBucketPublicAccessBlock/);
  });

  it('a malformed answer to the read is a failure, not "no block"', async () => {
    sandbox.addBucket(BUCKET, OFF);
    sandbox.failNext('GetPublicAccessBlock', { code: 'InternalError', status: 500, message: '<<not xml' });
    const { record, differences } = drift(OFF, ON);
    await expect(remediation.revert(record, fence, differences)).rejects.toBeInstanceOf(TransientError);
    expect(sandbox.writeCalls()).toEqual([]);
  });
});
