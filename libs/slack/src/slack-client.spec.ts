import { PermanentError, TransientError, type DriftRecord } from '@driftwarden/domain';
import { WebApiSlackClient } from './slack-client';
import { decisionModal, requestMessage } from './slack-messages';
import { SlackFake, checkBlocks, checkView } from './testing/slack.fake';

const drift = (differences: number): DriftRecord =>
  ({
    id: 'drf_abc',
    status: 'awaiting_approval',
    dryRun: false,
    resource: { type: 'AWS::EC2::SecurityGroup', id: 'sg-0abc', account: '111122223333', region: 'eu-west-1' },
    decision: { action: 'await_approval', rule: 5, reason: 'needs human approval: reverting would widen exposure' },
    principal: { arn: 'arn:aws:sts::111122223333:assumed-role/dev/bob', class: 'other' },
    differences: Array.from({ length: differences }, (_, i) => ({
      id: `d${i}`,
      sentence: `closed ingress tcp/${8000 + i} from 0.0.0.0/0 (the internet) <script> & ${'x'.repeat(300)}`,
      madeBy: { principal: { arn: 'arn:aws:sts::111122223333:assumed-role/dev/bob', class: 'other' } },
      decision: { action: 'await_approval' },
      flags: i === 0 ? ['suspicious'] : undefined,
    })),
    links: {},
    evidence: {},
  }) as unknown as DriftRecord;

describe('WebApiSlackClient against the Slack fake', () => {
  let slack: SlackFake;
  let client: WebApiSlackClient;
  beforeAll(async () => {
    slack = await new SlackFake().start();
    client = new WebApiSlackClient({ token: slack.token, apiUrl: slack.apiUrl, timeoutMs: 2000 });
  });
  afterAll(() => slack.stop());

  it("posts and updates Block Kit messages within Slack's limits (long differences are cut, text escaped)", async () => {
    const msg = requestMessage(drift(15), ['Approval needed: reverting the change by bob on sg-0abc'], { decidable: true });
    expect(checkBlocks(msg.blocks, 'message')).toEqual([]);
    expect(JSON.stringify(msg.blocks)).toContain('&lt;script&gt; &amp;');
    const posted = await client.postMessage('C0ONCALL', msg);
    await client.updateMessage(posted.channel, posted.ts, { text: 'decided', blocks: [] });
    expect(slack.messages[0]).toMatchObject({ channel: 'C0ONCALL', text: 'decided' });
    expect(checkView(decisionModal(drift(2), 'adopt') as Record<string, unknown>)).toEqual([]);
    await client.openView('trig.1', decisionModal(drift(2), 'adopt'));
    expect(slack.problems).toEqual([]);
  });

  it("classifies Slack's failures: rate limits and 5xx are transient, platform errors permanent", async () => {
    slack.failNext({ status: 429, headers: { 'retry-after': '7' } });
    await expect(client.postMessage('C0ONCALL', { text: 'x', blocks: [] })).rejects.toMatchObject({
      constructor: TransientError,
      code: 'slack_rate_limited',
      retryAfterMs: 7000,
    });
    slack.failNext({ status: 503, body: {} });
    await expect(client.postMessage('C0ONCALL', { text: 'x', blocks: [] })).rejects.toBeInstanceOf(TransientError);
    slack.failNext({ status: 200, body: { ok: false, error: 'channel_not_found' } });
    await expect(client.postMessage('C0NOPE', { text: 'x', blocks: [] })).rejects.toMatchObject({
      constructor: PermanentError,
      message: 'Slack chat.postMessage: channel_not_found',
    });
    await expect(client.updateMessage('C0ONCALL', '1.2', { text: 'x', blocks: [] })).rejects.toMatchObject({
      message: 'Slack chat.update: message_not_found',
    });
    await expect(client.postMessage('C0ONCALL', { text: 'x', blocks: [{ type: 'nonsense' }] })).rejects.toMatchObject({
      message: 'Slack chat.postMessage: invalid_blocks',
    });
    const wrong = new WebApiSlackClient({ token: 'xoxb-wrong', apiUrl: slack.apiUrl, timeoutMs: 2000 });
    await expect(wrong.postEphemeral('C0ONCALL', 'U0A', 'hi')).rejects.toMatchObject({ message: 'Slack chat.postEphemeral: invalid_auth' });
    const down = new WebApiSlackClient({ token: slack.token, apiUrl: 'http://127.0.0.1:9/api/', timeoutMs: 2000 });
    await expect(down.postEphemeral('C0ONCALL', 'U0A', 'hi')).rejects.toMatchObject({ code: 'slack_unreachable' });
  });
});
