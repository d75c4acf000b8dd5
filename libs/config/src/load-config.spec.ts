import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { BASE_DIR, DESIGN_EXAMPLE, SECRET_ENV, SOURCE, configErrorOf, parse, problemsOf } from '../test/config-fixtures';
import { ConfigError, formatConfigProblems, type ConfigProblem } from './config.errors';
import { regionFromQueueUrl, type DriftwardenConfig } from './config.schema';
import { loadConfigFile, parseConfig, parseConfigObject } from './load-config';

const STACK = `{ name: network, accounts: ["111122223333"], regions: [eu-west-1], state: { file: ./state/network.tfstate } }`;
const HEX = 'ab'.repeat(32);

describe('parseConfig: the DESIGN.md §8 example', () => {
  it('parses, with env: references resolved', () => {
    const config = parse(DESIGN_EXAMPLE, SECRET_ENV);

    expect(config.mode).toBe('enforce');
    expect(config.redis).toEqual({ url: SECRET_ENV.REDIS_URL, prefix: 'dw', cluster: false });
    expect(config.api.tokens).toEqual([{ name: 'oncall', sha256: HEX, role: 'operator', identity: 'alice@example.com' }]);
    expect(config.ingest.sqs).toEqual({
      queueUrl: 'https://sqs.eu-west-1.amazonaws.com/111122223333/driftwarden',
      region: 'eu-west-1',
      waitTimeSeconds: 20,
      maxMessages: 10,
      visibilityTimeoutSeconds: 120,
      maxReceiveCount: 5,
    });
    expect(config.incidents.pagerduty).toEqual({
      token: SECRET_ENV.PAGERDUTY_TOKEN,
      apiUrl: 'https://api.pagerduty.com',
      webhookSecrets: [SECRET_ENV.PAGERDUTY_WEBHOOK_SECRET],
      major: { priorities: ['P1', 'P2'], urgencies: ['high'] },
      scopes: { PSVC123: { accounts: ['111122223333'] } },
      requestTimeoutMs: 10_000,
    });
    expect(config.incidents.opsgenie).toEqual({
      apiKey: SECRET_ENV.OPSGENIE_API_KEY,
      apiUrl: 'https://api.opsgenie.com',
      webhookToken: SECRET_ENV.OPSGENIE_WEBHOOK_TOKEN,
      major: { priorities: ['P1', 'P2'] },
      requestTimeoutMs: 10_000,
    });
    expect(config.freezeWindows).toEqual([
      {
        name: 'year-end',
        schedule: '0 18 20 12 *',
        duration: '14d',
        durationMs: 14 * 86_400_000,
        timeZone: 'Europe/Berlin',
        scope: { accounts: ['111122223333'] },
      },
    ]);
    expect(config.principals.iac).toEqual(['arn:aws:sts::*:assumed-role/terraform-apply/*']);
    expect(config.stacks).toEqual([
      {
        name: 'network',
        accounts: ['111122223333'],
        regions: ['eu-west-1'],
        state: { s3: { bucket: 'tf-state', key: 'network/terraform.tfstate', region: 'eu-west-1' } },
        repo: { owner: 'acme', name: 'infra', baseBranch: 'main', path: 'terraform/network' },
      },
    ]);
    expect(config.guardrails).toEqual({
      settleSeconds: 120,
      approvalTtlMinutes: 60,
      maxExceptionDays: 30,
      maxActiveExceptions: 500,
      critical: { tags: { tier: 'critical' } },
    });
    expect(config.github).toEqual({
      apiUrl: 'https://api.github.com',
      token: SECRET_ENV.GITHUB_TOKEN,
      webhookSecret: SECRET_ENV.GITHUB_WEBHOOK_SECRET,
    });
  });
});

describe('parseConfig: defaults', () => {
  it('an empty mapping is a complete enforce-mode config', () => {
    const expected: DriftwardenConfig = {
      mode: 'enforce',
      redis: { url: 'redis://127.0.0.1:6379', prefix: 'dw', cluster: false },
      api: {
        port: 8080,
        tokens: [],
        maxBodyBytes: 1_048_576,
        maxEventsPerRequest: 500,
        trustProxy: 0,
        authFailureLimit: { maxFailures: 20, windowSeconds: 60 },
      },
      ingest: { coalesceMilliseconds: 1000, configDeliveryBuckets: [] },
      workers: { concurrency: 16, lockDurationSeconds: 30 },
      attribution: { cloudTrailWaitSeconds: 300, lookupEvents: true },
      aws: {},
      incidents: { pollIntervalSeconds: 30, maxStalenessSeconds: 90, cooldownMinutes: 30, lookbackMinutes: 15 },
      freeze: {
        maxTtl: '7d',
        maxTtlMs: 604_800_000,
        maxOverrideTtl: '1h',
        maxOverrideTtlMs: 3_600_000,
        maxActive: 50,
        maxActiveOverrides: 10,
      },
      freezeWindows: [],
      principals: { iac: [], breakGlass: [], self: [] },
      stacks: [],
      guardrails: { settleSeconds: 120, approvalTtlMinutes: 60, maxExceptionDays: 30, maxActiveExceptions: 500, critical: {} },
      notifications: { webhooks: [] },
      retention: {
        items: '14d',
        itemsMs: 14 * 86_400_000,
        resources: '14d',
        resourcesMs: 14 * 86_400_000,
        closedDrifts: '30d',
        closedDriftsMs: 30 * 86_400_000,
        ignoredDrifts: '7d',
        ignoredDriftsMs: 7 * 86_400_000,
        cloudTrailEvents: '3d',
        cloudTrailEventsMs: 3 * 86_400_000,
        audit: { maxAge: '90d', maxAgeMs: 90 * 86_400_000, maxEntries: 1_000_000 },
        quarantine: { maxEntries: 10_000 },
        freezeHistory: '30d',
        freezeHistoryMs: 30 * 86_400_000,
        completedJobs: { maxAge: '24h', maxAgeMs: 86_400_000, maxCount: 50_000 },
        failedJobs: { maxAge: '7d', maxAgeMs: 7 * 86_400_000, maxCount: 1_000 },
        sweepBatchSize: 1_000,
      },
      backport: { expiryDays: 7 },
      reconcile: { intervalMinutes: 60, callsPerSecond: 5 },
      audit: { checkpoints: { every: '5m', everyMs: 300_000 }, export: {} },
      policies: { files: [], timeZones: [] },
    };
    expect(parse('{}')).toEqual(expected);
  });

  it('fills the defaults of a cross-account role', () => {
    expect(
      parseConfigObject(
        { aws: { assumeRole: { roleArn: 'arn:aws:iam::{account}:role/driftwarden-remediator', externalId: 'x-123' } } },
        { env: {} },
      ).aws,
    ).toEqual({
      assumeRole: {
        roleArn: 'arn:aws:iam::{account}:role/driftwarden-remediator',
        externalId: 'x-123',
        sessionName: 'driftwarden',
        durationSeconds: 3600,
      },
    });
  });

  it('fills the defaults inside optional sections', () => {
    const config = parse(`
ingest: { sqs: { queueUrl: "https://sqs.us-east-1.amazonaws.com/111122223333/q" } }
incidents:
  pagerduty: { token: t }
  opsgenie: { apiKey: k }
freezeWindows: [{ name: w, schedule: "0 9 * * 1", duration: 2h }]
stacks: [{ name: s, accounts: ["111122223333"], regions: [us-east-1], state: { file: s.tfstate }, repo: { owner: o, name: r } }]
github: { token: t, webhookSecret: w }
`);
    expect(config.ingest.sqs).toMatchObject({ region: 'us-east-1', waitTimeSeconds: 20, maxMessages: 10 });
    expect(config.incidents.pagerduty).toEqual({
      token: 't',
      apiUrl: 'https://api.pagerduty.com',
      webhookSecrets: [],
      major: {},
      requestTimeoutMs: 10_000,
    });
    expect(config.incidents.opsgenie).toEqual({ apiKey: 'k', apiUrl: 'https://api.opsgenie.com', major: {}, requestTimeoutMs: 10_000 });
    expect(config.freezeWindows[0]).toEqual({ name: 'w', schedule: '0 9 * * 1', duration: '2h', durationMs: 7_200_000, timeZone: 'UTC' });
    expect(config.stacks[0].repo).toEqual({ owner: 'o', name: 'r', baseBranch: 'main', path: '.' });
    expect(config.github).toEqual({ apiUrl: 'https://api.github.com', token: 't', webhookSecret: 'w' });
  });
});

describe('parseConfig: reconcile.aggregator', () => {
  it('reads live configuration through a Config aggregator when one is named (one call per second by default)', () => {
    expect(parse('reconcile: { aggregator: { name: org-aggregator, region: eu-west-1 } }').reconcile).toEqual({
      intervalMinutes: 60,
      callsPerSecond: 5,
      aggregator: { name: 'org-aggregator', region: 'eu-west-1', callsPerSecond: 1 },
    });
  });

  it('names the key of a bad aggregator name or region', () => {
    expect(problemsOf('reconcile: { aggregator: { name: "org aggregator", region: eu-west-1 } }').map((p) => p.path)).toEqual([
      'reconcile.aggregator.name',
    ]);
    expect(problemsOf('reconcile: { aggregator: { name: org } }').map((p) => p.path)).toEqual(['reconcile.aggregator.region']);
  });
});

describe('parseConfig: normalisation', () => {
  it('lowercases sha256 hashes', () => {
    const config = parse(`api: { tokens: [{ name: a, sha256: "${HEX.toUpperCase()}", role: admin }] }`);
    expect(config.api.tokens[0].sha256).toBe(HEX);
  });

  it.each([
    ['https://api.github.com/', 'https://api.github.com'],
    ['https://ghe.example.com/api/v3', 'https://ghe.example.com/api/v3'],
    ['https://ghe.example.com/api/v3/', 'https://ghe.example.com/api/v3'],
    ['http://127.0.0.1:4010', 'http://127.0.0.1:4010'],
  ])('accepts the base URL %s as %s', (apiUrl, expected) => {
    expect(parse(`github: { apiUrl: "${apiUrl}", token: t, webhookSecret: w }`).github?.apiUrl).toBe(expected);
  });

  it('resolves a state file against the config folder and leaves S3 state alone', () => {
    const config = parse(`
stacks:
  - { name: a, accounts: ["111122223333"], regions: [eu-west-1], state: { file: ./state/a.tfstate } }
  - { name: b, accounts: ["111122223333"], regions: [eu-west-1], state: { file: /var/b.tfstate } }
  - { name: c, accounts: ["111122223333"], regions: [eu-west-1], state: { s3: { bucket: x, key: k, region: eu-west-1, workspace: prod } } }
`);
    expect(config.stacks.map((s) => s.state)).toEqual([
      { file: path.join(BASE_DIR, 'state/a.tfstate') },
      { file: '/var/b.tfstate' },
      { s3: { bucket: 'x', key: 'k', region: 'eu-west-1', workspace: 'prod' } },
    ]);
  });

  it("keeps a stack's state size limit (maxMegabytes) beside either backend", () => {
    const config = parse(`
stacks:
  - { name: a, accounts: ["111122223333"], regions: [eu-west-1], state: { file: ./state/a.tfstate, maxMegabytes: 2048 } }
  - { name: c, accounts: ["111122223333"], regions: [eu-west-1], state: { s3: { bucket: x, key: k, region: eu-west-1 }, maxMegabytes: 64 } }
`);
    expect(config.stacks.map((s) => s.state)).toEqual([
      { file: path.join(BASE_DIR, 'state/a.tfstate'), maxMegabytes: 2048 },
      { s3: { bucket: 'x', key: 'k', region: 'eu-west-1' }, maxMegabytes: 64 },
    ]);
  });

  it.each([
    ['./terraform/network/', 'terraform/network'],
    ['.', '.'],
    ['./', '.'],
    ['modules', 'modules'],
  ])('normalises the repo path %j to %j', (repoPath, expected) => {
    const config = parse(
      `stacks: [{ name: s, accounts: ["111122223333"], regions: [eu-west-1], state: { file: f }, repo: { owner: o, name: r, path: "${repoPath}" } }]`,
    );
    expect(config.stacks[0].repo?.path).toBe(expected);
  });

  it.each([
    ['https://sqs.eu-west-1.amazonaws.com/111122223333/q', 'eu-west-1'],
    ['https://sqs.cn-north-1.amazonaws.com.cn/111122223333/q', 'cn-north-1'],
    ['https://eu-central-1.queue.amazonaws.com/111122223333/q', 'eu-central-1'],
    ['https://sqs.us-gov-west-1.amazonaws.com/111122223333/q', 'us-gov-west-1'],
    ['https://vpce-0abc-xyz.sqs.ap-southeast-2.vpce.amazonaws.com/111122223333/q', 'ap-southeast-2'],
    ['http://sqs.us-east-1.localhost.localstack.cloud:4566/000000000000/q', 'us-east-1'],
    ['http://localhost:4566/000000000000/q', undefined],
  ])('derives the region of %s', (queueUrl, region) => {
    expect(regionFromQueueUrl(queueUrl)).toBe(region);
  });

  it('keeps an explicit SQS region, which a non-standard queue URL needs', () => {
    const config = parse('ingest: { sqs: { queueUrl: "http://localhost:4566/000000000000/q", region: us-east-1, waitTimeSeconds: 0 } }');
    expect(config.ingest.sqs).toMatchObject({ region: 'us-east-1', waitTimeSeconds: 0 });
  });

  it('accepts a scope with every dimension', () => {
    const config = parse(`
incidents:
  opsgenie:
    apiKey: k
    major: { priorities: [P1], teams: [sre] }
    scopes:
      payments: { accounts: ["111122223333"], regions: [eu-west-1, us-east-1], resourceTypes: ["AWS::EC2::SecurityGroup"], tags: { team: payments, "driftwarden:tier": "" } }
`);
    expect(config.incidents.opsgenie?.scopes?.payments).toEqual({
      accounts: ['111122223333'],
      regions: ['eu-west-1', 'us-east-1'],
      resourceTypes: ['AWS::EC2::SecurityGroup'],
      tags: { team: 'payments', 'driftwarden:tier': '' },
    });
  });
});

describe('parseConfig: policies', () => {
  it('resolves policy files against the config file folder and keeps the time zones', () => {
    const config = parse('policies: { files: [./policies/prod.cedar, /etc/dw/hours.cedar], timeZones: [Europe/Berlin, UTC] }');
    expect(config.policies).toEqual({
      files: [path.resolve(BASE_DIR, 'policies/prod.cedar'), '/etc/dw/hours.cedar'],
      timeZones: ['Europe/Berlin', 'UTC'],
    });
  });

  it('names the key of a bad file name, a bad time zone and an unknown key', () => {
    const problems = problemsOf('policies: { files: [prod.yaml], timeZones: [Europe/Berlinn], file: x.cedar }');
    const byPath = new Map(problems.map((p) => [p.path, p.message]));
    expect([...byPath.keys()].sort()).toEqual(['policies.file', 'policies.files[0]', 'policies.timeZones[0]']);
    expect(byPath.get('policies.files[0]')).toContain('a path to a Cedar policy file ending in .cedar');
    expect(byPath.get('policies.timeZones[0]')).toContain('an IANA time zone');
  });
});

describe('parseConfig: retention', () => {
  it('parses every key, with milliseconds beside each duration', () => {
    const config = parse(`
attribution: { cloudTrailWaitSeconds: 0 }
retention:
  items: 90s
  resources: 2m
  closedDrifts: 3m
  ignoredDrifts: 45s
  cloudTrailEvents: 1h
  audit: { maxAge: 10m, maxEntries: 5000 }
  quarantine: { maxEntries: 50 }
  freezeHistory: 90s
  completedJobs: { maxAge: 2h, maxCount: 2000 }
  failedJobs: { maxAge: 1d, maxCount: 10 }
  sweepBatchSize: 200
`);
    expect(config.retention).toEqual({
      items: '90s',
      itemsMs: 90_000,
      resources: '2m',
      resourcesMs: 120_000,
      closedDrifts: '3m',
      closedDriftsMs: 180_000,
      ignoredDrifts: '45s',
      ignoredDriftsMs: 45_000,
      cloudTrailEvents: '1h',
      cloudTrailEventsMs: 3_600_000,
      audit: { maxAge: '10m', maxAgeMs: 600_000, maxEntries: 5000 },
      quarantine: { maxEntries: 50 },
      freezeHistory: '90s',
      freezeHistoryMs: 90_000,
      completedJobs: { maxAge: '2h', maxAgeMs: 7_200_000, maxCount: 2000 },
      failedJobs: { maxAge: '1d', maxAgeMs: 86_400_000, maxCount: 10 },
      sweepBatchSize: 200,
    });
  });

  it('fills the keys left out of a partial section', () => {
    const config = parse('retention: { ignoredDrifts: 1d, failedJobs: { maxCount: 50 } }');
    expect(config.retention).toMatchObject({
      ignoredDrifts: '1d',
      ignoredDriftsMs: 86_400_000,
      items: '14d',
      closedDrifts: '30d',
      failedJobs: { maxAge: '7d', maxCount: 50 },
      completedJobs: { maxAge: '24h', maxCount: 50_000 },
    });
  });

  it('reports every retention problem of the file at once', () => {
    const problems = problemsOf('retention: { items: 2d, resources: 1d, freezeHistory: 1d, sweepBatchSize: -1 }');
    expect(problems.map((p) => p.path).sort()).toEqual(['retention.freezeHistory', 'retention.resources', 'retention.sweepBatchSize']);
  });
});

interface Case {
  name: string;
  yaml: string;
  env?: Record<string, string>;
  path: string;
  message: string | RegExp;
}

const cases: Case[] = [
  // cross-account
  {
    name: 'an assumed role without {account}',
    yaml: 'aws: { assumeRole: { roleArn: "arn:aws:iam::111122223333:role/dw" } }',
    path: 'aws.assumeRole.roleArn',
    message: /expected an IAM role ARN with \{account\} for the account id/,
  },
  {
    name: 'an assumed-role session name with a space',
    yaml: 'aws: { assumeRole: { roleArn: "arn:aws:iam::{account}:role/dw", sessionName: "drift warden" } }',
    path: 'aws.assumeRole.sessionName',
    message: /expected 2 to 64 letters/,
  },
  {
    name: 'an assumed-role duration beyond 12 h',
    yaml: 'aws: { assumeRole: { roleArn: "arn:aws:iam::{account}:role/dw", durationSeconds: 50000 } }',
    path: 'aws.assumeRole.durationSeconds',
    message: /43200/,
  },
  // unknown keys
  {
    name: 'unknown key, with a suggestion',
    yaml: 'api: { tokns: [] }',
    path: 'api.tokns',
    message: 'unknown key `api.tokns` — did you mean `tokens`?',
  },
  {
    name: 'unknown top-level key, with a suggestion',
    yaml: 'stack: []',
    path: 'stack',
    message: 'unknown key `stack` — did you mean `stacks`?',
  },
  {
    name: 'unknown key, nothing close',
    yaml: 'workers: { threads: 4 }',
    path: 'workers.threads',
    message: 'unknown key `workers.threads` (allowed here: concurrency, lockDurationSeconds)',
  },
  {
    name: 'unknown key inside a list item',
    yaml: `stacks: [{ name: s, accounts: ["111122223333"], regions: [eu-west-1], state: { file: f }, repo: { owner: o, name: r, baseBrach: main } }]`,
    path: 'stacks[0].repo.baseBrach',
    message: 'unknown key `stacks[0].repo.baseBrach` — did you mean `baseBranch`?',
  },
  {
    name: 'unknown key inside a scope map',
    yaml: 'incidents: { pagerduty: { token: t, scopes: { P1: { account: ["111122223333"] } } } }',
    path: 'incidents.pagerduty.scopes.P1.account',
    message: /did you mean `accounts`\?/,
  },
  // wrong types
  {
    name: 'string where an integer is expected',
    yaml: 'api: { port: "8080" }',
    path: 'api.port',
    message: 'expected an integer, found a string ("8080")',
  },
  {
    name: 'fraction where an integer is expected',
    yaml: 'workers: { concurrency: 1.5 }',
    path: 'workers.concurrency',
    message: 'expected an integer, found the number 1.5',
  },
  {
    name: 'boolean where an integer is expected',
    yaml: 'guardrails: { settleSeconds: true }',
    path: 'guardrails.settleSeconds',
    message: 'expected an integer, found the boolean true',
  },
  { name: 'list where a mapping is expected', yaml: 'api: []', path: 'api', message: 'expected a mapping (key: value), found a list' },
  { name: 'empty section', yaml: 'ingest:', path: 'ingest', message: 'expected a mapping (key: value), found an empty value (null)' },
  {
    name: 'unquoted account id',
    yaml: `stacks: [{ name: s, accounts: [111122223333], regions: [eu-west-1], state: { file: f } }]`,
    path: 'stacks[0].accounts[0]',
    message: 'expected a string, found the number 111122223333 (write it in quotes in YAML: "111122223333")',
  },
  {
    name: 'missing required key',
    yaml: 'stacks: [{ name: s, regions: [eu-west-1], state: { file: f } }]',
    path: 'stacks[0].accounts',
    message: 'expected a list, found nothing (this key is required)',
  },
  {
    name: 'missing required nested key',
    yaml: `stacks: [{ name: s, accounts: ["111122223333"], regions: [eu-west-1], state: { s3: { key: k, region: eu-west-1 } } }]`,
    path: 'stacks[0].state.s3.bucket',
    message: 'expected a string, found nothing (this key is required)',
  },
  { name: 'bad mode', yaml: 'mode: dryrun', path: 'mode', message: 'expected one of enforce, dry-run, found "dryrun"' },
  // env references
  {
    name: 'missing environment variable',
    yaml: 'incidents: { pagerduty: { token: env:PAGERDUTY_TOKEN } }',
    path: 'incidents.pagerduty.token',
    message: 'environment variable PAGERDUTY_TOKEN is not set',
  },
  {
    name: 'empty environment variable',
    yaml: 'github: { token: env:GITHUB_TOKEN, webhookSecret: w }',
    env: { GITHUB_TOKEN: '' },
    path: 'github.token',
    message: 'environment variable GITHUB_TOKEN is empty',
  },
  {
    name: 'missing variable inside a list',
    yaml: 'incidents: { pagerduty: { token: t, webhookSecrets: [a, env:PD_SECRET_2] } }',
    path: 'incidents.pagerduty.webhookSecrets[1]',
    message: 'environment variable PD_SECRET_2 is not set',
  },
  {
    name: 'environment value of the wrong type',
    yaml: 'api: { port: env:API_PORT }',
    env: { API_PORT: '8080' },
    path: 'api.port',
    message: 'expected an integer, found a string (from environment variable API_PORT)',
  },
  // cron, time zones, durations
  {
    name: 'cron value out of range',
    yaml: 'freezeWindows: [{ name: w, schedule: "61 * * * *", duration: 1h }]',
    path: 'freezeWindows[0].schedule',
    message: /^expected a 5-field cron expression .*, found "61 \* \* \* \*" \(Constraint error, got value 61 expected range 0-59\)$/,
  },
  {
    name: 'cron with 6 fields',
    yaml: 'freezeWindows: [{ name: w, schedule: "0 0 18 20 12 *", duration: 1h }]',
    path: 'freezeWindows[0].schedule',
    message: /found "0 0 18 20 12 \*" \(it has 6 fields\)$/,
  },
  {
    name: 'cron macro',
    yaml: 'freezeWindows: [{ name: w, schedule: "@daily", duration: 1h }]',
    path: 'freezeWindows[0].schedule',
    message: /\(it has 1 field\)$/,
  },
  {
    name: 'cron nonsense',
    yaml: 'freezeWindows: [{ name: w, schedule: "every friday at 5", duration: 1h }]',
    path: 'freezeWindows[0].schedule',
    message: /^expected a 5-field cron expression/,
  },
  {
    name: 'unknown time zone',
    yaml: 'freezeWindows: [{ name: w, schedule: "0 18 * * 5", duration: 1h, timeZone: Europe/Atlantis }]',
    path: 'freezeWindows[0].timeZone',
    message: 'expected an IANA time zone such as Europe/Berlin or UTC, found "Europe/Atlantis"',
  },
  {
    name: 'bad duration unit',
    yaml: 'freezeWindows: [{ name: w, schedule: "0 18 * * 5", duration: 14x }]',
    path: 'freezeWindows[0].duration',
    message: 'expected a duration like 90s, 30m, 2h or 14d (a whole number and one unit: s, m, h, d), found "14x"',
  },
  {
    name: 'compound duration',
    yaml: 'freeze: { maxTtl: 1h30m }',
    path: 'freeze.maxTtl',
    message: /^expected a duration like .*, found "1h30m"$/,
  },
  {
    name: 'zero duration',
    yaml: 'freezeWindows: [{ name: w, schedule: "0 18 * * 5", duration: 0s }]',
    path: 'freezeWindows[0].duration',
    message: 'expected a duration greater than zero, found "0s"',
  },
  {
    name: 'duration as a number',
    yaml: 'freeze: { maxTtl: 3600 }',
    path: 'freeze.maxTtl',
    message: 'expected a string, found the number 3600 (write it in quotes in YAML: "3600")',
  },
  {
    name: 'override ttl above 1h',
    yaml: 'freeze: { maxOverrideTtl: 2h }',
    path: 'freeze.maxOverrideTtl',
    message: /^expected at most 1h .*, found "2h"$/,
  },
  { name: 'override ttl of 61m', yaml: 'freeze: { maxOverrideTtl: 61m }', path: 'freeze.maxOverrideTtl', message: /found "61m"$/ },
  // duplicates
  {
    name: 'duplicate stack names',
    yaml: `stacks: [${STACK}, ${STACK}]`,
    path: 'stacks[1].name',
    message: 'duplicate name "network": already used by `stacks[0]`',
  },
  {
    name: 'duplicate window names',
    yaml: 'freezeWindows: [{ name: w, schedule: "0 9 * * *", duration: 1h }, { name: v, schedule: "0 9 * * *", duration: 1h }, { name: w, schedule: "0 9 * * *", duration: 1h }]',
    path: 'freezeWindows[2].name',
    message: 'duplicate name "w": already used by `freezeWindows[0]`',
  },
  {
    name: 'duplicate token names',
    yaml: `api: { tokens: [{ name: a, sha256: "${HEX}", role: viewer }, { name: a, sha256: "${'cd'.repeat(32)}", role: admin }] }`,
    path: 'api.tokens[1].name',
    message: 'duplicate name "a": already used by `api.tokens[0]`',
  },
  {
    name: 'the same token twice',
    yaml: `api: { tokens: [{ name: a, sha256: "${HEX}", role: viewer }, { name: b, sha256: "${HEX.toUpperCase()}", role: admin }] }`,
    path: 'api.tokens[1].sha256',
    message: 'duplicate sha256 (the same token twice): already used by `api.tokens[0]`',
  },
  // state
  {
    name: 'state with neither',
    yaml: 'stacks: [{ name: s, accounts: ["111122223333"], regions: [eu-west-1], state: {} }]',
    path: 'stacks[0].state',
    message: 'expected exactly one of s3 or file, found neither',
  },
  {
    name: 'state size limit of 0',
    yaml: 'stacks: [{ name: s, accounts: ["111122223333"], regions: [eu-west-1], state: { file: f, maxMegabytes: 0 } }]',
    path: 'stacks[0].state.maxMegabytes',
    message: /1/,
  },
  {
    name: 'state size limit not a whole number',
    yaml: 'stacks: [{ name: s, accounts: ["111122223333"], regions: [eu-west-1], state: { file: f, maxMegabytes: 1.5 } }]',
    path: 'stacks[0].state.maxMegabytes',
    message: /integer|whole/,
  },
  {
    name: 'state with both',
    yaml: 'stacks: [{ name: s, accounts: ["111122223333"], regions: [eu-west-1], state: { file: f, s3: { bucket: b, key: k, region: eu-west-1 } } }]',
    path: 'stacks[0].state',
    message: 'expected exactly one of s3 or file, found both',
  },
  {
    name: 'state with an unknown backend',
    yaml: 'stacks: [{ name: s, accounts: ["111122223333"], regions: [eu-west-1], state: { gcs: { bucket: b } } }]',
    path: 'stacks[0].state.gcs',
    message: 'unknown key `stacks[0].state.gcs` (allowed here: s3, file, maxMegabytes)',
  },
  // tokens
  {
    name: 'short sha256',
    yaml: 'api: { tokens: [{ name: a, sha256: abc123, role: admin }] }',
    path: 'api.tokens[0].sha256',
    message: 'expected a SHA-256 hash as 64 hexadecimal characters, found a string (value hidden)',
  },
  {
    name: 'non-hex sha256',
    yaml: `api: { tokens: [{ name: a, sha256: "${'zz'.repeat(32)}", role: admin }] }`,
    path: 'api.tokens[0].sha256',
    message: /^expected a SHA-256 hash as 64 hexadecimal characters/,
  },
  {
    name: 'bad token role',
    yaml: `api: { tokens: [{ name: a, sha256: "${HEX}", role: superuser }] }`,
    path: 'api.tokens[0].role',
    message: 'expected one of viewer, ingest, operator, admin, found "superuser"',
  },
  {
    name: 'token name with a colon',
    yaml: `api: { tokens: [{ name: "ci:bot", sha256: "${HEX}", role: ingest }] }`,
    path: 'api.tokens[0].name',
    message: /^expected a name of letters, digits/,
  },
  // principals
  {
    name: 'ARN glob without arn:',
    yaml: 'principals: { iac: ["*:assumed-role/terraform-apply/*"] }',
    path: 'principals.iac[0]',
    message: /^expected an ARN glob pattern starting with "arn:".*, found "\*:assumed-role\/terraform-apply\/\*"$/,
  },
  {
    name: 'ARN glob that does not compile',
    yaml: 'principals: { breakGlass: ["arn:aws:sts::*:assumed-role/[BreakGlass/*"] }',
    path: 'principals.breakGlass[0]',
    message: /^expected a valid ARN glob pattern, found ".*" \(Missing closing: "\]"/,
  },
  // incidents
  {
    name: 'staleness equal to the poll interval',
    yaml: 'incidents: { pollIntervalSeconds: 60, maxStalenessSeconds: 60 }',
    path: 'incidents.maxStalenessSeconds',
    message: /^expected more than pollIntervalSeconds \(60\), found 60/,
  },
  {
    name: 'staleness below the default poll interval',
    yaml: 'incidents: { maxStalenessSeconds: 20 }',
    path: 'incidents.maxStalenessSeconds',
    message: /^expected more than pollIntervalSeconds \(30\), found 20/,
  },
  {
    name: 'bad PagerDuty urgency',
    yaml: 'incidents: { pagerduty: { token: t, major: { urgencies: [medium] } } }',
    path: 'incidents.pagerduty.major.urgencies[0]',
    message: 'expected one of high, low, found "medium"',
  },
  {
    name: 'bad Opsgenie priority',
    yaml: 'incidents: { opsgenie: { apiKey: k, major: { priorities: [P6] } } }',
    path: 'incidents.opsgenie.major.priorities[0]',
    message: 'expected one of P1, P2, P3, P4, P5, found "P6"',
  },
  {
    name: 'empty major criterion',
    yaml: 'incidents: { pagerduty: { token: t, major: { priorities: [] } } }',
    path: 'incidents.pagerduty.major.priorities',
    message: 'expected at least one item, found an empty list (leave the key out to ignore priority)',
  },
  {
    name: 'missing PagerDuty token',
    yaml: 'incidents: { pagerduty: { apiUrl: "https://api.eu.pagerduty.com" } }',
    path: 'incidents.pagerduty.token',
    message: 'expected a string, found nothing (this key is required)',
  },
  {
    name: 'negative cooldown',
    yaml: 'incidents: { cooldownMinutes: -1 }',
    path: 'incidents.cooldownMinutes',
    message: 'expected a number of at least 0, found -1',
  },
  // scopes
  {
    name: 'account id of 11 digits',
    yaml: 'freezeWindows: [{ name: w, schedule: "0 9 * * *", duration: 1h, scope: { accounts: ["11112222333"] } }]',
    path: 'freezeWindows[0].scope.accounts[0]',
    message: 'expected a 12-digit AWS account id, found "11112222333"',
  },
  {
    name: 'bad region',
    yaml: 'freezeWindows: [{ name: w, schedule: "0 9 * * *", duration: 1h, scope: { regions: [Ireland] } }]',
    path: 'freezeWindows[0].scope.regions[0]',
    message: 'expected an AWS region such as eu-west-1, found "Ireland"',
  },
  {
    name: 'bad resource type',
    yaml: 'freezeWindows: [{ name: w, schedule: "0 9 * * *", duration: 1h, scope: { resourceTypes: [SecurityGroup] } }]',
    path: 'freezeWindows[0].scope.resourceTypes[0]',
    message: 'expected a resource type such as AWS::EC2::SecurityGroup, found "SecurityGroup"',
  },
  {
    name: 'empty scope list',
    yaml: 'freezeWindows: [{ name: w, schedule: "0 9 * * *", duration: 1h, scope: { accounts: [] } }]',
    path: 'freezeWindows[0].scope.accounts',
    message: 'expected at least one item, found an empty list (leave the key out to cover every account)',
  },
  // A tag key that a plain object cannot hold would vanish: the scope or rule would cover more.
  {
    name: 'a __proto__ tag key in a scope',
    yaml: 'freezeWindows: [{ name: w, schedule: "0 9 * * *", duration: 1h, scope: { tags: { __proto__: team-x } } }]',
    path: 'freezeWindows[0].scope.tags.__proto__',
    message: /^expected a tag key other than __proto__, constructor or prototype/,
  },
  {
    name: 'a constructor critical tag key',
    yaml: 'guardrails: { critical: { tags: { constructor: x } } }',
    path: 'guardrails.critical.tags.constructor',
    message: /^expected a tag key other than __proto__/,
  },
  {
    name: 'an empty scope',
    yaml: 'freezeWindows: [{ name: w, schedule: "0 9 * * *", duration: 1h, scope: {} }]',
    path: 'freezeWindows[0].scope',
    message: /found an empty scope \(leave the scope out to cover everything\)$/,
  },
  {
    name: 'an empty tag map in a scope',
    yaml: 'incidents: { pagerduty: { token: t, scopes: { P1: { tags: {} } } } }',
    path: 'incidents.pagerduty.scopes.P1.tags',
    message: /^expected at least one tag, found an empty map/,
  },
  {
    name: 'a sovereign-cloud region is a region',
    yaml: 'freezeWindows: [{ name: w, schedule: "0 9 * * *", duration: 1h, scope: { regions: [eusc-de-east-1, "eu-west-1/../x"] } }]',
    path: 'freezeWindows[0].scope.regions[1]',
    message: /^expected an AWS region such as eu-west-1, found "eu-west-1\/..\/x"$/,
  },
  // caps
  {
    name: 'exceptions capped at zero days',
    yaml: 'guardrails: { maxExceptionDays: 0 }',
    path: 'guardrails.maxExceptionDays',
    message: 'expected an integer of at least 1, found 0',
  },
  {
    name: 'exceptions capped beyond ten years',
    yaml: 'guardrails: { maxExceptionDays: 3651 }',
    path: 'guardrails.maxExceptionDays',
    message: 'expected an integer of at most 3650, found 3651',
  },
  {
    name: 'exceptions capped with a duration string',
    yaml: 'guardrails: { maxExceptionDays: 30d }',
    path: 'guardrails.maxExceptionDays',
    message: 'expected an integer, found a string ("30d")',
  },
  {
    name: 'no manual freeze allowed at all',
    yaml: 'freeze: { maxActive: 0 }',
    path: 'freeze.maxActive',
    message: 'expected an integer of at least 1, found 0',
  },
  {
    name: 'no override allowed at all',
    yaml: 'freeze: { maxActiveOverrides: 0 }',
    path: 'freeze.maxActiveOverrides',
    message: 'expected an integer of at least 1, found 0',
  },
  {
    name: 'no exception allowed at all',
    yaml: 'guardrails: { maxActiveExceptions: 0 }',
    path: 'guardrails.maxActiveExceptions',
    message: 'expected an integer of at least 1, found 0',
  },
  {
    name: 'an auth failure limit of zero',
    yaml: 'api: { authFailureLimit: { maxFailures: 0 } }',
    path: 'api.authFailureLimit.maxFailures',
    message: 'expected an integer of at least 1, found 0',
  },
  {
    name: 'an auth failure window of over an hour',
    yaml: 'api: { authFailureLimit: { windowSeconds: 3601 } }',
    path: 'api.authFailureLimit.windowSeconds',
    message: 'expected an integer of at most 3600, found 3601',
  },
  {
    name: 'a negative proxy count',
    yaml: 'api: { trustProxy: -1 }',
    path: 'api.trustProxy',
    message: 'expected an integer of at least 0, found -1',
  },
  {
    name: 'non-string tag value',
    yaml: 'guardrails: { critical: { tags: { "driftwarden:critical": true } } }',
    path: 'guardrails.critical.tags["driftwarden:critical"]',
    message: 'expected a string, found the boolean true (write it in quotes in YAML: "true")',
  },
  // everything else
  {
    name: 'bad redis prefix',
    yaml: 'redis: { prefix: "dw:prod" }',
    path: 'redis.prefix',
    message: 'expected a key prefix of letters, digits, "-" or "_", found "dw:prod"',
  },
  {
    name: 'not a redis URL',
    yaml: 'redis: { url: "http://127.0.0.1:6379" }',
    path: 'redis.url',
    message: /^expected a redis:\/\/ or rediss:\/\/ URL .*, found a string \(value hidden\)$/,
  },
  {
    name: 'port out of range',
    yaml: 'api: { port: 70000 }',
    path: 'api.port',
    message: 'expected an integer of at most 65535, found 70000',
  },
  {
    name: 'an unknown notification event',
    yaml: 'notifications: { webhooks: [{ name: a, url: "https://h.example.com/x", on: [approval] }] }',
    path: 'notifications.webhooks[0].on[0]',
    message:
      'expected one of awaiting_approval, suspicious, widens_exposure, remediation_failed, freeze_unknown, backport_overdue, tracking_issue, found "approval"',
  },
  {
    name: 'two webhooks with one name',
    yaml: 'notifications: { webhooks: [{ name: a, url: "https://h.example.com/x" }, { name: a, url: "https://h.example.com/y" }] }',
    path: 'notifications.webhooks[1].name',
    message: 'duplicate name "a": already used by `notifications.webhooks[0]`',
  },
  {
    name: 'zero concurrency',
    yaml: 'workers: { concurrency: 0 }',
    path: 'workers.concurrency',
    message: 'expected an integer of at least 1, found 0',
  },
  {
    name: 'too much concurrency',
    yaml: 'workers: { concurrency: 501 }',
    path: 'workers.concurrency',
    message: 'expected an integer of at most 500, found 501',
  },
  {
    name: 'a lock too short to survive a pause',
    yaml: 'workers: { lockDurationSeconds: 2 }',
    path: 'workers.lockDurationSeconds',
    message: 'expected an integer of at least 5, found 2',
  },
  {
    name: 'SQS region not derivable',
    yaml: 'ingest: { sqs: { queueUrl: "http://localhost:4566/000000000000/q" } }',
    path: 'ingest.sqs.region',
    message: /^expected a region: the queueUrl is not a standard SQS URL/,
  },
  {
    name: 'SQS queue URL not http',
    yaml: 'ingest: { sqs: { queueUrl: "sqs://queue", region: eu-west-1 } }',
    path: 'ingest.sqs.queueUrl',
    message: 'expected an http:// or https:// URL, found "sqs://queue"',
  },
  {
    name: 'SQS wait time above 20',
    yaml: 'ingest: { sqs: { queueUrl: "https://sqs.eu-west-1.amazonaws.com/1/q", waitTimeSeconds: 21 } }',
    path: 'ingest.sqs.waitTimeSeconds',
    message: 'expected an integer of at most 20, found 21',
  },
  {
    name: 'SQS batch of 0',
    yaml: 'ingest: { sqs: { queueUrl: "https://sqs.eu-west-1.amazonaws.com/1/q", maxMessages: 0 } }',
    path: 'ingest.sqs.maxMessages',
    message: 'expected an integer of at least 1, found 0',
  },
  {
    name: 'negative coalescing',
    yaml: 'ingest: { coalesceMilliseconds: -5 }',
    path: 'ingest.coalesceMilliseconds',
    message: 'expected an integer of at least 0, found -5',
  },
  {
    name: 'GitHub URL with a query',
    yaml: 'github: { apiUrl: "https://ghe.example.com/api/v3?x=1", token: t, webhookSecret: w }',
    path: 'github.apiUrl',
    message: /^expected an http:\/\/ or https:\/\/ base URL without query string/,
  },
  {
    name: 'GitHub URL not http',
    yaml: 'github: { apiUrl: "ftp://ghe.example.com", token: t, webhookSecret: w }',
    path: 'github.apiUrl',
    message: /found "ftp:\/\/ghe.example.com"$/,
  },
  {
    name: 'repo path escaping the repository',
    yaml: 'stacks: [{ name: s, accounts: ["111122223333"], regions: [eu-west-1], state: { file: f }, repo: { owner: o, name: r, path: ../other } }]',
    path: 'stacks[0].repo.path',
    message: 'expected a folder relative to the repository root, without "..", found "../other"',
  },
  // retention
  {
    name: 'a retention that is not a duration',
    yaml: 'retention: { closedDrifts: 30 }',
    path: 'retention.closedDrifts',
    message: 'expected a string, found the number 30 (write it in quotes in YAML: "30")',
  },
  {
    name: 'a retention without unit',
    yaml: 'retention: { ignoredDrifts: "7" }',
    path: 'retention.ignoredDrifts',
    message: /^expected a duration like 90s, 30m, 2h or 14d/,
  },
  {
    name: 'a retention of zero',
    yaml: 'retention: { cloudTrailEvents: 0d }',
    path: 'retention.cloudTrailEvents',
    message: 'expected a duration greater than zero, found "0d"',
  },
  {
    name: 'an unknown retention key',
    yaml: 'retention: { drifts: 30d }',
    path: 'retention.drifts',
    message: /^unknown key `retention.drifts` \(allowed here: items, resources, closedDrifts, ignoredDrifts, /,
  },
  {
    name: 'resources kept shorter than the duplicate window',
    yaml: 'retention: { items: 14d, resources: 7d }',
    path: 'retention.resources',
    message:
      'expected at least retention.items (14d), found 7d: a resource must remember its latest decided item as long as an older item of it can still arrive',
  },
  {
    name: 'freeze history shorter than the duplicate window',
    yaml: 'retention: { freezeHistory: 1d }',
    path: 'retention.freezeHistory',
    message:
      'expected at least retention.items (14d), found 1d: an item accepted within the duplicate window must still be judged against the freezes at its change',
  },
  {
    name: 'items shorter than the CloudTrail wait',
    yaml: 'attribution: { cloudTrailWaitSeconds: 600 }\nretention: { items: 15m, resources: 15m, freezeHistory: 15m }',
    path: 'retention.items',
    message:
      'expected at least twice attribution.cloudTrailWaitSeconds (1200 s), found 15m: an item must outlive its wait for CloudTrail and the queue in front of it',
  },
  {
    name: 'completed jobs kept shorter than an evaluation retries',
    yaml: 'retention: { completedJobs: { maxAge: 30m } }',
    path: 'retention.completedJobs.maxAge',
    message: /^expected at least 1h \(a job id deduplicates only while its completed job is kept/,
  },
  {
    name: 'too few completed jobs kept',
    yaml: 'retention: { completedJobs: { maxCount: 10 } }',
    path: 'retention.completedJobs.maxCount',
    message: 'expected an integer of at least 1000, found 10',
  },
  {
    name: 'no failed job kept',
    yaml: 'retention: { failedJobs: { maxCount: 0 } }',
    path: 'retention.failedJobs.maxCount',
    message: 'expected an integer of at least 1, found 0',
  },
  {
    name: 'failed jobs counted as a string',
    yaml: 'retention: { failedJobs: { maxCount: "1000" } }',
    path: 'retention.failedJobs.maxCount',
    message: 'expected an integer, found a string ("1000")',
  },
  {
    name: 'an audit log kept to a handful of entries',
    yaml: 'retention: { audit: { maxEntries: 10 } }',
    path: 'retention.audit.maxEntries',
    message: 'expected an integer of at least 1000, found 10',
  },
  {
    name: 'a quarantine of nothing',
    yaml: 'retention: { quarantine: { maxEntries: 0 } }',
    path: 'retention.quarantine.maxEntries',
    message: 'expected an integer of at least 1, found 0',
  },
  {
    name: 'a sweep that removes nothing',
    yaml: 'retention: { sweepBatchSize: 0 }',
    path: 'retention.sweepBatchSize',
    message: 'expected an integer of at least 1, found 0',
  },
  {
    name: 'stack without regions',
    yaml: 'stacks: [{ name: s, accounts: ["111122223333"], regions: [], state: { file: f } }]',
    path: 'stacks[0].regions',
    message: 'expected at least one item, found an empty list',
  },
];

describe('parseConfig: validation', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const problems = problemsOf(c.yaml, c.env);
    expect(problems.map((p) => p.path)).toContain(c.path);
    const problem = problems.find((p) => p.path === c.path) as ConfigProblem;
    if (typeof c.message === 'string') expect(problem.message).toBe(c.message);
    else expect(problem.message).toMatch(c.message);
  });

  it('reports every problem of the file in one error, in file order, with positions', () => {
    const err = configErrorOf(() =>
      parse(
        [
          'mode: dryrun',
          'api: { port: "x", tokns: [] }',
          'stacks:',
          '  - name: s',
          '    accounts: ["111122223333"]',
          '    regions: [eu-west-1]',
          '    state: {}',
        ].join('\n'),
      ),
    );
    expect(err.problems).toEqual([
      { path: 'mode', message: 'expected one of enforce, dry-run, found "dryrun"', line: 1, column: 7 },
      { path: 'api.port', message: 'expected an integer, found a string ("x")', line: 2, column: 14 },
      { path: 'api.tokns', message: 'unknown key `api.tokns` — did you mean `tokens`?', line: 2, column: 26 },
      { path: 'stacks[0].state', message: 'expected exactly one of s3 or file, found neither', line: 7, column: 12 },
    ]);
  });

  it('reports a missing env variable once, not again as a missing value', () => {
    const problems = problemsOf('github: { token: env:GITHUB_TOKEN, webhookSecret: env:GITHUB_WEBHOOK_SECRET }');
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'github.token: environment variable GITHUB_TOKEN is not set',
      'github.webhookSecret: environment variable GITHUB_WEBHOOK_SECRET is not set',
    ]);
  });

  it('reports duplicates and exactly-one-of even when a sibling has its own problem', () => {
    const problems = problemsOf(`stacks: [${STACK}, { name: network, accounts: [1], regions: [eu-west-1], state: {} }]`);
    expect(problems.map((p) => p.path)).toEqual(['stacks[1].name', 'stacks[1].accounts[0]', 'stacks[1].state']);
  });

  it('leaves strings that only start with env: alone', () => {
    const config = parse(
      'stacks: [{ name: s, accounts: ["111122223333"], regions: [eu-west-1], state: { s3: { bucket: b, key: "env:/prod/network.tfstate", region: eu-west-1 } } }]',
    );
    expect(config.stacks[0].state).toEqual({ s3: { bucket: 'b', key: 'env:/prod/network.tfstate', region: 'eu-west-1' } });
  });

  it('formats one line per problem, prefixed by the source', () => {
    const err = configErrorOf(() => parse('stacks: [{ name: s, accounts: ["111122223333"], regions: [eu-west-1], state: {} }]\nfoo: 1'));
    expect(formatConfigProblems(err.problems, SOURCE).split('\n')).toEqual([
      'driftwarden.yaml: stacks[0].state: expected exactly one of s3 or file, found neither',
      expect.stringMatching(/^driftwarden\.yaml: foo: unknown key `foo` \(allowed here: mode, redis, api, /),
    ]);
    expect(err.message).toBe(`invalid driftwarden configuration (2 problems):\n${formatConfigProblems(err.problems, SOURCE)}`);
    expect(err.source).toBe(SOURCE);
    expect(err.name).toBe('ConfigError');
  });
});

describe('parseConfig: YAML', () => {
  it.each([
    ['an unclosed flow sequence', 'api:\n  tokens: [\nmode: enforce', /^YAML syntax error at line 3, column \d+: /],
    ['a duplicate key', 'mode: enforce\nmode: dry-run', /^YAML syntax error at line 2, column 1: Map keys must be unique/],
    ['a tab as indentation', 'api:\n\tport: 1', /^YAML syntax error at line 2, column 1: Tabs are not allowed as indentation/],
    ['an unknown alias', 'api:\n  port: *port', /^YAML syntax error at line 2, column 9: unknown alias \*port/],
    ['an unknown tag', 'api:\n  port: !Ref Port', /^YAML syntax error at line 2, column 9: Unresolved tag: !Ref/],
  ])('names the line and column of %s', (_name, yaml, message) => {
    const [problem] = problemsOf(yaml);
    expect(problem.message).toMatch(message);
    expect(problem.path).toBe('');
    expect(problem.line).toBeGreaterThan(0);
    expect(problem.column).toBeGreaterThan(0);
  });

  it('does not quote the source line (a secret written inline stays out of the message)', () => {
    const problems = problemsOf('github:\n  token: "ghp_inline-secret-value\n  webhookSecret: w');
    expect(formatConfigProblems(problems, SOURCE)).not.toContain('inline-secret-value');
    expect(problems[0].message).toMatch(/^YAML syntax error at line \d+, column \d+/);
  });

  it.each([
    ['', 'expected a YAML mapping of settings, found an empty document'],
    ['# only a comment\n', 'expected a YAML mapping of settings, found an empty document'],
    ['- a\n- b', 'expected a mapping of settings at the top level, found a list'],
    ['hello', 'expected a mapping of settings at the top level, found a string'],
  ])('rejects the document %j', (yaml, message) => {
    expect(problemsOf(yaml)).toEqual([{ path: '', message }]);
  });

  it('does not let a __proto__ key reach the prototype', () => {
    expect(problemsOf('api: { __proto__: { port: 1 } }').map((p) => p.path)).toEqual(['api.__proto__']);
  });

  it('aliases are expanded', () => {
    const config = parse(
      'freezeWindows:\n  - { name: a, schedule: "0 9 * * *", duration: 1h, scope: &s { accounts: ["111122223333"] } }\n  - { name: b, schedule: "0 9 * * *", duration: 1h, scope: *s }',
    );
    expect(config.freezeWindows[1].scope).toEqual({ accounts: ['111122223333'] });
  });
});

describe('parseConfigObject', () => {
  it('validates plain data with the same rules', () => {
    expect(parseConfigObject({ mode: 'dry-run' }, { env: {} }).mode).toBe('dry-run');
    const err = configErrorOf(() => parseConfigObject({ api: { port: '1' } }, { env: {}, source: 'inline' }));
    expect(formatConfigProblems(err.problems, err.source)).toBe('inline: api.port: expected an integer, found a string ("1")');
  });
});

describe('loadConfigFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'driftwarden-config-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('resolves state files against the folder of the config file', () => {
    mkdirSync(path.join(dir, 'conf'));
    const file = path.join(dir, 'conf', 'driftwarden.yaml');
    writeFileSync(file, `stacks: [${STACK}]\ngithub: { token: env:GH, webhookSecret: w }\n`);
    const config = loadConfigFile(file, { GH: 'token-value' });
    expect(config.stacks[0].state).toEqual({ file: path.join(dir, 'conf', 'state', 'network.tfstate') });
    expect(config.github?.token).toBe('token-value');
  });

  it('names the file in its problems', () => {
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'mode: nope\n');
    const err = configErrorOf(() => loadConfigFile(file, {}));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.source).toBe(file);
    expect(formatConfigProblems(err.problems, err.source)).toBe(`${file}: mode: expected one of enforce, dry-run, found "nope"`);
  });

  it('reports a missing file as a problem', () => {
    const file = path.join(dir, 'missing.yaml');
    const err = configErrorOf(() => loadConfigFile(file, {}));
    expect(err.problems).toEqual([
      { path: '', message: `cannot read the config file ${file}: it does not exist (set DRIFTWARDEN_CONFIG to its path)` },
    ]);
  });

  it('reports a directory as a problem', () => {
    const err = configErrorOf(() => loadConfigFile(dir, {}));
    expect(err.problems[0].message).toBe(`cannot read the config file ${dir}: it is a directory`);
  });
});

describe('parseConfig options', () => {
  it('resolves relative state files against the working directory without baseDir', () => {
    const config = parseConfig(`stacks: [${STACK}]`, { env: {} });
    expect(config.stacks[0].state).toEqual({ file: path.resolve('state/network.tfstate') });
  });
});
