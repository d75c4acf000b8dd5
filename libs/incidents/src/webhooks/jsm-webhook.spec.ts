import { jiraWebhookBody, parseJiraWebhook, signJiraBody, verifyJiraSignature } from './jsm-webhook';

describe('Jira webhook signature (X-Hub-Signature: sha256=<hex>)', () => {
  const raw = Buffer.from(
    JSON.stringify(jiraWebhookBody({ event: 'jira:issue_updated', id: '10001', key: 'OPS-1', timestamp: 1_763_640_000_000 })),
  );

  it('accepts the body signed with any configured secret (rotation)', () => {
    expect(verifyJiraSignature(raw, signJiraBody(raw, 'new'), ['old', 'new'])).toBe(true);
    expect(verifyJiraSignature(raw, signJiraBody(raw, 'old'), ['old', 'new'])).toBe(true);
    expect(verifyJiraSignature(raw, signJiraBody(raw, 'old').toUpperCase().replace('SHA256=', 'sha256='), ['old'])).toBe(true);
  });

  it('refuses forged, tampered, unsigned and malformed signatures', () => {
    expect(verifyJiraSignature(raw, signJiraBody(raw, 'attacker'), ['old', 'new'])).toBe(false);
    expect(verifyJiraSignature(Buffer.from(raw.toString().replace('OPS-1', 'OPS-2')), signJiraBody(raw, 'new'), ['new'])).toBe(false);
    expect(verifyJiraSignature(raw, undefined, ['new'])).toBe(false);
    expect(verifyJiraSignature(raw, '', ['new'])).toBe(false);
    expect(verifyJiraSignature(raw, signJiraBody(raw, 'new').replace('sha256=', 'sha1='), ['new'])).toBe(false);
    expect(verifyJiraSignature(raw, `${signJiraBody(raw, 'new')}00`, ['new'])).toBe(false);
    // No secret configured: nothing is genuine (not even an all-zero digest).
    expect(verifyJiraSignature(raw, `sha256=${'0'.repeat(64)}`, [])).toBe(false);
    expect(verifyJiraSignature(raw, signJiraBody(raw, ''), [''])).toBe(false);
  });
});

describe('parseJiraWebhook', () => {
  it('takes the event, its time and the work item id and key only', () => {
    expect(
      parseJiraWebhook(jiraWebhookBody({ event: 'jira:issue_deleted', id: '10001', key: 'OPS-1', timestamp: 1_763_640_000_000 })),
    ).toEqual({
      ok: true,
      event: { webhookEvent: 'jira:issue_deleted', occurredAt: '2025-11-20T12:00:00.000Z', issue: { id: '10001', key: 'OPS-1' } },
    });
    expect(parseJiraWebhook({ webhookEvent: 'comment_created', timestamp: 1_763_640_000_000 })).toEqual({
      ok: true,
      event: { webhookEvent: 'comment_created', occurredAt: '2025-11-20T12:00:00.000Z' },
    });
  });

  it('names the path of each problem', () => {
    expect(parseJiraWebhook({ webhookEvent: 'jira:issue_created', timestamp: 'now' })).toEqual({
      ok: false,
      problems: [
        { path: 'timestamp', message: 'expected epoch milliseconds (a positive number)' },
        { path: 'issue', message: 'expected the work item of a jira:issue_created event' },
      ],
    });
    const bad = parseJiraWebhook({ webhookEvent: 'jira:issue_updated', timestamp: 1, issue: { id: 'x', key: '../admin' } });
    expect(bad.ok === false && bad.problems.map((p) => p.path)).toEqual(['issue.id', 'issue.key']);
    expect(parseJiraWebhook([])).toEqual({ ok: false, problems: [{ path: '(body)', message: 'expected an object, got array' }] });
  });
});
