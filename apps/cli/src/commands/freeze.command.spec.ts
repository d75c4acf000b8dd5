import { FakeControllerApi } from '../testing/controller-api.fake';
import { runTestCli, type TestRunOptions } from '../testing/terminal.fake';

const TOKEN = 'op-token';

describe('driftwarden freeze', () => {
  let api: FakeControllerApi;
  let run: (argv: string[], options?: TestRunOptions) => ReturnType<typeof runTestCli>;

  beforeEach(async () => {
    api = new FakeControllerApi({ tokens: { [TOKEN]: 'operator', 'viewer-token': 'viewer' } });
    const url = await api.start();
    run = (argv, options = {}) => runTestCli(argv, { ...options, env: { DRIFTWARDEN_URL: url, DRIFTWARDEN_TOKEN: TOKEN, ...options.env } });
  });
  afterEach(() => api.stop());

  describe('on', () => {
    it('posts {reason, ttl, scope} and shows the new freeze', async () => {
      const result = await run([
        'freeze',
        'on',
        '--reason',
        'DDoS on the edge',
        '--ttl',
        '2h',
        '--account',
        '111122223333',
        '--region',
        'eu-west-1',
      ]);

      expect(result.code).toBe(0);
      expect(api.requests).toEqual([
        {
          method: 'POST',
          path: '/v1/freezes',
          query: {},
          body: { reason: 'DDoS on the edge', ttl: '2h', scope: { accounts: ['111122223333'], regions: ['eu-west-1'] } },
          authorization: `Bearer ${TOKEN}`,
        },
      ]);
      expect(result.stdout).toContain('manual freeze man-1 account 111122223333 region eu-west-1, until 2025-03-04 14:00:00Z (in 2h)');
      expect(result.stdout).toContain('reason: DDoS on the edge');
      expect(result.stdout).toContain('driftwarden freeze off man-1');
    });

    it('sends no scope when neither --account nor --region is given; --json prints the source', async () => {
      const result = await run(['freeze', 'on', '--reason', 'release', '--ttl', '30m', '--json']);

      expect(result.code).toBe(0);
      expect(api.requests[0].body).toEqual({ reason: 'release', ttl: '30m' });
      expect(JSON.parse(result.stdout)).toMatchObject({ id: 'man-1', type: 'manual', scope: null, until: '2025-03-04T12:30:00.000Z' });
    });

    it.each([
      [['freeze', 'on', '--ttl', '2h'], "required option '--reason <text>' not specified"],
      [['freeze', 'on', '--reason', 'x'], "required option '--ttl <duration>' not specified"],
      [['freeze', 'on', '--reason', 'x', '--ttl', 'two hours'], 'expected a duration such as 90s, 30m, 2h or 1d'],
      [['freeze', 'on', '--reason', '  ', '--ttl', '2h'], 'must not be empty'],
    ])('refuses %j before calling the API (exit 2)', async (argv, message) => {
      const result = await run(argv);

      expect(result.code).toBe(2);
      expect(result.stderr).toContain(message);
      expect(api.requests).toHaveLength(0);
    });

    it("explains a 403 when the token's role is too low", async () => {
      const result = await run(['freeze', 'on', '--reason', 'x', '--ttl', '1h'], { env: { DRIFTWARDEN_TOKEN: 'viewer-token' } });

      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        "your token's role is too low for turning a freeze on (POST /v1/freezes needs the operator role or higher)",
      );
      expect(result.stdout + result.stderr).not.toContain('viewer-token');
    });
  });

  describe('off', () => {
    it('deletes the manual freeze by id', async () => {
      api.sources.push({ id: 'man-7', type: 'manual', reason: 'test', scope: null, since: null, until: null, actor: 'oncall' });

      const result = await run(['freeze', 'off', 'man-7']);

      expect(result.code).toBe(0);
      expect(api.requests.map((r) => [r.method, r.path, r.authorization])).toEqual([['DELETE', '/v1/freezes/man-7', `Bearer ${TOKEN}`]]);
      expect(result.stdout).toContain('lifted manual freeze man-7');
      expect(api.sources).toHaveLength(0);
    });

    it('explains a 409: an incident freeze ends with the incident, an admin may override it', async () => {
      api.sources.push({
        id: 'inc-pd-Q1ABC2',
        type: 'incident',
        reason: null,
        scope: null,
        since: '2025-03-04T11:40:00Z',
        until: null,
        actor: 'pagerduty',
        incident: {
          provider: 'pagerduty',
          id: 'Q1ABC2',
          number: 42,
          title: 'Checkout down',
          url: 'https://x.pagerduty.com/incidents/Q1ABC2',
        },
      });

      const result = await run(['freeze', 'off', 'inc-pd-Q1ABC2']);

      expect(result.code).toBe(1);
      expect(result.stderr).toContain('error: freeze_not_manual (409): freeze inc-pd-Q1ABC2 is a incident freeze and cannot be lifted');
      expect(result.stderr).toContain(
        'freeze inc-pd-Q1ABC2 comes from an open incident (Checkout down [pagerduty #42 Q1ABC2]): it ends when the incident resolves and the cooldown passes.',
      );
      expect(result.stderr).toContain('An admin can override incident freezes for at most 1h');
      expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['DELETE /v1/freezes/inc-pd-Q1ABC2', 'GET /v1/freeze']);
    });

    it('explains a 409 for an unknown-state source', async () => {
      api.sources.push({
        id: 'unknown-opsgenie',
        type: 'unknown',
        reason: 'opsgenie stale',
        scope: null,
        since: null,
        until: null,
        actor: null,
      });

      const result = await run(['freeze', 'off', 'unknown-opsgenie']);

      expect(result.code).toBe(1);
      expect(result.stderr).toContain('cannot tell whether an incident is open');
    });

    it('reports an unknown id with the API code and message (exit 1)', async () => {
      const result = await run(['freeze', 'off', 'nope']);

      expect(result.code).toBe(1);
      expect(result.stderr).toBe('error: not_found (404): no freeze nope\n');
    });
  });

  describe('status', () => {
    beforeEach(() => {
      api.sources.push(
        {
          id: 'inc-pd-Q1ABC2',
          type: 'incident',
          reason: null,
          scope: null,
          since: '2025-03-04T11:40:00Z',
          until: null,
          actor: 'pagerduty',
          incident: { provider: 'pagerduty', id: 'Q1ABC2', number: 42, title: 'Checkout down' },
        },
        {
          id: 'man-3',
          type: 'manual',
          reason: 'game day',
          scope: { accounts: ['444455556666'] },
          since: '2025-03-04T11:00:00Z',
          until: '2025-03-04T13:00:00Z',
          actor: 'oncall',
        },
      );
      api.providers.opsgenie = { ok: false, fetchedAt: '2025-03-04T11:57:00Z', error: 'timeout after 10s' };
    });

    it('shows the effective freeze as a table of sources and provider freshness', async () => {
      const result = await run(['freeze', 'status']);

      expect(result.code).toBe(0);
      expect(api.requests[0]).toMatchObject({ method: 'GET', path: '/v1/freeze', query: {}, authorization: `Bearer ${TOKEN}` });
      const lines = result.stdout.split('\n');
      expect(lines[0]).toBe('FROZEN: auto-heal is stopped (2 active sources)');
      const header = lines.find((l) => l.startsWith('ID'));
      expect(header).toMatch(/^ID\s+TYPE\s+SCOPE\s+REASON\s+SINCE\s+UNTIL\s+ACTOR$/);
      const incident = lines.find((l) => l.startsWith('inc-pd-Q1ABC2'));
      expect(incident).toContain('Checkout down [pagerduty #42 Q1ABC2]');
      expect(incident).toContain('2025-03-04 11:40:00Z (20m ago)');
      expect(incident).toContain('incident resolved + cooldown');
      const manual = lines.find((l) => l.startsWith('man-3'));
      expect(manual).toContain('account 444455556666');
      expect(manual).toContain('2025-03-04 13:00:00Z (in 1h)');
      // columns line up: TYPE starts at the same offset on every row
      const typeAt = header?.indexOf('TYPE');
      expect(incident?.indexOf('incident')).toBe(typeAt);
      expect(manual?.indexOf('manual')).toBe(typeAt);
      expect(result.stdout).toMatch(/pagerduty\s+ok\s+2025-03-04 11:59:48Z \(12s ago\)/);
      expect(result.stdout).toMatch(/opsgenie\s+failing\s+2025-03-04 11:57:00Z \(3m ago\)\s+timeout after 10s/);
    });

    it('passes --account and --region as query parameters; --json prints the API answer', async () => {
      const result = await run(['freeze', 'status', '--account', '111122223333', '--region', 'eu-west-1', '--json']);

      expect(result.code).toBe(0);
      expect(api.requests[0].query).toEqual({ account: '111122223333', region: 'eu-west-1' });
      const state = JSON.parse(result.stdout) as { frozen: boolean; sources: { id: string }[] };
      expect(state.frozen).toBe(true);
      expect(state.sources.map((s) => s.id)).toEqual(['inc-pd-Q1ABC2']);
    });

    it('says when nothing freezes and no provider is configured', async () => {
      api.sources = [];
      api.providers = {};

      const result = await run(['freeze', 'status']);

      expect(result.stdout).toBe('not frozen: auto-heal may run\n\nproviders: none configured (no incident source)\n');
    });

    it('works with a viewer token', async () => {
      const result = await run(['freeze', 'status'], { env: { DRIFTWARDEN_TOKEN: 'viewer-token' } });

      expect(result.code).toBe(0);
      expect(api.requests[0].authorization).toBe('Bearer viewer-token');
    });
  });
});
