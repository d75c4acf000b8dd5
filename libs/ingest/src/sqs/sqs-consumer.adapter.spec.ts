import {
  DeleteMessageBatchCommand,
  type DeleteMessageBatchCommandInput,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
  SQSServiceException,
} from '@aws-sdk/client-sqs';
import type { Problem } from '@driftwarden/domain';
import { getEventListeners } from 'node:events';
import { mockClient } from 'aws-sdk-client-mock';
import { SqsConsumer, type SqsConsumerOptions } from './sqs-consumer.adapter';
import type { HandleOutcome, IngestLogger, QuarantineFn, SqsMessageHandler } from './sqs-consumer.port';

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/111122223333/driftwarden-events';
const sqsMock = mockClient(SQSClient);

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
}
function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

function message(n: number, receiveCount = 1): Message {
  return {
    MessageId: `msg-${n}`,
    ReceiptHandle: `rh-${n}`,
    Body: `{"n":${n}}`,
    Attributes: { ApproximateReceiveCount: String(receiveCount) },
  };
}

const PROBLEMS: Problem[] = [{ path: 'detail.configurationItem.resourceId', message: 'expected string, got number' }];

/**
 * Wires a consumer whose first receive returns `messages`; every later receive hangs until
 * aborted and resolves `nextPoll`, so awaiting `nextPoll` means the batch is fully processed.
 */
function harness(opts: {
  messages: Message[];
  handle?: SqsMessageHandler;
  quarantine?: QuarantineFn;
  options?: Partial<SqsConsumerOptions>;
}) {
  const nextPoll = deferred();
  sqsMock
    .on(ReceiveMessageCommand)
    .resolvesOnce({ Messages: opts.messages })
    .callsFake(() => {
      nextPoll.resolve();
      return new Promise(() => undefined);
    });
  const events: string[] = [];
  const logger: jest.Mocked<IngestLogger> = { warn: jest.fn(), error: jest.fn() };
  const handle = jest.fn<Promise<HandleOutcome>, Parameters<SqsMessageHandler>>(opts.handle ?? (async () => ({ status: 'accepted' })));
  const quarantine = jest.fn<Promise<void>, Parameters<QuarantineFn>>(async (...args) => {
    events.push(`quarantine ${args[2].messageId}`);
    if (opts.quarantine) await opts.quarantine(...args);
  });
  sqsMock.on(DeleteMessageBatchCommand).callsFake((input: DeleteMessageBatchCommandInput) => {
    events.push(`delete ${(input.Entries ?? []).map((e) => e.ReceiptHandle).join(',')}`);
    return { Successful: (input.Entries ?? []).map((e) => ({ Id: e.Id })), Failed: [] };
  });
  const consumer = new SqsConsumer(
    new SQSClient({ region: 'eu-west-1' }),
    {
      queueUrl: QUEUE_URL,
      waitTimeSeconds: 20,
      maxNumberOfMessages: 10,
      visibilityTimeoutSeconds: 120,
      maxReceiveCount: 5,
      ...opts.options,
    },
    { handle, quarantine, logger, sleep: async () => undefined, random: () => 1 },
  );
  return { consumer, nextPoll: nextPoll.promise, events, logger, handle, quarantine };
}

function deleteCalls(): Array<Array<string | undefined>> {
  return sqsMock.commandCalls(DeleteMessageBatchCommand).map((c) => (c.args[0].input.Entries ?? []).map((e) => e.ReceiptHandle));
}

beforeEach(() => sqsMock.reset());

describe('SqsConsumer', () => {
  it('long-polls with the configured options and deletes an accepted message', async () => {
    const h = harness({ messages: [message(1, 2)] });
    h.consumer.start();
    await h.nextPoll;
    await h.consumer.stop();

    expect(sqsMock.commandCalls(ReceiveMessageCommand)[0].args[0].input).toEqual({
      QueueUrl: QUEUE_URL,
      WaitTimeSeconds: 20,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 120,
      MessageSystemAttributeNames: ['ApproximateReceiveCount'],
    });
    expect(h.handle).toHaveBeenCalledWith('{"n":1}', { messageId: 'msg-1', receiveCount: 2 });
    expect(sqsMock.commandCalls(DeleteMessageBatchCommand).map((c) => c.args[0].input)).toEqual([
      { QueueUrl: QUEUE_URL, Entries: [{ Id: 'm0', ReceiptHandle: 'rh-1' }] },
    ]);
    expect(h.quarantine).not.toHaveBeenCalled();
  });

  it('quarantines a rejected message, then deletes it', async () => {
    const h = harness({ messages: [message(1)], handle: async () => ({ status: 'rejected', problems: PROBLEMS }) });
    h.consumer.start();
    await h.nextPoll;
    await h.consumer.stop();

    expect(h.quarantine).toHaveBeenCalledWith('{"n":1}', { kind: 'rejected', problems: PROBLEMS }, { messageId: 'msg-1', receiveCount: 1 });
    expect(h.events).toEqual(['quarantine msg-1', 'delete rh-1']);
  });

  it('leaves a message whose handler throws for redelivery (no delete, no quarantine)', async () => {
    const h = harness({
      messages: [message(1, 4)],
      handle: async () => {
        throw new Error('redis down');
      },
    });
    h.consumer.start();
    await h.nextPoll;
    await h.consumer.stop();

    expect(deleteCalls()).toEqual([]);
    expect(h.quarantine).not.toHaveBeenCalled();
    expect(h.logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ messageId: 'msg-1', receiveCount: 4, maxReceiveCount: 5 }),
      expect.stringContaining('left for redelivery'),
    );
  });

  it.each([5, 9])(
    'quarantines with the last error once receiveCount (%i) reaches maxReceiveCount (5), then deletes',
    async (receiveCount) => {
      const h = harness({
        messages: [message(1, receiveCount)],
        handle: async () => {
          throw Object.assign(new Error('still failing'), { code: 'store_unavailable' });
        },
      });
      h.consumer.start();
      await h.nextPoll;
      await h.consumer.stop();

      expect(h.quarantine).toHaveBeenCalledWith(
        '{"n":1}',
        {
          kind: 'max_receives_exceeded',
          receiveCount,
          maxReceiveCount: 5,
          error: { name: 'Error', message: 'still failing', code: 'store_unavailable' },
        },
        { messageId: 'msg-1', receiveCount },
      );
      expect(h.events).toEqual(['quarantine msg-1', 'delete rh-1']);
    },
  );

  it('does not delete a rejected message when quarantine fails', async () => {
    const h = harness({
      messages: [message(1)],
      handle: async () => ({ status: 'rejected', problems: PROBLEMS }),
      quarantine: async () => {
        throw new Error('store unavailable');
      },
    });
    h.consumer.start();
    await h.nextPoll;
    await h.consumer.stop();

    expect(h.quarantine).toHaveBeenCalledTimes(1);
    expect(deleteCalls()).toEqual([]);
    expect(h.logger.error).toHaveBeenCalledWith(
      expect.objectContaining({ messageId: 'msg-1', reason: 'rejected' }),
      expect.stringContaining('quarantining an SQS message failed'),
    );
  });

  it('handles a mixed batch and deletes the accepted and quarantined messages in one call', async () => {
    const outcomes: Record<string, () => Promise<HandleOutcome>> = {
      'msg-1': async () => ({ status: 'accepted' }),
      'msg-2': async () => ({ status: 'rejected', problems: PROBLEMS }),
      'msg-3': async () => {
        throw new Error('transient');
      },
      'msg-4': async () => ({ status: 'accepted' }),
    };
    const h = harness({ messages: [1, 2, 3, 4].map((n) => message(n)), handle: (_, meta) => outcomes[meta.messageId]() });
    h.consumer.start();
    await h.nextPoll;
    await h.consumer.stop();

    expect(deleteCalls()).toEqual([['rh-1', 'rh-2', 'rh-4']]);
  });

  it('retries service-side delete failures once and logs sender faults', async () => {
    const h = harness({ messages: [1, 2, 3].map((n) => message(n)) });
    sqsMock
      .on(DeleteMessageBatchCommand)
      .resolvesOnce({
        Successful: [{ Id: 'm0' }],
        Failed: [
          { Id: 'm1', SenderFault: true, Code: 'ReceiptHandleIsInvalid', Message: 'The receipt handle has expired' },
          { Id: 'm2', SenderFault: false, Code: 'InternalError' },
        ],
      })
      .resolves({ Successful: [{ Id: 'm2' }], Failed: [] });
    h.consumer.start();
    await h.nextPoll;
    await h.consumer.stop();

    expect(deleteCalls()).toEqual([['rh-1', 'rh-2', 'rh-3'], ['rh-3']]);
    expect(h.logger.error).toHaveBeenCalledTimes(1);
    expect(h.logger.error).toHaveBeenCalledWith(
      expect.objectContaining({ messageId: 'msg-2', code: 'ReceiptHandleIsInvalid', senderFault: true }),
      expect.stringContaining('could not delete'),
    );
  });

  it('logs a delete that keeps failing on the service side after its retry', async () => {
    const h = harness({ messages: [message(1)] });
    sqsMock.on(DeleteMessageBatchCommand).resolves({ Successful: [], Failed: [{ Id: 'm0', SenderFault: false, Code: 'InternalError' }] });
    h.consumer.start();
    await h.nextPoll;
    await h.consumer.stop();

    expect(deleteCalls()).toEqual([['rh-1'], ['rh-1']]);
    expect(h.logger.error).toHaveBeenCalledWith(
      expect.objectContaining({ messageId: 'msg-1', code: 'InternalError' }),
      expect.stringContaining('could not delete'),
    );
  });

  it('logs a DeleteMessageBatch that throws and keeps polling', async () => {
    const h = harness({ messages: [message(1)] });
    sqsMock.on(DeleteMessageBatchCommand).rejects(new Error('socket hang up'));
    h.consumer.start();
    await h.nextPoll; // reaching the next poll proves the loop survived
    await h.consumer.stop();

    expect(h.logger.error).toHaveBeenCalledWith(
      expect.objectContaining({ messageIds: ['msg-1'] }),
      expect.stringContaining('DeleteMessageBatch failed'),
    );
  });

  it('stop() aborts the long poll and waits for in-flight messages', async () => {
    const handlerStarted = deferred();
    const release = deferred();
    const h = harness({
      messages: [message(1)],
      handle: async () => {
        handlerStarted.resolve();
        await release.promise;
        h.events.push('handler done');
        return { status: 'accepted' };
      },
    });
    h.consumer.start();
    await handlerStarted.promise;

    const stopping = h.consumer.stop();
    // Every microtask runs before setImmediate: if stop() did not wait, it would have won.
    const early = await Promise.race([stopping.then(() => 'stopped'), new Promise((r) => setImmediate(() => r('pending')))]);
    expect(early).toBe('pending');

    release.resolve();
    await stopping;
    h.events.push('stopped');
    expect(h.events).toEqual(['handler done', 'delete rh-1', 'stopped']);
    expect(sqsMock.commandCalls(ReceiveMessageCommand)).toHaveLength(1);
    expect(h.consumer.running).toBe(false);
  });

  it('stop() ends a long poll that is waiting, passing the abort to the SDK', async () => {
    const h = harness({ messages: [] });
    h.consumer.start();
    await h.nextPoll; // the second receive is hanging
    await h.consumer.stop();

    const calls = sqsMock.commandCalls(ReceiveMessageCommand);
    const options: unknown[] = calls[calls.length - 1].args;
    expect(options[1]).toEqual({ abortSignal: expect.objectContaining({ aborted: true }) });
    expect(h.handle).not.toHaveBeenCalled();
  });

  it('does not pile up abort listeners over many empty polls', async () => {
    const reached = deferred<AbortSignal>();
    let polls = 0;
    sqsMock.on(ReceiveMessageCommand).callsFake(async () => {
      polls++;
      if (polls <= 25) return { Messages: [] };
      const calls = sqsMock.commandCalls(ReceiveMessageCommand);
      const args: unknown[] = calls[calls.length - 1].args;
      reached.resolve((args[1] as { abortSignal: AbortSignal }).abortSignal);
      return new Promise(() => undefined);
    });
    const consumer = new SqsConsumer(
      new SQSClient({ region: 'eu-west-1' }),
      { queueUrl: QUEUE_URL },
      {
        handle: async () => ({ status: 'accepted' }),
        quarantine: async () => undefined,
        logger: { warn: jest.fn(), error: jest.fn() },
      },
    );
    consumer.start();
    const signal = await reached.promise;
    expect(getEventListeners(signal, 'abort').length).toBeLessThanOrEqual(2);
    await consumer.stop();
  });

  it('backs off exponentially with jitter, capped, after receive errors, and resets after a success', async () => {
    const sleeps: number[] = [];
    const reached = deferred();
    const throttled = new SQSServiceException({
      name: 'ThrottlingException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
      message: 'Rate exceeded',
    });
    sqsMock
      .on(ReceiveMessageCommand)
      .rejectsOnce(throttled)
      .rejectsOnce(throttled)
      .rejectsOnce(throttled)
      .rejectsOnce(throttled)
      .rejectsOnce(throttled)
      .rejectsOnce(throttled)
      .resolvesOnce({ Messages: [] })
      .rejectsOnce(throttled)
      .callsFake(() => {
        reached.resolve();
        return new Promise(() => undefined);
      });
    const logger: jest.Mocked<IngestLogger> = { warn: jest.fn(), error: jest.fn() };
    let jitter = 1;
    const consumer = new SqsConsumer(
      new SQSClient({ region: 'eu-west-1' }),
      { queueUrl: QUEUE_URL, backoff: { initialMs: 100, maxMs: 1000 } },
      {
        handle: async () => ({ status: 'accepted' }),
        quarantine: async () => undefined,
        logger,
        sleep: async (ms) => {
          sleeps.push(ms);
          jitter = jitter === 1 ? 0 : 1; // alternate the top and the bottom of the jitter range
        },
        random: () => jitter,
      },
    );
    consumer.start();
    await reached.promise;
    await consumer.stop();

    // capped doubling 100, 200, 400, 800, 1000, 1000 then reset to 100; jitter keeps [d/2, d]
    expect(sleeps).toEqual([100, 100, 400, 400, 1000, 500, 100]);
    expect(logger.warn).toHaveBeenCalledTimes(5);
    expect(logger.error).toHaveBeenCalledTimes(2);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ err: throttled, code: 'sqs_throttled', consecutiveFailures: 1, retryInMs: 100, queueUrl: QUEUE_URL }),
      'SQS ReceiveMessage failed',
    );
    expect(logger.error).toHaveBeenLastCalledWith(expect.objectContaining({ consecutiveFailures: 6 }), 'SQS ReceiveMessage failed');
  });

  it('logs a permanent receive error (access denied) as an error at once', async () => {
    const reached = deferred();
    const denied = new SQSServiceException({
      name: 'AccessDenied',
      $fault: 'client',
      $metadata: { httpStatusCode: 403 },
      message: 'denied',
    });
    sqsMock
      .on(ReceiveMessageCommand)
      .rejectsOnce(denied)
      .callsFake(() => {
        reached.resolve();
        return new Promise(() => undefined);
      });
    const logger: jest.Mocked<IngestLogger> = { warn: jest.fn(), error: jest.fn() };
    const consumer = new SqsConsumer(
      new SQSClient({ region: 'eu-west-1' }),
      { queueUrl: QUEUE_URL },
      {
        handle: async () => ({ status: 'accepted' }),
        quarantine: async () => undefined,
        logger,
        sleep: async () => undefined,
      },
    );
    consumer.start();
    await reached.promise;
    await consumer.stop();
    expect(logger.error).toHaveBeenCalledWith(expect.objectContaining({ code: 'sqs_access_denied' }), 'SQS ReceiveMessage failed');
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('stop() interrupts a back-off sleep', async () => {
    const sleeping = deferred();
    sqsMock.on(ReceiveMessageCommand).rejects(new Error('ECONNREFUSED'));
    const consumer = new SqsConsumer(
      new SQSClient({ region: 'eu-west-1' }),
      { queueUrl: QUEUE_URL },
      {
        handle: async () => ({ status: 'accepted' }),
        quarantine: async () => undefined,
        logger: { warn: jest.fn(), error: jest.fn() },
        sleep: (_ms, signal) =>
          new Promise((resolve) => {
            sleeping.resolve();
            signal.addEventListener('abort', () => resolve(), { once: true });
          }),
      },
    );
    consumer.start();
    await sleeping.promise;
    await consumer.stop();
    expect(sqsMock.commandCalls(ReceiveMessageCommand)).toHaveLength(1);
  });

  it('refuses to start twice, and can restart after stop', async () => {
    const h = harness({ messages: [] });
    h.consumer.start();
    expect(() => h.consumer.start()).toThrow('already started');
    await h.consumer.stop();
    await h.consumer.stop(); // idempotent
    sqsMock.on(ReceiveMessageCommand).callsFake(() => new Promise(() => undefined));
    h.consumer.start();
    expect(h.consumer.running).toBe(true);
    await h.consumer.stop();
  });

  it.each([
    { name: 'waitTimeSeconds 21', options: { waitTimeSeconds: 21 }, message: /waitTimeSeconds must be an integer in \[0, 20\], got 21/ },
    { name: 'maxNumberOfMessages 0', options: { maxNumberOfMessages: 0 }, message: /maxNumberOfMessages must be an integer in \[1, 10\]/ },
    { name: 'maxReceiveCount 0', options: { maxReceiveCount: 0 }, message: /maxReceiveCount/ },
    { name: 'empty queueUrl', options: { queueUrl: '' }, message: /queueUrl/ },
  ])('rejects invalid options: $name', ({ options, message }) => {
    expect(
      () =>
        new SqsConsumer(
          new SQSClient({ region: 'eu-west-1' }),
          { queueUrl: QUEUE_URL, ...options },
          {
            handle: async () => ({ status: 'accepted' }),
            quarantine: async () => undefined,
            logger: { warn: jest.fn(), error: jest.fn() },
          },
        ),
    ).toThrow(message);
  });
});
