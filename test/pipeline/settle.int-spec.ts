import type { Queue } from 'bullmq';
import { sgEvent } from '../support/events';
import { http } from '../support/http';
import { fakePorts } from '../support/pipeline-harness';
import { dropPrefix, eventually, startTestController, TOKENS, type TestController } from '../support/test-controller';
import { testQueue } from '../support/redis';

/**
 * DESIGN §4: "`settleSeconds` counts from the arrival of the latest event". Deciding can take a
 * while (attribution waits out CloudTrail's delivery lag); that time is part of the settle, not
 * added to it. Checked on the revert job's own delay in BullMQ, not by timing the revert.
 */
describe('the settle delay counts from the arrival of the event', () => {
  const SETTLE_S = 60;
  const ATTRIBUTION_MS = 1_500;
  const ports = fakePorts();
  let ctl: TestController;
  let queue: Queue;

  beforeAll(async () => {
    ctl = await startTestController({ mode: 'enforce', overrides: ports.overrides, extra: { guardrails: { settleSeconds: SETTLE_S } } });
    queue = testQueue('remediate', ctl.prefix);
  });
  afterAll(async () => {
    await queue.close();
    await ctl.close();
    await dropPrefix(ctl.prefix);
  });

  it('time spent deciding is taken off the settle delay of the revert', async () => {
    const group = 'sg-05e7700000000001';
    ports.desiredState.desired.set(group, ['tcp/443/10.0.0.0/8']);
    ports.attribution.delayMs = ATTRIBUTION_MS;
    const sent = Date.now();
    const res = await http(ctl.url, 'POST', '/v1/events', {
      token: TOKENS.ingest,
      body: sgEvent({ groupId: group, stateId: 1_750_100_000_000, rules: ['tcp/443/10.0.0.0/8', 'tcp/22/0.0.0.0/0'] }),
    });
    expect(res.status).toBe(202);
    const job = await eventually(async () => (await queue.getDelayed())[0], 'the delayed revert job');
    const decidedAfter = job.timestamp - sent;
    expect(decidedAfter).toBeGreaterThanOrEqual(ATTRIBUTION_MS);
    // Due when the settle has elapsed since arrival (the event arrived after `sent`), not
    // settleSeconds after the decision.
    const due = job.timestamp + (job.opts.delay ?? 0);
    expect(due - sent).toBeGreaterThanOrEqual(SETTLE_S * 1000 - 50);
    expect(due - sent).toBeLessThanOrEqual(SETTLE_S * 1000 + 2_000);
    expect(job.opts.delay).toBeLessThanOrEqual(SETTLE_S * 1000 - ATTRIBUTION_MS);
  });
});
