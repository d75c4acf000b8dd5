import { createHmac } from 'node:crypto';
import { slackSignature, verifySlackRequest } from './slack-signature';

describe('Slack request signing (v0)', () => {
  const secret = 'signing-secret';
  const body = Buffer.from('payload=%7B%22type%22%3A%22block_actions%22%7D');
  const now = 1_800_000_000_000;
  const ts = String(now / 1000);
  // Computed here the way Slack documents it, independently of slackSignature.
  const slacks = `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body.toString()}`).digest('hex')}`;
  const verify = (o: Partial<Parameters<typeof verifySlackRequest>[0]>) =>
    verifySlackRequest({ signingSecret: secret, rawBody: body, signature: slacks, timestamp: ts, nowMs: now, ...o });

  it('signs as Slack does and accepts its signature', () => {
    expect(slackSignature(secret, ts, body)).toBe(slacks);
    expect(verify({})).toEqual({ ok: true });
  });

  it('refuses another secret, a changed body, a changed timestamp', () => {
    expect(verify({ signingSecret: 'other' })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verify({ rawBody: Buffer.from(`${body.toString()}&x=1`) })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verify({ timestamp: String(Number(ts) + 1), nowMs: now })).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('accepts up to 5 minutes either way, refuses beyond (a replay)', () => {
    expect(verify({ nowMs: now + 300_000 })).toEqual({ ok: true });
    expect(verify({ nowMs: now - 300_000 })).toEqual({ ok: true });
    expect(verify({ nowMs: now + 301_000 })).toEqual({ ok: false, reason: 'stale' });
    expect(verify({ nowMs: now - 301_000 })).toEqual({ ok: false, reason: 'stale' });
  });

  it('missing or malformed headers', () => {
    expect(verify({ signature: undefined })).toEqual({ ok: false, reason: 'unsigned' });
    expect(verify({ timestamp: undefined })).toEqual({ ok: false, reason: 'unsigned' });
    expect(verify({ signature: 'v1=abc' })).toEqual({ ok: false, reason: 'malformed' });
    expect(verify({ signature: slacks.toUpperCase() })).toEqual({ ok: false, reason: 'malformed' });
    expect(verify({ timestamp: '17e8' })).toEqual({ ok: false, reason: 'malformed' });
  });
});
