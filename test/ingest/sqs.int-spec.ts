import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import type { Redis } from 'ioredis';
import { dropPrefix, eventually, startTestController, type TestController } from '../support/test-controller';
import { sgEvent } from '../support/events';
import { keyBase, keysMatching, testRedis } from '../support/redis';

/**
 * The SQS path inside the running controller: the real consumer and ingest pipeline with the
 * SQS API mocked (aws-sdk-client-mock). A message is deleted only after its event is enqueued;
 * a poison message is quarantined with its reason, then deleted; nothing is dropped silently.
 */
describe('SQS ingest in the controller', () => {
  const sqs = mockClient(SQSClient);
  let ctl: TestController;
  let redis: Redis;
  const good = sgEvent({ groupId: 'sg-0sqs0000000000001', stateId: 1_748_000_000_000 });
  const served: string[] = [];

  beforeAll(async () => {
    let round = 0;
    sqs.on(ReceiveMessageCommand).callsFake(async () => {
      round++;
      if (round === 1) {
        served.push('m-good', 'm-poison');
        return {
          Messages: [
            { MessageId: 'm-good', ReceiptHandle: 'rh-good', Body: JSON.stringify(good), Attributes: { ApproximateReceiveCount: '1' } },
            {
              MessageId: 'm-poison',
              ReceiptHandle: 'rh-poison',
              Body: '{"detail-type": "Config Configuration Item Change", "detail": 42}',
              Attributes: { ApproximateReceiveCount: '1' },
            },
          ],
        };
      }
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

  it('deletes the good message after enqueueing its event, quarantines the poison one, and reports the consumer in /readyz', async () => {
    const deleted = await eventually(async () => {
      const ids = sqs.commandCalls(DeleteMessageBatchCommand).flatMap((c) => c.args[0].input.Entries?.map((e) => e.ReceiptHandle) ?? []);
      return ids.length >= 2 ? ids : undefined;
    }, 'both messages to be deleted');
    expect(deleted.sort()).toEqual(['rh-good', 'rh-poison']);
    // The good event was ingested and decided.
    await eventually(async () => (await keysMatching(redis, `${keyBase(ctl.prefix)}:item:ci_*`)).length === 1, 'the item in the ledger');
    // The poison message was kept, with its reason, before it was deleted.
    const q = (await redis.lrange(`${keyBase(ctl.prefix)}:quarantine`, 0, -1)).map(
      (x) => JSON.parse(x) as { reason: string; body: string; details: { messageId: string } },
    );
    expect(q).toHaveLength(1);
    expect(q[0].details.messageId).toBe('m-poison');
    expect(q[0].reason).toContain('detail');
    expect(q[0].body).toContain('"detail": 42');
    const ready = (await (await fetch(`${ctl.url}/readyz`)).json()) as { workers: { sqs?: boolean } };
    expect(ready.workers.sqs).toBe(true);
  });
});
