/**
 * `driftwarden replay FILE` and `driftwarden config check FILE` run in-process against a real
 * controller (real HTTP, real Redis), cloud ports faked.
 */
import { join } from 'node:path';
import { dropPrefix, eventually, startTestController, TOKENS, type TestController } from '../support/test-controller';
import { http } from '../support/http';
import { sgEvent } from '../support/events';
import { fakePorts } from '../support/pipeline-harness';
import { cliFor, lines, parseJson, tempDir, type CliRunner } from './cli-harness';

interface ReplaySummaryJson {
  file: string;
  ok: boolean;
  events: number;
  skipped: number;
  accepted: number;
  duplicates: number;
  rejected: { line: number; problems: { path: string; message: string }[] }[];
  notSent: number[];
  unacknowledged: number[];
  error: { status: number; code: string; message: string } | null;
}

interface DriftPage {
  items: { id: string; resource: { id: string; account: string } }[];
  next: string | null;
}

interface AuditPage {
  items: { type: string; actor: string; details?: { accepted?: number } }[];
  next: string | null;
}

const EXAMPLE_CONFIG = join(__dirname, '..', '..', 'examples', 'driftwarden.dry-run.yaml');

describe('driftwarden replay / config check against a running controller', () => {
  let ctl: TestController;
  let cli: CliRunner;
  const ports = fakePorts();
  const files = tempDir();
  let n = 0;

  beforeAll(async () => {
    ctl = await startTestController({ mode: 'enforce', overrides: ports.overrides });
    cli = cliFor(ctl.url, TOKENS.ingest);
  });
  afterAll(async () => {
    await ctl.close();
    await dropPrefix(ctl.prefix);
    files.cleanup();
  });

  /** A Config item event for a fresh security group (unmanaged here: recorded as ignored). */
  function freshEvent(rules = ['tcp/22/0.0.0.0/0']): { group: string; line: string } {
    n += 1;
    const group = `sg-0c11${String(n).padStart(13, '0')}`;
    return { group, line: JSON.stringify(sgEvent({ groupId: group, stateId: 1_747_200_000_000 + n, rules })) };
  }

  /** The same event with a number where the API wants a string. */
  function malformedEvent(): string {
    const event = sgEvent({ groupId: 'sg-0badbadbadbadbad0', stateId: 1_747_200_999_999, rules: [] });
    const detail = event.detail as { configurationItem: Record<string, unknown> };
    detail.configurationItem.resourceId = 42;
    return JSON.stringify(event);
  }

  const driftsOf = async (group: string) =>
    (await http<DriftPage>(ctl.url, 'GET', `/v1/drifts?resource=${group}`, { token: TOKENS.viewer })).body.items;

  describe('replay', () => {
    let mixed: string;
    let good: { group: string; line: string }[];

    beforeAll(() => {
      good = [freshEvent(), freshEvent()];
      mixed = files.write(
        'mixed.jsonl',
        [
          '# captured in the sandbox account', // 1
          good[0].line, // 2
          '', // 3
          malformedEvent(), // 4
          '{"version": "0", "id": "cut-off", ', // 5: invalid JSON
          good[1].line, // 6
          '',
        ].join('\n'),
      );
    });

    it('accepts the good lines, reports the bad ones with line numbers and problem paths, exits 1', async () => {
      const run = await cli.run(['replay', mixed]);

      expect(run.code).toBe(1);
      const out = lines(run.stdout);
      expect(out[0]).toMatch(new RegExp(`^replayed ${escape(mixed)}: 4 events, 2 accepted, 0 duplicates, 2 rejected \\(\\d+\\.\\d+s\\)$`));
      expect(out).toContain('skipped 2 blank or comment lines');
      expect(out).toContain('rejected lines:');
      expect(out).toContain('  line 4: detail.configurationItem.resourceId: expected string, got number');
      expect(out.find((l) => l.startsWith('  line 5: '))).toMatch(/^ {2}line 5: invalid JSON: /);
      expect(out.filter((l) => /^ {2}line \d+:/.test(l))).toHaveLength(2);
      expect(run.stderr).toBe('');

      // The controller really has them: a drift record per good event, and the ingest in the audit log.
      for (const { group } of good) {
        const found = await eventually(async () => (await driftsOf(group)).length === 1, `the drift record of ${group}`);
        expect(found).toBe(true);
      }
      const audit = await http<AuditPage>(ctl.url, 'GET', '/v1/audit?type=api.events&limit=1000', { token: TOKENS.viewer });
      const accepted = audit.body.items.filter((e) => e.actor === 'token:t-ingest').reduce((sum, e) => sum + (e.details?.accepted ?? 0), 0);
      expect(accepted).toBe(2);
    });

    it('--json prints the summary; replaying the same file again counts the good lines as duplicates', async () => {
      const run = await cli.run(['replay', mixed, '--json']);

      expect(run.code).toBe(1);
      const summary = parseJson<ReplaySummaryJson>(run);
      expect(summary).toMatchObject({
        file: mixed,
        ok: false,
        events: 4,
        skipped: 2,
        accepted: 0,
        duplicates: 2,
        notSent: [],
        unacknowledged: [],
        error: null,
      });
      expect(summary.rejected.map((r) => r.line)).toEqual([4, 5]);
      expect(summary.rejected[0].problems).toContainEqual({
        path: 'detail.configurationItem.resourceId',
        message: 'expected string, got number',
      });
      expect(summary.rejected[1].problems).toEqual([{ path: '', message: expect.stringMatching(/^invalid JSON: /) }]);
      for (const { group } of good) expect(await driftsOf(group)).toHaveLength(1);
    });

    it('a clean file exits 0 (given --url and --token instead of the environment, one event per request)', async () => {
      const clean = [freshEvent(), freshEvent(), freshEvent()];
      const file = files.write('clean.jsonl', `${clean.map((e) => e.line).join('\n')}\n`);
      const bare = cliFor('http://127.0.0.1:9'); // the flags must win over this

      const run = await bare.run(['replay', file, '--batch', '1', '--url', ctl.url, '--token', TOKENS.ingest]);

      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/: 3 events, 3 accepted, 0 duplicates, 0 rejected \(/);
      expect(run.stdout).not.toContain('rejected lines');
      expect(run.stderr).toBe('');
      for (const { group } of clean) await eventually(async () => (await driftsOf(group)).length === 1, `the drift record of ${group}`);
      expect(bare.leaks()).toEqual([]);
    });

    it('--json on a clean file: ok, nothing rejected', async () => {
      const file = files.write('clean2.jsonl', `${freshEvent().line}\n`);

      const run = await cli.run(['replay', file, '--json']);

      expect(run.code).toBe(0);
      expect(parseJson<ReplaySummaryJson>(run)).toMatchObject({
        ok: true,
        events: 1,
        accepted: 1,
        duplicates: 0,
        rejected: [],
        error: null,
      });
    });
  });

  describe('config check', () => {
    it("the repository's examples/driftwarden.dry-run.yaml is valid", async () => {
      const run = await cli.run(['config', 'check', EXAMPLE_CONFIG]);

      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`ok: ${EXAMPLE_CONFIG} (mode dry-run, 1 stack, providers: none)\n`);
      expect(run.stderr).toBe('');
    });

    it('--json on the example', async () => {
      const run = await cli.run(['config', 'check', EXAMPLE_CONFIG, '--json']);

      expect(run.code).toBe(0);
      expect(parseJson(run)).toEqual({ ok: true, file: EXAMPLE_CONFIG, mode: 'dry-run', stacks: 1, providers: [] });
    });

    it('a broken file: one line per problem, each naming its key path, exit 1', async () => {
      const file = files.write(
        'broken.yaml',
        [
          'mode: yolo',
          'api:',
          '  port: "eighty"',
          'stacks:',
          '  - name: network',
          '    accounts: ["not-an-account"]',
          '    regions: [eu-west-1]',
          '    state: { file: ./network.tfstate }',
          '',
        ].join('\n'),
      );

      const run = await cli.run(['config', 'check', file]);

      expect(run.code).toBe(1);
      const out = lines(run.stdout);
      expect(out).toEqual([
        `${file}: mode: expected one of enforce, dry-run, found "yolo"`,
        expect.stringMatching(new RegExp(`^${escape(file)}: api\\.port: expected an integer.*"eighty"`)),
        expect.stringMatching(new RegExp(`^${escape(file)}: stacks\\[0\\]\\.accounts\\[0\\]: expected a 12-digit .*"not-an-account"`)),
      ]);
      expect(run.stderr).toBe('');

      const json = await cli.run(['config', 'check', file, '--json']);
      expect(json.code).toBe(1);
      const body = parseJson<{ ok: boolean; problems: { path: string }[] }>(json);
      expect(body.ok).toBe(false);
      // The text report has exactly one line per problem.
      expect(body.problems).toHaveLength(out.length);
    });
  });

  describe('config check: the incident sources of issue 14', () => {
    const valid = [
      'mode: dry-run',
      'incidents:',
      '  pollIntervalSeconds: 30',
      '  pagerduty: { token: env:PD_TOKEN, from: driftwarden-bot@acme.example }',
      '  jsm:',
      '    apiUrl: https://acme.atlassian.net',
      '    email: driftwarden-bot@acme.example',
      '    apiToken: env:JSM_API_TOKEN',
      '    jql: \'project = OPS AND issuetype = Incident AND (priority in (Highest, High) OR "Major incident" IS NOT EMPTY)\'',
      '    scopeFields: [components, customfield_10050]',
      '    scopes: { Payments: { accounts: ["111122223333"] } }',
      '    webhookSecrets: [env:JSM_WEBHOOK_SECRET]',
      '  webhook:',
      '    sources:',
      '      firehydrant: { secrets: [env:FH_SECRET], major: { severities: [SEV1, SEV2] }, maxStalenessSeconds: 600 }',
      '      grafana-oncall: { secrets: [env:GO_SECRET] }',
      '  incidentio:',
      '    apiKey: env:INCIDENTIO_API_KEY',
      '    webhookSecrets: [env:INCIDENTIO_WEBHOOK_SECRET]',
      '    major: { severities: [Critical, Major] }',
      '    scopeFields: [Affected team]',
      '  notes: { pagerduty: true, jsm: true }',
      '',
    ].join('\n');
    const env = {
      PD_TOKEN: 'pd-secret-token',
      JSM_API_TOKEN: 'jsm-secret-token',
      JSM_WEBHOOK_SECRET: 'jsm-hook',
      FH_SECRET: 'fh-secret',
      GO_SECRET: 'go-secret',
      INCIDENTIO_API_KEY: 'iio-key',
      INCIDENTIO_WEBHOOK_SECRET: `whsec_${Buffer.from('0123456789abcdef0123').toString('base64')}`,
    };

    it('accepts a config using incidents.jsm, incidents.webhook, incidents.incidentio and incidents.notes, and says which sources and notes are on', async () => {
      const file = files.write('wave2.yaml', valid);
      const run = await cli.run(['config', 'check', file], env);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(
        `ok: ${file} (mode dry-run, 0 stacks, providers: pagerduty, jsm, incidentio, webhook.firehydrant, webhook.grafana-oncall, notes: pagerduty, jsm)\n`,
      );
      const json = await cli.run(['config', 'check', file, '--json'], env);
      expect(parseJson(json)).toEqual({
        ok: true,
        file,
        mode: 'dry-run',
        stacks: 0,
        providers: ['pagerduty', 'jsm', 'incidentio', 'webhook.firehydrant', 'webhook.grafana-oncall'],
        notes: ['pagerduty', 'jsm'],
      });
    });

    it('explains each mistake with its key path, and never prints a secret', async () => {
      const file = files.write(
        'wave2-broken.yaml',
        [
          'incidents:',
          '  pagerduty: { token: env:PD_TOKEN }',
          '  jsm:',
          '    apiUrl: acme.atlassian.net',
          '    email: driftwarden-bot@acme.example',
          '    scopeFields: [components, team]',
          '  webhook:',
          '    sources:',
          '      FireHydrant: { secrets: [env:FH_SECRET] }',
          '      rootly: { secrets: [], major: { severities: [] } }',
          '  incidentio:',
          '    apiKey: env:INCIDENTIO_API_KEY',
          '    webhookSecrets: [env:FH_SECRET]',
          '    statusCategories: [open]',
          '  notes: { pagerduty: true, opsgenie: true, incidentio: true, slack: true }',
          '',
        ].join('\n'),
      );
      const json = await cli.run(['config', 'check', file, '--json'], env);
      expect(json.code).toBe(1);
      const problems = parseJson<{ problems: { path: string; message: string }[] }>(json).problems;
      expect(problems.map((p) => p.path).sort()).toEqual(
        [
          'incidents.incidentio.statusCategories[0]',
          'incidents.incidentio.webhookSecrets[0]',
          'incidents.jsm.apiToken',
          'incidents.jsm.apiUrl',
          'incidents.jsm.scopeFields[1]',
          'incidents.notes.incidentio',
          'incidents.notes.opsgenie',
          'incidents.notes.slack',
          'incidents.pagerduty.from',
          'incidents.webhook.sources.FireHydrant',
          'incidents.webhook.sources.rootly.major.severities',
          'incidents.webhook.sources.rootly.secrets',
        ].sort(),
      );
      const by = (path: string) => problems.find((p) => p.path === path)?.message ?? '';
      expect(by('incidents.pagerduty.from')).toMatch(/From header PagerDuty requires/);
      expect(by('incidents.notes.opsgenie')).toMatch(/expected incidents.opsgenie to be configured/);
      expect(by('incidents.notes.incidentio')).toMatch(/no endpoint that adds to an incident's timeline/);
      expect(by('incidents.jsm.scopeFields[1]')).toMatch(/components, labels or customfield_<id>/);
      expect(by('incidents.webhook.sources.FireHydrant')).toMatch(/lower-case/);
      expect(by('incidents.incidentio.webhookSecrets[0]')).toMatch(/whsec_/);

      const text = await cli.run(['config', 'check', file], env);
      expect(lines(text.stdout)).toHaveLength(problems.length);
      for (const secret of Object.values(env)) expect(`${text.stdout}${json.stdout}`).not.toContain(secret);
    });
  });

  it('never printed a token', () => {
    expect(cli.runs.length).toBeGreaterThan(0);
    expect(cli.leaks()).toEqual([]);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
