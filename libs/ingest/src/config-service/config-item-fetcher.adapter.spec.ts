import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import {
  type BaseConfigurationItem,
  BatchGetResourceConfigCommand,
  ConfigServiceClient,
  ConfigServiceServiceException,
} from '@aws-sdk/client-config-service';
import { GetObjectCommand, type GetObjectCommandOutput, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { type ConfigItemEvent, PermanentError, TransientError } from '@driftwarden/domain';
import { mockClient } from 'aws-sdk-client-mock';
import { bareNotification, deletePath, sample, setPath, type JsonObject } from '../../test/samples';
import { normalizeDelivery } from '../normalize/normalize';
import { AwsConfigItemFetcher, splitS3Location, tagsFrom, type ConfigItemFetcherOptions } from './config-item-fetcher.adapter';
import { needsCompletion } from './config-item-fetcher.port';

const SG = 'sg-0abc1234def567890';
const STATE_ID = 1741086000101;
const BUCKET = 'config-bucket-111122223333';
const KEY =
  'AWSLogs/111122223333/Config/eu-west-1/2025/3/4/OversizedChangeNotification/AWS::EC2::SecurityGroup/sg-0abc1234def567890/111122223333_Config_eu-west-1_ChangeNotification_AWS::EC2::SecurityGroup_sg-0abc1234def567890_20250304T110000Z_1741086000101.json.gz';

const configMock = mockClient(ConfigServiceClient);
const s3Mock = mockClient(S3Client);

/** The SG configuration of the sample, as the full (non-oversized) item would carry it. */
function fullConfiguration(): Record<string, unknown> {
  return (bareNotification('config-item-change')['configurationItem'] as JsonObject)['configuration'] as Record<string, unknown>;
}

function oversizedEvent(mutate: (raw: JsonObject) => void = () => undefined): ConfigItemEvent {
  const raw = sample('config-item-oversized');
  mutate(raw);
  const result = normalizeDelivery(raw, { transport: 'sqs', receivedAt: '2025-03-04T11:00:03.000Z' });
  if (!result.ok || result.events[0]?.kind !== 'config_item') throw new Error('sample did not normalise');
  return result.events[0];
}

function apiItem(overrides: Partial<BaseConfigurationItem> = {}): BaseConfigurationItem {
  return {
    version: '1.3',
    accountId: '111122223333',
    configurationItemCaptureTime: new Date('2025-03-04T11:00:00.101Z'),
    configurationItemStatus: 'OK',
    configurationStateId: String(STATE_ID),
    arn: `arn:aws:ec2:eu-west-1:111122223333:security-group/${SG}`,
    resourceType: 'AWS::EC2::SecurityGroup',
    resourceId: SG,
    resourceName: 'web-sg',
    awsRegion: 'eu-west-1',
    availabilityZone: 'Not Applicable',
    configuration: JSON.stringify(fullConfiguration()),
    supplementaryConfiguration: {},
    ...overrides,
  };
}

/** What Config writes to S3 for an oversized notification: the full notification, gzipped. */
function s3Notification(stateId = STATE_ID, resourceId = SG): JsonObject {
  const n = bareNotification('config-item-change');
  setPath(n, ['configurationItem', 'configurationStateId'], stateId);
  setPath(n, ['configurationItem', 'resourceId'], resourceId);
  setPath(n, ['configurationItem', 'tags'], { team: 'payments', env: 'prod' });
  return n;
}

function s3Body(bytes: Uint8Array): NonNullable<GetObjectCommandOutput['Body']> {
  return Object.assign(Readable.from([Buffer.from(bytes)]), {
    transformToByteArray: async () => bytes,
    transformToString: async (encoding?: string) => Buffer.from(bytes).toString((encoding ?? 'utf8') as BufferEncoding),
    transformToWebStream: (): never => {
      throw new Error('not used');
    },
  });
}

function serviceError(name: string, status: number): ConfigServiceServiceException {
  return new ConfigServiceServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message: `${name} message`,
  });
}

function makeFetcher(options: ConfigItemFetcherOptions = { allowedBuckets: [BUCKET] }) {
  const provided: Array<{ account: string; region: string }> = [];
  const configClient = new ConfigServiceClient({ region: 'eu-west-1' });
  const fetcher = new AwsConfigItemFetcher(
    {
      configService: (location) => {
        provided.push(location);
        return configClient;
      },
      s3: new S3Client({ region: 'eu-west-1' }),
    },
    options,
  );
  return { fetcher, provided };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error(`rejected with a non-Error: ${String(err)}`, { cause: err });
  }
  throw new Error('expected a rejection');
}

beforeEach(() => {
  configMock.reset();
  s3Mock.reset();
});

describe('AwsConfigItemFetcher', () => {
  it('fills configuration and tags from BatchGetResourceConfig when the state id matches', async () => {
    configMock.on(BatchGetResourceConfigCommand).resolves({ baseConfigurationItems: [apiItem()], unprocessedResourceKeys: [] });
    const { fetcher, provided } = makeFetcher();
    const event = oversizedEvent();

    const completed = await fetcher.complete(event);

    expect(completed).toEqual({ ...event, configuration: fullConfiguration(), tags: { team: 'payments' } });
    expect(needsCompletion(completed)).toBe(false);
    expect(provided).toEqual([{ account: '111122223333', region: 'eu-west-1' }]);
    expect(configMock.commandCalls(BatchGetResourceConfigCommand).map((c) => c.args[0].input)).toEqual([
      { resourceKeys: [{ resourceType: 'AWS::EC2::SecurityGroup', resourceId: SG }] },
    ]);
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it('takes tags from supplementaryConfiguration.Tags (a JSON string) when present', async () => {
    const supplementaryConfiguration = { Tags: JSON.stringify([{ key: 'owner', value: 'alice' }]) };
    configMock.on(BatchGetResourceConfigCommand).resolves({ baseConfigurationItems: [apiItem({ supplementaryConfiguration })] });
    const completed = await makeFetcher().fetcher.complete(oversizedEvent());
    expect(completed.tags).toEqual({ owner: 'alice' });
  });

  it('passes the abort signal to the SDK', async () => {
    configMock.on(BatchGetResourceConfigCommand).resolves({ baseConfigurationItems: [apiItem()] });
    const controller = new AbortController();
    await makeFetcher().fetcher.complete(oversizedEvent(), { signal: controller.signal });
    // sinon types `args` as the command only; the SDK's send(command, options) passes both.
    const args: unknown[] = configMock.call(0).args;
    expect(args[1]).toEqual({ abortSignal: controller.signal });
  });

  it('state id mismatch with an S3 location: fetches the exact item from S3 (gzipped JSON)', async () => {
    configMock.on(BatchGetResourceConfigCommand).resolves({
      baseConfigurationItems: [apiItem({ configurationStateId: String(STATE_ID + 5000), configuration: '{"groupId":"newer"}' })],
    });
    s3Mock.on(GetObjectCommand).resolves({ Body: s3Body(gzipSync(JSON.stringify(s3Notification()))) });
    const event = oversizedEvent();

    const completed = await makeFetcher().fetcher.complete(event);

    expect(s3Mock.commandCalls(GetObjectCommand).map((c) => c.args[0].input)).toEqual([{ Bucket: BUCKET, Key: KEY }]);
    expect(completed).toEqual({
      ...event,
      configuration: fullConfiguration(),
      tags: { team: 'payments', env: 'prod' },
      changedProperties: ['Configuration.IpPermissions.1'],
      // The S3 copy carries the diff itself too (what the observed kind reads).
      propertyChanges: {
        'Configuration.IpPermissions.1': expect.objectContaining({ changeType: 'CREATE', previousValue: null }) as unknown,
      },
    });
  });

  it('never reads a bucket that is not a configured delivery bucket (the location comes from the event): as if no copy were named', async () => {
    configMock.on(BatchGetResourceConfigCommand).resolves({ baseConfigurationItems: [] });
    s3Mock.on(GetObjectCommand).resolves({ Body: s3Body(gzipSync(JSON.stringify(s3Notification()))) });
    for (const options of [{}, { allowedBuckets: ['another-bucket'] }]) {
      const err = await rejection(makeFetcher(options).fetcher.complete(oversizedEvent()));
      expect(err).toBeInstanceOf(PermanentError);
      expect(err.message).toContain(`it names s3://${BUCKET}/`);
      expect(err.message).toContain('not listed in ingest.configDeliveryBuckets');
    }
    // A location naming the state bucket (say) is not read either.
    const elsewhere = oversizedEvent((raw) =>
      setPath(raw, ['detail', 's3DeliverySummary', 's3BucketLocation'], 'tf-state/network/terraform.tfstate'),
    );
    await rejection(makeFetcher().fetcher.complete(elsewhere));
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it('refuses an S3 object larger than the limit without reading it, and a gzip bomb once it decompresses past the limit', async () => {
    configMock.on(BatchGetResourceConfigCommand).resolves({ baseConfigurationItems: [] });
    s3Mock.on(GetObjectCommand).resolves({ Body: s3Body(Buffer.from('{}')), ContentLength: 65 * 1024 * 1024 });
    const big = await rejection(makeFetcher().fetcher.complete(oversizedEvent()));
    expect(big).toBeInstanceOf(PermanentError);
    expect(big.message).toMatch(/is 68157440 bytes, more than the 67108864 read for one configuration item/);

    // 1 KiB of gzip that expands to 8 MiB of spaces, against a 1 MiB limit.
    const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x20));
    s3Mock.on(GetObjectCommand).resolves({ Body: s3Body(bomb), ContentLength: bomb.length });
    const exploded = await rejection(
      makeFetcher({ allowedBuckets: [BUCKET], maxDocumentBytes: 1024 * 1024 }).fetcher.complete(oversizedEvent()),
    );
    expect(exploded).toBeInstanceOf(PermanentError);
    expect(exploded.message).toMatch(/decompresses to more than 1048576 bytes; not read/);
  });

  it('accepts an S3 object that is plain (already decompressed) JSON', async () => {
    configMock.on(BatchGetResourceConfigCommand).resolves({ baseConfigurationItems: [] });
    s3Mock.on(GetObjectCommand).resolves({ Body: s3Body(Buffer.from(JSON.stringify(s3Notification()))) });
    const completed = await makeFetcher().fetcher.complete(oversizedEvent());
    expect(completed.configuration).toEqual(fullConfiguration());
  });

  it.each([
    { name: 'older (Config has not caught up)', stateId: STATE_ID - 1, type: TransientError, code: 'config_item_not_yet_available' },
    { name: 'newer (superseded)', stateId: STATE_ID + 1, type: PermanentError, code: 'config_item_superseded' },
  ])('state id mismatch without an S3 location: API item $name', async ({ stateId, type, code }) => {
    configMock.on(BatchGetResourceConfigCommand).resolves({ baseConfigurationItems: [apiItem({ configurationStateId: String(stateId) })] });
    const event = oversizedEvent((raw) => deletePath(raw, ['detail', 's3DeliverySummary']));
    const err = await rejection(makeFetcher().fetcher.complete(event));
    expect(err).toBeInstanceOf(type);
    expect(err).toMatchObject({ code });
    expect(err.message).toContain(String(stateId));
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it('throttling → TransientError keeping the SDK error as cause', async () => {
    const sdkError = serviceError('ThrottlingException', 400);
    configMock.on(BatchGetResourceConfigCommand).rejects(sdkError);
    const err = await rejection(makeFetcher().fetcher.complete(oversizedEvent()));
    expect(err).toBeInstanceOf(TransientError);
    expect(err).toMatchObject({ code: 'config_throttled', cause: sdkError });
  });

  it('service unavailable → TransientError', async () => {
    configMock.on(BatchGetResourceConfigCommand).rejects(serviceError('ServiceUnavailableException', 503));
    const err = await rejection(makeFetcher().fetcher.complete(oversizedEvent()));
    expect(err).toBeInstanceOf(TransientError);
    expect(err).toMatchObject({ code: 'config_server_error' });
  });

  it('access denied → PermanentError keeping the SDK error as cause (no S3 fallback)', async () => {
    const sdkError = serviceError('AccessDeniedException', 400);
    configMock.on(BatchGetResourceConfigCommand).rejects(sdkError);
    const err = await rejection(makeFetcher().fetcher.complete(oversizedEvent()));
    expect(err).toBeInstanceOf(PermanentError);
    expect(err).toMatchObject({ code: 'config_access_denied', cause: sdkError });
    expect(err.message).toContain('AccessDeniedException');
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it('unprocessed resource key without an S3 location → a clear TransientError', async () => {
    configMock.on(BatchGetResourceConfigCommand).resolves({
      baseConfigurationItems: [],
      unprocessedResourceKeys: [{ resourceType: 'AWS::EC2::SecurityGroup', resourceId: SG }],
    });
    const event = oversizedEvent((raw) => setPath(raw, ['detail', 's3DeliverySummary', 's3BucketLocation'], null));
    const err = await rejection(makeFetcher().fetcher.complete(event));
    expect(err).toBeInstanceOf(TransientError);
    expect(err).toMatchObject({ code: 'config_unprocessed_resource_key' });
    expect(err.message).toBe(
      `BatchGetResourceConfig left the resource key of AWS::EC2::SecurityGroup ${SG} unprocessed (unprocessedResourceKeys); retry later`,
    );
  });

  it('unprocessed resource key with an S3 location → reads S3 instead', async () => {
    configMock.on(BatchGetResourceConfigCommand).resolves({
      unprocessedResourceKeys: [{ resourceType: 'AWS::EC2::SecurityGroup', resourceId: SG }],
    });
    s3Mock.on(GetObjectCommand).resolves({ Body: s3Body(gzipSync(JSON.stringify(s3Notification()))) });
    const completed = await makeFetcher().fetcher.complete(oversizedEvent());
    expect(completed.configuration).toEqual(fullConfiguration());
  });

  it('resource unknown to Config and no S3 location → PermanentError config_item_not_found', async () => {
    configMock.on(BatchGetResourceConfigCommand).resolves({ baseConfigurationItems: [], unprocessedResourceKeys: [] });
    const event = oversizedEvent((raw) => deletePath(raw, ['detail', 's3DeliverySummary']));
    const err = await rejection(makeFetcher().fetcher.complete(event));
    expect(err).toBeInstanceOf(PermanentError);
    expect(err).toMatchObject({ code: 'config_item_not_found' });
  });

  it.each([
    { name: 'not JSON', configuration: '{"groupId": "sg-1",', causeType: SyntaxError },
    { name: 'a JSON array', configuration: '[1,2]', causeType: undefined },
  ])('configuration string that is $name → PermanentError config_item_malformed', async ({ configuration, causeType }) => {
    configMock.on(BatchGetResourceConfigCommand).resolves({ baseConfigurationItems: [apiItem({ configuration })] });
    const err = await rejection(makeFetcher().fetcher.complete(oversizedEvent()));
    expect(err).toBeInstanceOf(PermanentError);
    expect(err).toMatchObject({ code: 'config_item_malformed' });
    expect(err.message).toMatch(
      /^malformed configuration item: BatchGetResourceConfig AWS::EC2::SecurityGroup sg-0abc1234def567890: configuration/,
    );
    if (causeType) expect(err.cause).toBeInstanceOf(causeType);
  });

  describe('S3 path failures', () => {
    beforeEach(() => {
      configMock.on(BatchGetResourceConfigCommand).resolves({ baseConfigurationItems: [apiItem({ configurationStateId: '1' })] });
    });

    it('NoSuchKey → PermanentError s3_not_found with cause', async () => {
      const sdkError = new NoSuchKey({ $metadata: { httpStatusCode: 404 }, message: 'The specified key does not exist.' });
      s3Mock.on(GetObjectCommand).rejects(sdkError);
      const err = await rejection(makeFetcher().fetcher.complete(oversizedEvent()));
      expect(err).toBeInstanceOf(PermanentError);
      expect(err).toMatchObject({ code: 's3_not_found', cause: sdkError });
    });

    it('S3 5xx → TransientError', async () => {
      s3Mock.on(GetObjectCommand).rejects(serviceError('InternalError', 500));
      const err = await rejection(makeFetcher().fetcher.complete(oversizedEvent()));
      expect(err).toBeInstanceOf(TransientError);
      expect(err).toMatchObject({ code: 's3_server_error' });
    });

    it.each([
      { name: 'broken gzip', body: () => Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01]), message: /is not valid gzip/ },
      { name: 'gzipped non-JSON', body: () => gzipSync('not json'), message: /is not valid JSON/ },
      { name: 'a JSON array', body: () => gzipSync('[]'), message: /holds a JSON array, expected an object/ },
      {
        name: 'an item without resourceId',
        body: () => gzipSync(JSON.stringify(deletePath(s3Notification(), ['configurationItem', 'resourceId']))),
        message: /resourceId: expected string, got nothing/,
      },
    ])('$name → PermanentError config_item_malformed', async ({ body, message }) => {
      s3Mock.on(GetObjectCommand).resolves({ Body: s3Body(body()) });
      const err = await rejection(makeFetcher().fetcher.complete(oversizedEvent()));
      expect(err).toBeInstanceOf(PermanentError);
      expect(err).toMatchObject({ code: 'config_item_malformed' });
      expect(err.message).toMatch(message);
    });

    it('an S3 object for another resource → PermanentError config_item_mismatch', async () => {
      s3Mock.on(GetObjectCommand).resolves({ Body: s3Body(gzipSync(JSON.stringify(s3Notification(STATE_ID, 'sg-0other')))) });
      const err = await rejection(makeFetcher().fetcher.complete(oversizedEvent()));
      expect(err).toBeInstanceOf(PermanentError);
      expect(err).toMatchObject({ code: 'config_item_mismatch' });
    });
  });

  it.each([
    { name: 'a normal (not oversized) item', event: () => normalizeOne(sample('config-item-change')) },
    { name: 'a deleted item', event: () => normalizeOne(sample('config-item-deleted')) },
    {
      name: 'an oversized deleted item',
      event: () =>
        oversizedEvent((raw) => setPath(raw, ['detail', 'configurationItemSummary', 'configurationItemStatus'], 'ResourceDeleted')),
    },
  ])('leaves $name unchanged without calling AWS', async ({ event }) => {
    const e = event();
    expect(await makeFetcher().fetcher.complete(e)).toBe(e);
    expect(configMock.calls()).toHaveLength(0);
    expect(s3Mock.calls()).toHaveLength(0);
  });
});

function normalizeOne(raw: JsonObject): ConfigItemEvent {
  const result = normalizeDelivery(raw, { transport: 'http' });
  if (!result.ok || result.events[0]?.kind !== 'config_item') throw new Error('sample did not normalise');
  return result.events[0];
}

describe('splitS3Location', () => {
  it.each([
    { location: 'bucket/key.json.gz', bucket: 'bucket', key: 'key.json.gz' },
    {
      location: `${BUCKET}/AWSLogs/…/AWS::EC2::SecurityGroup/….json.gz`,
      bucket: BUCKET,
      key: 'AWSLogs/…/AWS::EC2::SecurityGroup/….json.gz',
    },
    { location: 'b/a/b/c', bucket: 'b', key: 'a/b/c' },
  ])('$location', ({ location, bucket, key }) => {
    expect(splitS3Location(location)).toEqual({ bucket, key });
  });
  it.each(['bucket', '/key', 'bucket/', ''])('rejects %j', (location) => {
    expect(() => splitS3Location(location)).toThrow(PermanentError);
  });
});

describe('tagsFrom', () => {
  it.each([
    { name: 'a [{key, value}] array', value: [{ key: 'a', value: '1' }], tags: { a: '1' } },
    {
      name: 'a [{Key, Value}] array, skipping non-strings',
      value: [
        { Key: 'a', Value: '1' },
        { key: 'n', value: 2 },
      ],
      tags: { a: '1' },
    },
    { name: 'a map, skipping non-strings', value: { a: '1', b: 2 }, tags: { a: '1' } },
    { name: 'a string', value: 'x', tags: undefined },
    { name: 'null', value: null, tags: undefined },
  ])('$name', ({ value, tags }) => {
    expect(tagsFrom(value)).toEqual(tags);
  });
});
