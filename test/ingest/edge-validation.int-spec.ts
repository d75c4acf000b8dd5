import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import type { Redis } from 'ioredis';
import { sgEvent } from '../support/events';
import { http } from '../support/http';
import { dropPrefix, eventually, startTestController, TOKENS, type TestController } from '../support/test-controller';
import { keyBase, keysMatching, testRedis } from '../support/redis';

interface ErrorBody {
  error: { code: string; problems?: { path: string; message: string }[] };
}

type Json = Record<string, unknown>;
const item = (e: Json) => (e['detail'] as Json)['configurationItem'] as Json;

function cloudTrailEvent(over: Json = {}, request: Json = {}): Json {
  return {
    version: '0',
    id: 'ct-edge-0000-0000-0000-000000000001',
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.ec2',
    account: '111122223333',
    time: '2025-03-04T10:15:28Z',
    region: 'eu-west-1',
    resources: [],
    detail: {
      eventVersion: '1.09',
      userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/BreakGlass/alice' },
      eventTime: '2025-03-04T10:15:26Z',
      eventSource: 'ec2.amazonaws.com',
      eventName: 'AuthorizeSecurityGroupIngress',
      awsRegion: 'eu-west-1',
      requestParameters: { groupId: 'sg-0abc1234def567890', ...request },
      responseElements: { _return: true },
      eventID: 'c3e2d1f0-9a8b-4c7d-8e6f-000000000001',
      recipientAccountId: '111122223333',
      ...over,
    },
  };
}

/**
 * Issue 11 §3: account, region and resource ids become Redis keys and AWS client settings, so
 * every ingest path (HTTP, SQS; replay shares the normaliser) refuses a bad one with its JSON
 * path, before anything is written.
 */
describe('ingest validates identifiers at the edge', () => {
  let ctl: TestController;
  let redis: Redis;
  const sqs = mockClient(SQSClient);
  const poison = sgEvent({ groupId: 'sg-0edge000000000003', stateId: 1_748_100_000_003 });
  item(poison)['awsRegion'] = '../../etc/passwd';

  beforeAll(async () => {
    let round = 0;
    sqs.on(ReceiveMessageCommand).callsFake(async () => {
      round++;
      if (round === 1)
        return {
          Messages: [
            {
              MessageId: 'm-region',
              ReceiptHandle: 'rh-region',
              Body: JSON.stringify(poison),
              Attributes: { ApproximateReceiveCount: '1' },
            },
          ],
        };
      await new Promise((r) => setTimeout(r, 50)); // an empty long poll
      return { Messages: [] };
    });
    sqs
      .on(DeleteMessageBatchCommand)
      .callsFake(async (input: { Entries: { Id: string }[] }) => ({ Successful: input.Entries.map((e) => ({ Id: e.Id })), Failed: [] }));
    ctl = await startTestController({
      extra: {
        ingest: {
          coalesceMilliseconds: 0,
          sqs: { queueUrl: 'https://sqs.eu-west-1.amazonaws.com/111122223333/driftwarden', waitTimeSeconds: 1 },
        },
      },
    });
    redis = testRedis();
  });
  afterAll(async () => {
    await ctl.close();
    redis.disconnect();
    sqs.restore();
    await dropPrefix(ctl.prefix);
  });

  const post = (body: unknown) => http<ErrorBody>(ctl.url, 'POST', '/v1/events', { token: TOKENS.ingest, body });
  const mutated = (mutate: (ci: Json) => void, n: number) => {
    const e = sgEvent({ groupId: `sg-0edge00000000000${n}`, stateId: 1_748_100_000_000 + n });
    mutate(item(e));
    return e;
  };

  it.each([
    [
      'a region that is a path',
      (ci: Json) => (ci['awsRegion'] = '../../etc/passwd'),
      'detail.configurationItem.awsRegion',
      /^expected an AWS region/,
    ],
    [
      'an account that is not one',
      (ci: Json) => (ci['awsAccountId'] = 'not-an-account'),
      'detail.configurationItem.awsAccountId',
      /^expected a 12-digit AWS account id, got string "not-an-account"$/,
    ],
    ['a resource id with a path', (ci: Json) => (ci['resourceId'] = 'sg-1/../x'), 'detail.configurationItem.resourceId', /path segment/],
    [
      'a resource id with a control character',
      (ci: Json) => (ci['resourceId'] = 'sg-0abc\u0000'),
      'detail.configurationItem.resourceId',
      /control characters/,
    ],
    [
      'a resource type with a slash',
      (ci: Json) => (ci['resourceType'] = 'AWS::EC2::SecurityGroup/x'),
      'detail.configurationItem.resourceType',
      /resource type/,
    ],
  ])('POST /v1/events with %s: 400 at its JSON path, nothing accepted', async (_name, mutate, path, message) => {
    const res = await post([sgEvent({ groupId: 'sg-0edge000000000009', stateId: 1_748_100_000_009 }), mutated(mutate, 1)]);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.problems).toEqual([{ path: `[1].${path}`, message: expect.stringMatching(message) }]);
  });

  it('a CloudTrail event with a bad account, region or group id: 400 at each path', async () => {
    const res = await post([
      cloudTrailEvent({ recipientAccountId: 'not-an-account', awsRegion: '../../etc' }),
      cloudTrailEvent({}, { groupId: 'sg-1/../x' }),
      { ...cloudTrailEvent(), region: 'eu-west-1\n' },
    ]);
    expect(res.status).toBe(400);
    expect(res.body.error.problems?.map((p) => p.path)).toEqual([
      '[0].detail.recipientAccountId',
      '[0].detail.awsRegion',
      '[1].detail.requestParameters.groupId',
      '[2].region',
    ]);
  });

  it('a valid CloudTrail event is still accepted', async () => {
    const res = await http<{ accepted: { kind: string; resourceId: string }[] }>(ctl.url, 'POST', '/v1/events', {
      token: TOKENS.ingest,
      body: cloudTrailEvent(),
    });
    expect(res.status).toBe(202);
    expect(res.body.accepted).toEqual([expect.objectContaining({ kind: 'cloudtrail', resourceId: 'sg-0abc1234def567890' })]);
  });

  it('no key was written for any refused identifier', async () => {
    const keys = await keysMatching(redis, `${keyBase(ctl.prefix)}:*`);
    expect(keys.filter((k) => /\.\.|passwd|not-an-account|\u0000/.test(k))).toEqual([]);
  });

  it('SQS: a message with a bad region is quarantined with the path, never ingested', async () => {
    const q = await eventually(async () => {
      const list = (await redis.lrange(`${keyBase(ctl.prefix)}:quarantine`, 0, -1)).map(
        (x) => JSON.parse(x) as { reason: string; details: { messageId: string } },
      );
      return list.length > 0 ? list : undefined;
    }, 'the quarantined message');
    expect(q).toEqual([
      expect.objectContaining({
        details: expect.objectContaining({ messageId: 'm-region' }),
        reason: expect.stringContaining('detail.configurationItem.awsRegion'),
      }),
    ]);
    expect(await keysMatching(redis, `${keyBase(ctl.prefix)}:item:*sg-0edge000000000003*`)).toEqual([]);
  });
});
