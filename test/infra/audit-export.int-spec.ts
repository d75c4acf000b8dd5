/**
 * infra/modules/audit-export (issue 16 §2): the bucket of the durable audit export, checked
 * without a terraform binary or an AWS account (support/terraform-module.ts evaluates the module
 * from HashiCorp's syntax tree): Object Lock as an option (write-once default retention, and
 * versioning it needs), private, encrypted, TLS only; the controller's policy writes and reads
 * under the prefix and can never delete.
 */
import { join, resolve } from 'node:path';
import { Instance, loadModule, ModuleEvaluator, type TerraformModule, type Value } from './support/terraform-module';

const MODULE = join(resolve(__dirname, '..', '..'), 'infra', 'modules', 'audit-export');
const INPUTS = { bucket_name: 'acme-driftwarden-audit', prefix: 'dw/' };
const KMS_KEY = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

async function single(ev: ModuleEvaluator, type: string, name: string): Promise<Instance> {
  const r = await ev.resource(type, name);
  if (!(r instanceof Instance)) throw new TypeError(`${type}.${name} is not a single instance`);
  return r;
}

describe('modules/audit-export', () => {
  let mod: TerraformModule;

  beforeAll(async () => {
    mod = await loadModule(MODULE);
  });

  it('without object_lock: a versioned, private, SSE-S3 bucket with no Object Lock', async () => {
    const ev = await ModuleEvaluator.create(mod, INPUTS);
    expect(await ev.validationErrors()).toEqual([]);
    const bucket = await single(ev, 'aws_s3_bucket', 'export');
    expect(await bucket.get('bucket')).toBe('acme-driftwarden-audit');
    expect(await bucket.get('object_lock_enabled')).toBe(false);
    expect(await ev.resourceInstances('aws_s3_bucket_object_lock_configuration', 'export')).toEqual([]);
    const versioning = await single(ev, 'aws_s3_bucket_versioning', 'export');
    expect(await versioning.get('versioning_configuration')).toEqual([{ status: 'Enabled' }]);
    const pab = await single(ev, 'aws_s3_bucket_public_access_block', 'export');
    for (const k of ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets'])
      expect(await pab.get(k)).toBe(true);
    const sse = await single(ev, 'aws_s3_bucket_server_side_encryption_configuration', 'export');
    expect(await sse.get('rule')).toEqual([
      { apply_server_side_encryption_by_default: [{ sse_algorithm: 'AES256', kms_master_key_id: null }], bucket_key_enabled: false },
    ]);
  });

  it('with object_lock: enabled at creation, default retention COMPLIANCE for the given days (write-once), after versioning', async () => {
    const ev = await ModuleEvaluator.create(mod, { ...INPUTS, object_lock: { mode: 'COMPLIANCE', days: 400 } });
    expect(await ev.validationErrors()).toEqual([]);
    expect(await (await single(ev, 'aws_s3_bucket', 'export')).get('object_lock_enabled')).toBe(true);
    const [lock] = await ev.resourceInstances('aws_s3_bucket_object_lock_configuration', 'export');
    expect(await lock.get('rule')).toEqual([{ default_retention: [{ mode: 'COMPLIANCE', days: 400 }] }]);
    expect(await lock.get('depends_on')).toBeDefined();
    const governance = await ModuleEvaluator.create(mod, { ...INPUTS, object_lock: { mode: 'GOVERNANCE', days: 30 } });
    const [g] = await governance.resourceInstances('aws_s3_bucket_object_lock_configuration', 'export');
    expect(await g.get('rule')).toEqual([{ default_retention: [{ mode: 'GOVERNANCE', days: 30 }] }]);
  });

  it('refuses a bad object_lock mode or retention, and a bad bucket name', async () => {
    const errors = async (inputs: Record<string, Value>) =>
      (await (await ModuleEvaluator.create(mod, inputs)).validationErrors()).map((e) => e.variable);
    expect(await errors({ ...INPUTS, object_lock: { mode: 'LEGAL_HOLD', days: 30 } })).toEqual(['object_lock']);
    expect(await errors({ ...INPUTS, object_lock: { mode: 'COMPLIANCE', days: 0 } })).toEqual(['object_lock']);
    expect(await errors({ ...INPUTS, bucket_name: 'Not_A_Bucket' })).toEqual(['bucket_name']);
  });

  it('SSE-KMS with a key; TLS-only bucket policy', async () => {
    const ev = await ModuleEvaluator.create(mod, { ...INPUTS, kms_key_arn: KMS_KEY });
    const sse = await single(ev, 'aws_s3_bucket_server_side_encryption_configuration', 'export');
    expect(await sse.get('rule')).toEqual([
      { apply_server_side_encryption_by_default: [{ sse_algorithm: 'aws:kms', kms_master_key_id: KMS_KEY }], bucket_key_enabled: true },
    ]);
    const policy = await ev.policyDocument('bucket');
    expect(policy.Statement).toEqual([
      expect.objectContaining({
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Action: ['s3:*'],
        Condition: { Bool: { 'aws:SecureTransport': ['false'] } },
      }),
    ]);
  });

  it("the controller's policy: put and get under the prefix, list the prefix, never delete", async () => {
    const ev = await ModuleEvaluator.create(mod, INPUTS);
    const policy = await ev.policyDocument('controller');
    const actions = policy.Statement.flatMap((s) => s.Action ?? []);
    expect(actions.sort()).toEqual(['s3:GetObject', 's3:ListBucket', 's3:PutObject']);
    expect(actions.some((a) => /Delete|\*/.test(a))).toBe(false);
    const objects = policy.Statement.find((s) => s.Sid === 'AuditExportObjects');
    expect(objects?.Resource).toEqual(['<computed:aws_s3_bucket.export.arn>/dw/*']);
    const list = policy.Statement.find((s) => s.Sid === 'AuditExportList');
    expect(list?.Condition).toEqual({ StringLike: { 's3:prefix': ['dw/*'] } });
  });
});
