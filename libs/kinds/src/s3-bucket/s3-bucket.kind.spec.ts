/**
 * The S3 bucket kind through its seam: the public access block of a real-shaped Config item
 * (object or JSON string) against the Terraform state, one difference per flag with its
 * direction, and what Put/DeleteBucketPublicAccessBlock calls set.
 */
import type { CloudTrailEvent } from '@driftwarden/domain';
import { readPublicAccessBlock } from './model';
import { S3BucketKind } from './s3-bucket.kind';
import { bucketEntry } from './state';

const BUCKET = 'acme-invoices';
const ON = { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true };

function desired() {
  const entry = bucketEntry({
    stack: 'storage',
    address: 'aws_s3_bucket_public_access_block.invoices',
    type: 'aws_s3_bucket_public_access_block',
    tainted: false,
    attributes: {
      id: BUCKET,
      bucket: BUCKET,
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    },
  })!;
  return { stack: entry.stack, address: entry.address, attributes: { publicAccessBlock: entry.block, warnings: [] } as never };
}

const supplementary = (block: unknown) => ({ BucketPolicy: { policyText: null }, PublicAccessBlockConfiguration: block });

let seq = 0;
function call(eventName: string, requestParameters: Record<string, unknown> | null): CloudTrailEvent {
  return {
    kind: 'cloudtrail',
    eventId: `ct-${eventName}-${++seq}`,
    eventName,
    eventSource: 's3.amazonaws.com',
    eventTime: '2026-12-04T17:00:00Z',
    account: '111122223333',
    region: 'eu-west-1',
    resourceIds: [BUCKET],
    principal: { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/developer/mallory' },
    requestParameters,
    responseElements: null,
    delivery: { transport: 'http' } as never,
  };
}

describe('s3-bucket kind', () => {
  const kind = new S3BucketKind();
  const live = { name: BUCKET, owner: { displayName: null, id: 'abc' }, creationDate: '2025-01-01T00:00:00.000Z' };

  it('equal when every flag matches, whether Config sends the block as an object or as a JSON string', () => {
    expect(kind.analyze(live, desired(), { resourceId: BUCKET, supplementaryConfiguration: supplementary(ON) }).differences).toEqual([]);
    expect(
      kind.analyze(live, desired(), { resourceId: BUCKET, supplementaryConfiguration: supplementary(JSON.stringify(ON)) }).differences,
    ).toEqual([]);
  });

  it('a flag turned off is a difference that widens exposure; reverting it narrows', () => {
    const a = kind.analyze(live, desired(), {
      resourceId: BUCKET,
      supplementaryConfiguration: supplementary(JSON.stringify({ ...ON, blockPublicPolicy: false })),
    });
    expect(a.differences.map((d) => [d.id, d.sentence])).toEqual([
      [
        'changed blockPublicPolicy=false',
        'turned off BlockPublicPolicy on bucket acme-invoices (no longer: public bucket policies are refused)',
      ],
    ]);
    expect(a.changeWidensExposure).toBe(true);
    expect(a.revertWidensExposure).toBe(false);
    expect(kind.directions([a.differences]).get('changed blockPublicPolicy=false')).toEqual({
      axis: 'exposure',
      change: 'widens',
      revert: 'narrows',
    });
    expect(kind.diffOf(a.differences as never)).toEqual({
      equal: false,
      flags: [{ flag: 'blockPublicPolicy', live: false, desired: true }],
      attributes: [],
    });
  });

  it('no PublicAccessBlockConfiguration in the item means no block: every flag off', () => {
    const a = kind.analyze(live, desired(), { resourceId: BUCKET, supplementaryConfiguration: { BucketPolicy: { policyText: null } } });
    expect(a.differences).toHaveLength(4);
  });

  it('a flag turned on where the code has it off narrows, and its revert widens (needs approval)', () => {
    const d = desired();
    (d.attributes as { publicAccessBlock: typeof ON }).publicAccessBlock = { ...ON, restrictPublicBuckets: false };
    const a = kind.analyze(live, d, { resourceId: BUCKET, supplementaryConfiguration: supplementary(ON) });
    expect(a.revertWidensExposure).toBe(true);
    expect(kind.directions([a.differences]).get(a.differences[0]!.id)).toEqual({ axis: 'exposure', change: 'narrows', revert: 'widens' });
  });

  it('refuses an item without supplementaryConfiguration, and a block it cannot read, saying where', () => {
    expect(() => kind.analyze(live, desired(), { resourceId: BUCKET })).toThrow(/carries no supplementaryConfiguration/);
    expect(() => readPublicAccessBlock('{"blockPublicAcls": tru', 'supplementaryConfiguration.PublicAccessBlockConfiguration')).toThrow(
      /supplementaryConfiguration\.PublicAccessBlockConfiguration: not valid JSON/,
    );
    expect(() => readPublicAccessBlock({ BlockPublicAcls: 'yes' }, 'x')).toThrow(/x\.BlockPublicAcls: expected true or false, got "yes"/);
  });

  it('maps PutBucketPublicAccessBlock (as CloudTrail logs it) and DeleteBucketPublicAccessBlock to the flag values they set', () => {
    const put = call('PutBucketPublicAccessBlock', {
      publicAccessBlock: '',
      bucketName: BUCKET,
      PublicAccessBlockConfiguration: {
        xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/',
        RestrictPublicBuckets: true,
        BlockPublicPolicy: false,
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
      },
      Host: `${BUCKET}.s3.eu-west-1.amazonaws.com`,
    });
    const del = call('DeleteBucketPublicAccessBlock', { publicAccessBlock: '', bucketName: BUCKET });
    const bad = call('PutBucketPublicAccessBlock', { bucketName: BUCKET });
    const changes = kind.callChanges([put, del, bad]);
    expect(changes.get(put.eventId)).toEqual({
      added: ['blockPublicAcls=true', 'ignorePublicAcls=true', 'blockPublicPolicy=false', 'restrictPublicBuckets=true'],
      removed: [],
    });
    expect(changes.get(del.eventId)?.added).toEqual([
      'blockPublicAcls=false',
      'ignorePublicAcls=false',
      'blockPublicPolicy=false',
      'restrictPublicBuckets=false',
    ]);
    expect(changes.get(bad.eventId)).toMatchObject({
      added: [],
      opaqueRemoval: expect.stringMatching(/PublicAccessBlockConfiguration is missing/) as string,
    });
  });
});
