import type { Redis } from 'ioredis';
import { SlackFake, buttonClick, interactionBody, slackHeaders, slashCommandBody, viewSubmission } from '@driftwarden/slack/testing';
import { TOKENS, dropPrefix, eventually, startTestController, type TestController } from '../support/test-controller';
import { http } from '../support/http';
import { sgEvent } from '../support/events';
import { fakePorts } from '../support/pipeline-harness';
import { keyBase, testRedis } from '../support/redis';

const SECRET = 'slack-signing-secret-for-tests';
const CHANNEL = 'C0ONCALL';

interface Drift {
  id: string;
  status: string;
  approval?: { action: string; by: string; identity?: string; comment: string };
  differences?: { sentence: string; decision: { action: string; human?: { by: string; identity?: string } } }[];
}
interface AuditItem {
  type: string;
  actor: string;
  reason?: string;
  driftId?: string;
  details?: Record<string, unknown>;
}

/** Slack approvals end to end: the real controller, the Slack Web API fake, signed requests as Slack sends them. */
describe('Slack approvals (notifications.slack)', () => {
  let ctl: TestController;
  let slack: SlackFake;
  let redis: Redis;
  const ports = fakePorts();
  let n = 0;

  beforeAll(async () => {
    slack = await new SlackFake().start();
    ctl = await startTestController({
      mode: 'enforce',
      overrides: ports.overrides,
      extra: {
        notifications: {
          linkBaseUrl: 'https://driftwarden.example.com',
          slack: {
            botToken: slack.token,
            signingSecret: SECRET,
            channel: CHANNEL,
            apiUrl: slack.apiUrl,
            users: {
              U0ALICE: { identity: 'alice@example.com', role: 'operator' },
              U0BOB: { identity: 'bob', role: 'operator' },
              U0VAL: { identity: 'val@example.com', role: 'viewer' },
            },
          },
        },
      },
    });
    redis = testRedis();
  });
  afterAll(async () => {
    await ctl.close();
    await slack.stop();
    redis.disconnect();
    await dropPrefix(ctl.prefix);
  });

  const post = (body: string, headers = slackHeaders(SECRET, body)) =>
    http<Record<string, unknown>>(ctl.url, 'POST', '/v1/slack/actions', { raw: body, headers });
  const get = async (id: string) => (await http<Drift>(ctl.url, 'GET', `/v1/drifts/${id}`, { token: TOKENS.viewer })).body;
  const audit = async (q: string) =>
    (await http<{ items: AuditItem[] }>(ctl.url, 'GET', `/v1/audit?limit=1000&${q}`, { token: TOKENS.viewer })).body.items;

  /** A closed tcp/8080 to the world: reverting re-opens it (rule 5), so Slack gets an approval request. */
  async function awaitingApproval(
    o: { principal?: string; live?: string[]; critical?: boolean; declared?: boolean } = {},
  ): Promise<{ id: string; ts: string }> {
    const group = `sg-0s1a${String(++n).padStart(13, '0')}`;
    ports.desiredState.desired.set(group, ['tcp/443/10.0.0.0/8', 'tcp/8080/0.0.0.0/0']);
    if (o.principal) ports.attribution.byResource.set(group, o.principal);
    ports.freeze.declaredAtChange = o.declared ?? false;
    try {
      const res = await http<{ accepted: { eventId: string }[] }>(ctl.url, 'POST', '/v1/events', {
        token: TOKENS.ingest,
        body: sgEvent({
          groupId: group,
          stateId: 1_764_000_000_000 + n,
          rules: o.live ?? ['tcp/443/10.0.0.0/8'],
          ...(o.critical ? { tags: { tier: 'critical' } } : {}),
        }),
      });
      const id = await eventually(async () => {
        const h = await redis.hgetall(`${keyBase(ctl.prefix)}:item:${res.body.accepted[0].eventId}`);
        return h.outcome === 'decided' ? h.driftId : undefined;
      }, 'the decision');
      expect((await get(id)).status).toBe('awaiting_approval');
      const message = await eventually(async () => slack.messages.find((m) => JSON.stringify(m.blocks).includes(id)), 'the Slack message');
      return { id, ts: message.ts };
    } finally {
      ports.freeze.declaredAtChange = false;
    }
  }

  /** Clicks a button as Slack posts it; returns the dialog Slack was asked to open. */
  async function click(
    user: string,
    verb: 'approve' | 'adopt' | 'reject',
    d: { id: string; ts: string },
  ): Promise<Record<string, unknown> | undefined> {
    const before = slack.views.length;
    const body = interactionBody(buttonClick({ user, actionId: `dw_${verb}`, value: d.id, channel: CHANNEL, ts: d.ts }));
    const res = await post(body);
    expect(res.status).toBe(200);
    return slack.views.length > before ? slack.views[slack.views.length - 1] : undefined;
  }

  const submit = (user: string, view: Record<string, unknown>, comment: string, confirm?: boolean) =>
    post(interactionBody(viewSubmission({ user, view, comment, ...(confirm !== undefined ? { confirm } : {}) })));

  it('posts the approval request in plain English with Approve / Adopt / Reject, in shapes Slack accepts', async () => {
    const d = await awaitingApproval({ principal: 'arn:aws:sts::111122223333:assumed-role/dev/carol' });
    const m = slack.messages.find((x) => x.ts === d.ts)!;
    expect(m.channel).toBe(CHANNEL);
    const text = JSON.stringify(m.blocks);
    expect(m.text).toContain('Approval needed');
    expect(text).toContain('closed ingress tcp/8080 from 0.0.0.0/0 (the internet)');
    expect(text).toContain('made by carol (arn:aws:sts::111122223333:assumed-role/dev/carol)');
    expect(text).toContain(`https://driftwarden.example.com/ui/#/drifts/${d.id}`);
    const actions = m.blocks.find((b) => b['type'] === 'actions') as { elements: { action_id: string; value: string }[] };
    expect(actions.elements.map((e) => [e.action_id, e.value])).toEqual([
      ['dw_approve', d.id],
      ['dw_adopt', d.id],
      ['dw_reject', d.id],
    ]);
    expect(slack.problems).toEqual([]);
  });

  it('a signed click and dialog approve the drift end to end: audited with the Slack user, reverted once, the message updated', async () => {
    const d = await awaitingApproval();
    const view = await click('U0ALICE', 'approve', d);
    expect(view).toMatchObject({ type: 'modal', callback_id: 'dw_decide' });
    // No comment: the dialog says so, nothing is decided.
    expect((await submit('U0ALICE', view!, '   ')).body).toEqual({
      response_action: 'errors',
      errors: { comment: 'A comment is required: say why.' },
    });
    const res = await submit('U0ALICE', view!, 'the partner API needs 8080');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({});
    const done = await eventually(async () => ((await get(d.id)).status === 'reverted' ? get(d.id) : undefined), 'the approved revert');
    expect(done.approval).toMatchObject({
      action: 'approve',
      by: 'slack:U0ALICE',
      identity: 'alice@example.com',
      comment: 'the partner API needs 8080',
    });
    expect(ports.remediation.calls.filter((x) => x === d.id)).toHaveLength(1);
    const entry = (await audit(`drift=${d.id}&type=api.drift.approve`))[0];
    expect(entry).toMatchObject({ actor: 'slack:U0ALICE', details: { identity: 'alice@example.com', via: 'slack', slackUser: 'U0ALICE' } });
    const updated = await eventually(async () => slack.messages.find((m) => m.ts === d.ts && m.history.length > 0), 'the message update');
    const after = JSON.stringify(updated.blocks);
    expect(after).toContain('Approved');
    expect(after).toContain('alice@example.com');
    expect(after).not.toContain('dw_approve');
    // The same dialog sent again (a replayed submission, freshly signed): refused, nothing reverted twice.
    const again = await submit('U0ALICE', view!, 'again');
    expect(again.body).toMatchObject({ response_action: 'errors', errors: { comment: expect.stringContaining('is reverted') } });
    expect(ports.remediation.calls.filter((x) => x === d.id)).toHaveLength(1);
    expect(slack.problems).toEqual([]);
  });

  it('a forged, an old and an unsigned request are refused (401) and audited', async () => {
    const d = await awaitingApproval();
    const body = interactionBody(buttonClick({ user: 'U0ALICE', actionId: 'dw_approve', value: d.id, channel: CHANNEL, ts: d.ts }));
    const forged = await post(body, slackHeaders('not-the-secret', body));
    const tampered = await post(body.replace('U0ALICE', 'U0MALLORY'), slackHeaders(SECRET, body));
    const old = await post(body, slackHeaders(SECRET, body, Math.floor(Date.now() / 1000) - 6 * 60));
    const future = await post(body, slackHeaders(SECRET, body, Math.floor(Date.now() / 1000) + 6 * 60));
    const unsigned = await post(body, { 'content-type': 'application/x-www-form-urlencoded' });
    for (const r of [forged, tampered, old, future, unsigned]) {
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ error: { code: 'bad_signature' } });
    }
    const refused = (await audit('type=slack.refused')).map((e) => e.details?.['reason']);
    expect(refused).toEqual(expect.arrayContaining(['bad_signature', 'stale', 'unsigned']));
    expect(refused.filter((r) => r === 'bad_signature')).toHaveLength(2);
    expect(refused.filter((r) => r === 'stale')).toHaveLength(2);
    expect((await get(d.id)).status).toBe('awaiting_approval');
  });

  it('an unmapped user, or a viewer, is told privately they are not allowed, and it is audited', async () => {
    const d = await awaitingApproval();
    expect(await click('U0STRANGER', 'approve', d)).toBeUndefined();
    expect(slack.ephemerals.at(-1)).toMatchObject({ channel: CHANNEL, user: 'U0STRANGER', text: expect.stringContaining('not allowed') });
    expect(await click('U0VAL', 'reject', d)).toBeUndefined();
    expect(slack.ephemerals.at(-1)).toMatchObject({ user: 'U0VAL', text: expect.stringContaining('needs the operator role') });
    const refused = await audit('type=slack.refused');
    expect(refused).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actor: 'slack:U0STRANGER', details: expect.objectContaining({ reason: 'unmapped' }) }),
        expect.objectContaining({ actor: 'slack:U0VAL', details: expect.objectContaining({ reason: 'role_too_low' }) }),
      ]),
    );
    expect((await get(d.id)).status).toBe('awaiting_approval');
  });

  it('no self-approval: the person who made the change cannot approve it from Slack either', async () => {
    const d = await awaitingApproval({ principal: 'arn:aws:sts::111122223333:assumed-role/dev/bob' });
    const view = await click('U0BOB', 'approve', d);
    const res = await submit('U0BOB', view!, 'looks fine');
    expect(res.body).toMatchObject({
      response_action: 'errors',
      errors: { comment: expect.stringContaining('bob made this change and cannot also decide on it') },
    });
    expect((await get(d.id)).status).toBe('awaiting_approval');
  });

  it('reject from Slack; adopting a suspicious difference needs the tick in the dialog', async () => {
    const r = await awaitingApproval();
    const rejectView = await click('U0ALICE', 'reject', r);
    expect((await submit('U0ALICE', rejectView!, '8080 stays closed')).body).toEqual({});
    expect((await get(r.id)).status).toBe('rejected');
    const s = await awaitingApproval({
      principal: 'arn:aws:sts::111122223333:assumed-role/dev/mallory',
      live: ['tcp/443/10.0.0.0/8', 'tcp/22/0.0.0.0/0'],
      critical: true,
      declared: true,
    });
    const view = await click('U0ALICE', 'adopt', s);
    expect(JSON.stringify(view)).toContain('confirm_suspicious');
    const unconfirmed = await submit('U0ALICE', view!, 'keep it', false);
    expect(unconfirmed.body).toMatchObject({
      response_action: 'errors',
      errors: { confirm_suspicious: expect.stringContaining('suspicious') },
    });
    expect((await submit('U0ALICE', view!, 'the bastion needs 22 until Monday', true)).body).toEqual({});
    expect((await get(s.id)).status).toBe('backport_open');
    expect((await audit(`drift=${s.id}&type=api.drift.adopt`))[0]?.reason).toMatch(/^adopted a SUSPICIOUS change/);
    expect(slack.problems).toEqual([]);
  });

  it('/driftwarden freeze on <ttl> <reason>, status and off, with the same checks', async () => {
    const cmd = (user: string, text: string) => post(slashCommandBody({ user, text }));
    expect((await cmd('U0STRANGER', 'freeze on 2h nope')).body).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('not allowed'),
    });
    expect((await cmd('U0VAL', 'freeze on 2h nope')).body).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('needs the operator role'),
    });
    expect((await cmd('U0ALICE', 'freeze on forever db migration')).body).toMatchObject({
      text: expect.stringContaining('The TTL must be'),
    });
    expect((await cmd('U0ALICE', 'freeze on 2h')).body).toMatchObject({ text: expect.stringContaining('A TTL and a reason are required') });
    const on = await cmd('U0ALICE', 'freeze on 2h database migration');
    expect(on.body).toMatchObject({
      response_type: 'in_channel',
      text: expect.stringContaining('Auto-heal frozen by alice@example.com for 2h: database migration'),
    });
    const view = (
      await http<{ frozen: boolean; sources: { id: string; type: string; actor?: string }[] }>(ctl.url, 'GET', '/v1/freeze', {
        token: TOKENS.viewer,
      })
    ).body;
    expect(view.frozen).toBe(true);
    const manual = view.sources.find((x) => x.type === 'manual');
    expect(manual?.actor).toBe('slack:U0ALICE');
    expect((await cmd('U0VAL', 'freeze status')).body).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('FROZEN'),
    });
    expect((await cmd('U0VAL', 'freeze off')).body).toMatchObject({ text: expect.stringContaining('needs the operator role') });
    expect((await cmd('U0ALICE', 'freeze off')).body).toMatchObject({
      response_type: 'in_channel',
      text: expect.stringContaining(`${manual!.id}`),
    });
    expect((await http<{ frozen: boolean }>(ctl.url, 'GET', '/v1/freeze', { token: TOKENS.viewer })).body.frozen).toBe(false);
    expect((await cmd('U0ALICE', 'unfreeze everything')).body).toMatchObject({ text: expect.stringContaining('Usage') });
    const created = (await audit('type=freeze.created')).find((e) => e.actor === 'slack:U0ALICE');
    expect(created?.reason).toBe('database migration');
    expect((await audit('type=freeze.lifted')).some((e) => e.actor === 'slack:U0ALICE')).toBe(true);
  });
});
