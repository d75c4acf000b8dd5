import { DESIGN_EXAMPLE, SECRET_ENV, SECRET_VALUES, SOURCE, configErrorOf, parse } from '../test/config-fixtures';
import { formatConfigProblems } from './config.errors';
import { REDACTED, describeConfig, redactConfig, redactUrl } from './redact';

function expectNoSecret(text: string): void {
  for (const secret of SECRET_VALUES) expect(text).not.toContain(secret);
}

describe('secrets never appear in error messages', () => {
  // Each case puts secret values where they fail validation, through env: or inline.
  it.each([
    ['a secret in a URL field (env)', 'github: { apiUrl: env:GITHUB_TOKEN, token: env:GITHUB_TOKEN, webhookSecret: w }'],
    ['a secret in an enum field (env)', 'mode: env:PAGERDUTY_TOKEN'],
    ['a secret in a number field (env)', 'api: { port: env:OPSGENIE_API_KEY }'],
    ['a raw token where its sha256 belongs (env)', 'api: { tokens: [{ name: a, sha256: env:GITHUB_WEBHOOK_SECRET, role: admin }] }'],
    ['a redis URL with a password that is not valid', 'redis: { url: "http://:redis-password-7f3a@redis.internal:6379" }'],
    ['a bad redis URL from the environment', 'redis: { url: env:PAGERDUTY_WEBHOOK_SECRET }'],
    [
      'an inline secret with a sibling problem',
      `incidents: { opsgenie: { apiKey: "${SECRET_ENV.OPSGENIE_API_KEY}", webhookToken: 5, major: { priorities: [P9] } } }`,
    ],
    ['an inline secret under a misspelt key', `github: { tokn: "${SECRET_ENV.GITHUB_TOKEN}", webhookSecret: w }`],
    [
      'an inline secret of the wrong type',
      `incidents: { pagerduty: { token: t, webhookSecrets: ["${SECRET_ENV.PAGERDUTY_WEBHOOK_SECRET}", 12345] } }`,
    ],
    ['a webhook URL that is not a URL (env)', 'notifications: { webhooks: [{ name: hook, url: env:GITHUB_TOKEN }] }'],
    [
      'a webhook URL of the wrong scheme, inline',
      `notifications: { webhooks: [{ name: hook, url: "ftp://${SECRET_ENV.GITHUB_TOKEN}@example.com", secret: 5 }] }`,
    ],
    [
      'a secret where a name belongs (env)',
      'stacks: [{ name: env:GITHUB_WEBHOOK_SECRET, accounts: ["111122223333"], regions: [eu-west-1], state: { file: f } }, { name: env:GITHUB_WEBHOOK_SECRET, accounts: ["111122223333"], regions: [eu-west-1], state: { file: f } }]',
    ],
  ])('%s', (_name, yaml) => {
    const err = configErrorOf(() => parse(yaml, SECRET_ENV));
    expect(err.problems.length).toBeGreaterThan(0);
    expectNoSecret(formatConfigProblems(err.problems, SOURCE));
    expectNoSecret(err.message);
    expectNoSecret(JSON.stringify(err.problems));
  });

  it('still says where the value came from', () => {
    const err = configErrorOf(() => parse('mode: env:PAGERDUTY_TOKEN', SECRET_ENV));
    expect(err.problems).toEqual([
      expect.objectContaining({
        path: 'mode',
        message: 'expected one of enforce, dry-run, found a string (value hidden) (from environment variable PAGERDUTY_TOKEN)',
      }),
    ]);
  });
});

describe('redactConfig', () => {
  const config = parse(DESIGN_EXAMPLE, SECRET_ENV);

  it('replaces every secret and the password of the redis URL', () => {
    const redacted = redactConfig(config);
    expectNoSecret(JSON.stringify(redacted));
    expect(redacted.incidents.pagerduty?.token).toBe(REDACTED);
    expect(redacted.incidents.pagerduty?.webhookSecrets).toEqual([REDACTED]);
    expect(redacted.incidents.opsgenie?.apiKey).toBe(REDACTED);
    expect(redacted.incidents.opsgenie?.webhookToken).toBe(REDACTED);
    expect(redacted.github?.token).toBe(REDACTED);
    expect(redacted.github?.webhookSecret).toBe(REDACTED);
    expect(redacted.redis.url).toBe('redis://:[redacted]@redis.internal:6379');
  });

  it('keeps everything else and leaves the original untouched', () => {
    const redacted = redactConfig(config);
    expect(redacted.stacks).toEqual(config.stacks);
    expect(redacted.api).toEqual(config.api);
    expect(config.github?.token).toBe(SECRET_ENV.GITHUB_TOKEN);
    expect(config.incidents.pagerduty?.webhookSecrets).toEqual([SECRET_ENV.PAGERDUTY_WEBHOOK_SECRET]);
  });

  it('replaces secrets wherever they are, e.g. the external id of the assumed role', () => {
    const withRole = parse(
      `${DESIGN_EXAMPLE}\naws: { assumeRole: { roleArn: "arn:aws:iam::{account}:role/driftwarden-remediator", externalId: env:GITHUB_WEBHOOK_SECRET } }\n`,
      SECRET_ENV,
    );
    expect(withRole.aws.assumeRole?.externalId).toBe(SECRET_ENV.GITHUB_WEBHOOK_SECRET);
    const redacted = redactConfig(withRole);
    expect(redacted.aws.assumeRole).toMatchObject({ roleArn: 'arn:aws:iam::{account}:role/driftwarden-remediator', externalId: REDACTED });
    expectNoSecret(describeConfig(withRole));
  });

  it('works without any provider or GitHub', () => {
    expect(redactConfig(parse('{}'))).toEqual(parse('{}'));
  });

  it('describeConfig prints the effective config as YAML without secrets', () => {
    const text = describeConfig(config);
    expectNoSecret(text);
    expect(text).toContain('mode: enforce');
    expect(text).toContain('token: "[redacted]"');
    expect(text).toContain('maxTtlMs: 604800000');
  });
});

describe('redactUrl', () => {
  it.each([
    ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379'],
    ['redis://:pw@host:6379', 'redis://:[redacted]@host:6379'],
    ['rediss://user:pw@host:6380/2', 'rediss://user:[redacted]@host:6380/2'],
    ['https://user:pw@ghe.example.com/api/v3', 'https://user:[redacted]@ghe.example.com/api/v3'],
    ['not a url', REDACTED],
  ])('%s -> %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});
