import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { PermanentError, TransientError } from '@driftwarden/domain';
import type { LiveBatch, ManagedBatchSource } from '@driftwarden/pipeline';
import { ConfigAggregatorSandbox } from '@driftwarden/sandbox/testing';
import { AGGREGATE_BATCH_SIZE, AggregatorLiveState, MAX_UNPROCESSED_ROUNDS } from './aggregator-live-state';

const A = '111122223333';
const B = '444455556666';
const SG = 'AWS::EC2::SecurityGroup';
const BUCKET = 'AWS::S3::Bucket';
const settings = { name: 'org-aggregator', region: 'eu-west-1', callsPerSecond: 2 };

const sg = (i: number) => `sg-${String(i).padStart(17, '0')}`;

describe('AggregatorLiveState against a Config stand-in over HTTP (JSON 1.1)', () => {
  let config: ConfigAggregatorSandbox;
  let client: ConfigServiceClient;
  let live: AggregatorLiveState;
  let paced = 0;
  const pace = async () => {
    paced++;
  };
  const sources: ManagedBatchSource[] = [
    { location: { account: A, region: 'eu-west-1' }, type: SG, ids: Array.from({ length: 150 }, (_, i) => sg(i)) },
    { location: { account: B, region: 'us-east-1' }, type: SG, ids: Array.from({ length: 60 }, (_, i) => sg(1000 + i)) },
    { location: { account: B, region: 'us-east-1' }, type: BUCKET, ids: ['acme-invoices'] },
  ];
  const batch = (resources: LiveBatch['resources']): LiveBatch => ({ limiter: 'aggregator', resources });
  const one = (id: string, account = A, region = 'eu-west-1', type = SG) => batch([{ location: { account, region }, type, id }]);

  beforeAll(async () => {
    config = await ConfigAggregatorSandbox.start({ aggregatorName: settings.name });
    for (const s of sources.filter((x) => x.type === SG))
      for (const id of s.ids)
        config.record({
          account: s.location.account,
          region: s.location.region,
          resourceType: SG,
          resourceId: id,
          arn: `arn:aws:ec2:${s.location.region}:${s.location.account}:security-group/${id}`,
          configuration: { groupId: id, ipPermissions: [], ipPermissionsEgress: [], tags: [{ key: 'team', value: 'web' }] },
        });
    config.record({
      account: B,
      region: 'us-east-1',
      resourceType: BUCKET,
      resourceId: 'acme-invoices',
      configuration: { name: 'acme-invoices' },
      supplementaryConfiguration: { PublicAccessBlockConfiguration: { blockPublicAcls: true, ignorePublicAcls: true } },
    });
    client = new ConfigServiceClient({
      region: settings.region,
      endpoint: config.url,
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    live = new AggregatorLiveState({ managed: async () => sources }, client, settings);
  });
  afterAll(async () => {
    client.destroy();
    await config.close();
  });
  beforeEach(() => {
    paced = 0;
  });

  it('batches up to 100 resources of any type, account and region, one limit for the aggregator', async () => {
    const plan = live.plan(await live.managed());
    expect(plan.map((b) => b.resources.length)).toEqual([100, 100, 11]);
    expect(new Set(plan.map((b) => b.limiter))).toEqual(new Set(['aggregator:eu-west-1/org-aggregator']));
    expect(plan[0].callsPerSecond).toBe(2);
    // The second batch mixes accounts, regions and types.
    expect(new Set(plan[1].resources.map((r) => `${r.location.account}/${r.type}`))).toEqual(new Set([`${A}/${SG}`, `${B}/${SG}`]));

    const before = config.batchGets().length;
    const answers = await live.describe(plan[2], pace);
    const calls = config.batchGets().slice(before);
    expect(calls).toHaveLength(1);
    expect(paced).toBe(1);
    expect(calls[0].aggregator).toBe('org-aggregator');
    expect(calls[0].identifiers[10]).toEqual({
      SourceAccountId: B,
      SourceRegion: 'us-east-1',
      ResourceId: 'acme-invoices',
      ResourceType: BUCKET,
    });
    expect(answers.map((a) => a.id)).toEqual(plan[2].resources.map((r) => r.id));
    // configuration: parsed from Config's JSON string; tags from it; the supplementary values kept as Config gives them.
    expect(answers[0]).toMatchObject({ exists: true, configuration: { groupId: sg(1050) }, tags: { team: 'web' } });
    expect(answers[10]).toMatchObject({
      exists: true,
      configuration: { name: 'acme-invoices' },
      supplementaryConfiguration: { PublicAccessBlockConfiguration: '{"blockPublicAcls":true,"ignorePublicAcls":true}' },
    });
  });

  it('asks again for the identifiers Config left unprocessed, each call paced', async () => {
    const plan = live.plan(await live.managed());
    config.failNext({ unprocessed: 30 });
    config.failNext({ unprocessed: 5 });
    const before = config.batchGets().length;
    const answers = await live.describe(plan[0], pace);
    expect(
      config
        .batchGets()
        .slice(before)
        .map((c) => c.identifiers.length),
    ).toEqual([100, 30, 5]);
    expect(paced).toBe(3);
    expect(answers.every((a) => a.exists && a.unreadable === undefined)).toBe(true);
  });

  it('identifiers left unprocessed every time fail the batch as transient (the sweep retries it with back-off)', async () => {
    config.failNext({ unprocessed: 1 }, MAX_UNPROCESSED_ROUNDS);
    const err = await live.describe(one(sg(1)), pace).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).code).toBe('config_aggregate_unprocessed');
    expect(paced).toBe(MAX_UNPROCESSED_ROUNDS);
  });

  it('throttling (400 ThrottlingException), 5xx and a body that is not JSON are transient; an unknown aggregator is permanent', async () => {
    config.failNext({ type: 'ThrottlingException', status: 400, message: 'Rate exceeded' });
    const throttled = await live.describe(one(sg(1)), pace).catch((e: unknown) => e);
    expect(throttled).toBeInstanceOf(TransientError);
    expect((throttled as TransientError).code).toBe('config_throttled');

    config.failNext({ type: 'InternalFailure', status: 500 });
    const server = await live.describe(one(sg(1)), pace).catch((e: unknown) => e);
    expect(server).toBeInstanceOf(TransientError);
    expect((server as TransientError).code).toBe('config_server_error');

    config.failNext({ malformed: true });
    const malformed = await live.describe(one(sg(1)), pace).catch((e: unknown) => e);
    expect(malformed).toBeInstanceOf(TransientError);
    expect((malformed as Error).message).toContain('BatchGetAggregateResourceConfig (aggregator org-aggregator)');

    const other = new AggregatorLiveState({ managed: async () => [] }, client, { ...settings, name: 'no-such-aggregator' });
    const missing = await other.describe(one(sg(1)), pace).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(PermanentError);
    expect((missing as Error).message).toContain('NoSuchConfigurationAggregatorException');
  });

  it('deleted is gone; not recorded, or a configuration that is not JSON, is unreadable (never "gone")', async () => {
    config.record({
      account: A,
      region: 'eu-west-1',
      resourceType: SG,
      resourceId: 'sg-0dead',
      status: 'ResourceDeleted',
      configuration: null,
    });
    config.record({ account: A, region: 'eu-west-1', resourceType: SG, resourceId: 'sg-0bad', configuration: '{"groupId": ' });
    config.record({
      account: A,
      region: 'eu-west-1',
      resourceType: SG,
      resourceId: 'sg-0unrec',
      status: 'ResourceNotRecorded',
      configuration: null,
    });
    const answers = await live.describe(
      batch(
        ['sg-0dead', 'sg-0bad', 'sg-0unrec', 'sg-0never'].map((id) => ({ location: { account: A, region: 'eu-west-1' }, type: SG, id })),
      ),
      pace,
    );
    expect(answers[0]).toMatchObject({ id: 'sg-0dead', exists: false });
    expect(answers[0].unreadable).toBeUndefined();
    expect(answers[1].unreadable).toMatch(/configuration is not valid JSON/);
    expect(answers[2].unreadable).toMatch(/ResourceNotRecorded/);
    expect(answers[3].unreadable).toMatch(/has no configuration item of AWS::EC2::SecurityGroup sg-0never in 111122223333\/eu-west-1/);
  });

  it('refuses a batch larger than the API takes', async () => {
    const big = batch(
      Array.from({ length: AGGREGATE_BATCH_SIZE + 1 }, (_, i) => ({ location: { account: A, region: 'eu-west-1' }, type: SG, id: sg(i) })),
    );
    await expect(live.describe(big, pace)).rejects.toThrow('at most 100 resources per BatchGetAggregateResourceConfig, got 101');
  });
});
