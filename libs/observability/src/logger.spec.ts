import { Writable } from 'node:stream';
import { createLogger } from './logger';

describe('logger', () => {
  it('writes JSON and never writes tokens, signatures or secrets', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const log = createLogger('info', sink);
    log.info(
      {
        req: {
          headers: {
            authorization: 'Bearer s3cr3t-token',
            'x-pagerduty-signature': 'v1=abc',
            'x-hub-signature-256': 'sha256=def',
            'x-opsgenie-token': 'og',
            'x-hub-signature': 'sha256=jsm-sig',
            'x-driftwarden-signature': 'v1=generic-sig',
            'webhook-signature': 'v1,svix-sig',
          },
        },
        jsm: { apiToken: 'jsm-api-token', oauthToken: 'jsm-oauth-token' },
        webhook: { sources: { fh: { secrets: ['generic-secret'] } } },
        pagerduty: { token: 'pd-token', webhookSecrets: ['whs'] },
        github: { token: 'gh-token', webhookSecret: 'ghs' },
        // Deeper, as in a whole config object, and at the top.
        config: { incidents: { pagerduty: { token: 'deep-pd-token' } }, aws: { assumeRole: { externalId: 'ext-id-123' } } },
        apiKey: 'top-level-key',
      },
      'request',
    );
    const out = lines.join('');
    const parsed = JSON.parse(out) as { level: string; msg: string };
    expect(parsed).toMatchObject({ level: 'info', msg: 'request' });
    for (const secret of [
      'jsm-sig',
      'generic-sig',
      'svix-sig',
      'jsm-api-token',
      'jsm-oauth-token',
      'generic-secret',
      's3cr3t-token',
      'v1=abc',
      'sha256=def',
      '"og"',
      'pd-token',
      'whs',
      'gh-token',
      '"ghs"',
      'deep-pd-token',
      'ext-id-123',
      'top-level-key',
    ])
      expect(out).not.toContain(secret);
    expect(out).toContain('[redacted]');
  });
});
