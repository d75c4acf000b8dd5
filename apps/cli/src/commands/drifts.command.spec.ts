import { driftRecord, FakeControllerApi } from '../testing/controller-api.fake';
import { runTestCli, type TestRunOptions } from '../testing/terminal.fake';

const TOKEN = 'op-token';

describe('driftwarden drifts, show, approve, adopt, reject', () => {
  let api: FakeControllerApi;
  let run: (argv: string[], options?: TestRunOptions) => ReturnType<typeof runTestCli>;

  beforeEach(async () => {
    api = new FakeControllerApi({ tokens: { [TOKEN]: 'operator', 'viewer-token': 'viewer' }, pageSize: 2 });
    const url = await api.start();
    run = (argv, options = {}) => runTestCli(argv, { ...options, env: { DRIFTWARDEN_URL: url, DRIFTWARDEN_TOKEN: TOKEN, ...options.env } });
    api.drifts = [
      driftRecord({ id: 'd-1' }),
      driftRecord({ id: 'd-2', status: 'held', flags: ['suspicious'], decision: { action: 'hold', rule: 4, reason: 'frozen' } }),
      driftRecord({ id: 'd-3', status: 'backport_open', decision: { action: 'backport', rule: 3, reason: 'emergency patch' } }),
      driftRecord({
        id: 'd-4',
        status: 'reverted',
        resource: { type: 'AWS::EC2::SecurityGroup', id: 'sg-0ffff', account: '444455556666', region: 'us-east-1' },
      }),
      driftRecord({ id: 'd-5', dryRun: true, status: 'detected' }),
    ];
  });
  afterEach(() => api.stop());

  describe('drifts', () => {
    it('follows next cursors until --limit records, asking each page for what is still missing', async () => {
      const result = await run(['drifts', '--limit', '3']);

      expect(result.code).toBe(0);
      expect(api.requests.map((r) => [r.method, r.path, r.query, r.authorization])).toEqual([
        ['GET', '/v1/drifts', { limit: '3' }, `Bearer ${TOKEN}`],
        ['GET', '/v1/drifts', { limit: '1', cursor: 'c2' }, `Bearer ${TOKEN}`],
      ]);
      const lines = result.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^ID\s+STATUS\s+DECISION\s+RESOURCE\s+ACCOUNT\s+REGION\s+PRINCIPAL\s+CHANGED\s+FLAGS$/);
      expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['d-1', 'd-2', 'd-3']);
      expect(lines[1]).toMatch(
        /^d-1\s+awaiting_approval\s+await_approval \(rule 5\)\s+sg-0abc1234def567890\s+111122223333\s+eu-west-1\s+other \(alice\)\s+10m ago$/,
      );
      expect(lines[2]).toMatch(/suspicious$/);
      expect(result.stderr).toContain('more drifts exist: raise --limit (now 3)');
    });

    it('passes --kind (a kind name or a Config type) as a filter', async () => {
      api.drifts.push(
        driftRecord({
          id: 'd-asg',
          resource: {
            type: 'AWS::AutoScaling::AutoScalingGroup',
            kind: 'asg',
            id: 'checkout',
            account: '111122223333',
            region: 'eu-west-1',
          } as never,
        }),
      );
      const result = await run(['drifts', '--kind', 'asg']);
      expect(result.code).toBe(0);
      expect(api.requests[0].query).toMatchObject({ kind: 'asg' });
      expect(
        result.stdout
          .trimEnd()
          .split('\n')
          .slice(1)
          .map((l) => l.split(/\s+/)[0]),
      ).toEqual(['d-asg']);
    });

    it('reads every page when the list is shorter than --limit', async () => {
      const result = await run(['drifts', '--json']);

      expect(api.requests.map((r) => r.query.cursor)).toEqual([undefined, 'c2', 'c4']);
      const page = JSON.parse(result.stdout) as { items: { id: string }[]; next: string | null };
      expect(page.items.map((d) => d.id)).toEqual(['d-1', 'd-2', 'd-3', 'd-4', 'd-5']);
      expect(page.next).toBeNull();
      expect(result.stderr).toBe('');
    });

    it('passes --status, --resource and --account as filters on every page', async () => {
      const result = await run(['drifts', '--status', 'reverted', '--resource', 'sg-0ffff', '--account', '444455556666']);

      expect(result.code).toBe(0);
      expect(api.requests[0].query).toEqual({ status: 'reverted', resource: 'sg-0ffff', account: '444455556666', limit: '50' });
      expect(result.stdout).toContain('d-4');
      expect(result.stdout).not.toContain('d-1');
    });

    it('says so when nothing matches', async () => {
      const result = await run(['drifts', '--status', 'failed']);

      expect(result.stdout).toBe('no drifts match\n');
    });

    it('refuses a --limit that is not a positive number', async () => {
      const result = await run(['drifts', '--limit', 'lots']);

      expect(result.code).toBe(2);
      expect(api.requests).toHaveLength(0);
    });
  });

  describe('show', () => {
    it('prints the whole record readably: resource, decision, principal, times, links, diff and evidence', async () => {
      // As the API returns them (DriftLinks in libs/domain): objects, not bare URLs.
      api.drifts[0].links = {
        pullRequest: {
          url: 'https://github.com/acme/infra/pull/7',
          number: 7,
          repo: 'acme/infra',
          branch: 'driftwarden/backport/sg-0abc1234def567890',
        },
        incident: {
          provider: 'pagerduty',
          id: 'Q4711P1',
          number: 4711,
          title: 'checkout 5xx',
          url: 'https://acme.pagerduty.com/incidents/Q4711P1',
        },
      };
      api.drifts[0].resource.address = 'module.net.aws_security_group.workers';
      api.drifts[0].resource.stack = 'network';

      const result = await run(['show', 'd-1']);

      expect(result.code).toBe(0);
      expect(api.requests[0]).toMatchObject({ method: 'GET', path: '/v1/drifts/d-1', authorization: `Bearer ${TOKEN}` });
      const out = result.stdout;
      expect(out).toContain('drift d-1  awaiting_approval');
      expect(out).toContain('resource   AWS::EC2::SecurityGroup sg-0abc1234def567890 (account 111122223333, eu-west-1)');
      expect(out).toContain('terraform  module.net.aws_security_group.workers, stack network');
      expect(out).toContain('decision   await_approval (rule 5): revert widens exposure: opens tcp/22 to 0.0.0.0/0');
      expect(out).toContain('principal  other, arn:aws:sts::111122223333:assumed-role/Dev/alice, session alice');
      expect(out).toContain('changed    2025-03-04 11:50:00Z (10m ago)');
      expect(out).toContain('pull req.  #7 https://github.com/acme/infra/pull/7 (branch driftwarden/backport/sg-0abc1234def567890)');
      expect(out).toContain('incident   pagerduty 4711 "checkout 5xx" https://acme.pagerduty.com/incidents/Q4711P1');
      expect(out).toContain('diff\n  ingress:\n    extra: []\n    missing:\n      - protocol: tcp\n        fromPort: 22');
      expect(out).toContain('evidence\n  rule: 5\n  incidentSnapshot:');
    });

    it('names the policy that made the decision stricter', async () => {
      api.drifts[0].decision = {
        action: 'await_approval',
        rule: 6,
        reason: 'unauthorized drift; policy production-needs-approval (policies/prod.cedar:11) forbids revert: needs human approval',
        policy: {
          proposed: 'revert',
          outcome: 'await_approval',
          matched: [{ id: 'production-needs-approval', source: 'policies/prod.cedar:11' }],
        },
      };
      const result = await run(['show', 'd-1']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(
        'policy     production-needs-approval (policies/prod.cedar:11): revert → await_approval (policies only make decisions stricter)',
      );
    });

    it('prints each difference in plain English with who made it (the call, or the Config item), its decision and flags', async () => {
      api.drifts[1].differences = [
        {
          id: 'added ingress|tcp|22|22|ipv4:0.0.0.0/0',
          key: 'ingress|tcp|22|22|ipv4:0.0.0.0/0',
          side: 'added',
          sentence: 'opened ingress tcp/22 from 0.0.0.0/0 (the internet)',
          direction: { axis: 'exposure', change: 'widens', revert: 'narrows' },
          detail: {},
          madeBy: {
            source: 'cloudtrail-event',
            principal: { arn: 'arn:aws:sts::111122223333:assumed-role/dev/mallory', class: 'other' },
            at: '2025-03-04T11:50:00Z',
            cloudTrailEventId: 'ev-1',
            eventName: 'AuthorizeSecurityGroupIngress',
            configEventId: 'ci-1',
          },
          decision: { action: 'hold', rule: 4, reason: 'auto-heal is frozen by a major incident', at: '2025-03-04T11:51:00Z' },
          flags: ['suspicious'],
          firstSeen: { at: '2025-03-04T11:51:00Z', eventId: 'ci-1' },
        },
        {
          id: 'removed ingress|tcp|8080|8080|ipv4:0.0.0.0/0',
          key: 'ingress|tcp|8080|8080|ipv4:0.0.0.0/0',
          side: 'removed',
          sentence: 'closed ingress tcp/8080 from 0.0.0.0/0 (the internet)',
          direction: { axis: 'exposure', change: 'narrows', revert: 'widens' },
          detail: {},
          madeBy: {
            source: 'config-item',
            principal: { arn: null, class: 'unknown' },
            at: '2025-03-04T11:52:00Z',
            configEventId: 'ci-2',
            unattributable: 'CloudTrail has no call that names it',
          },
          decision: { action: 'hold', rule: 4, reason: 'auto-heal is frozen', at: '2025-03-04T11:53:00Z' },
          firstSeen: { at: '2025-03-04T11:53:00Z', eventId: 'ci-2' },
        },
      ];

      const out = (await run(['show', 'd-2'])).stdout;

      expect(out).toContain(
        'differences\n  opened ingress tcp/22 from 0.0.0.0/0 (the internet)  suspicious\n    made by  arn:aws:sts::111122223333:assumed-role/dev/mallory (other) at 2025-03-04 11:50:00Z (10m ago), CloudTrail AuthorizeSecurityGroupIngress ev-1\n    decision hold (rule 4): auto-heal is frozen by a major incident',
      );
      expect(out).toContain(
        '  closed ingress tcp/8080 from 0.0.0.0/0 (the internet)\n    made by  unknown principal at 2025-03-04 11:52:00Z (8m ago), first seen in Config item ci-2\n    not attributable: CloudTrail has no call that names it\n',
      );
    });

    it('marks dry-run records and prints the raw record with --json', async () => {
      const human = await run(['show', 'd-5']);
      const json = await run(['show', 'd-5', '--json']);

      expect(human.stdout).toContain('(dry run: nothing was changed)');
      expect(JSON.parse(json.stdout)).toEqual(api.drifts[4]);
    });

    it('reports an unknown id with the API code and message (exit 1)', async () => {
      const result = await run(['show', 'd-404']);

      expect(result.code).toBe(1);
      expect(result.stderr).toBe('error: not_found (404): no drift d-404\n');
    });
  });

  describe.each([
    ['approve', 'approved', 'reverting'],
    ['adopt', 'adopted', 'backport_open'],
    ['reject', 'rejected', 'rejected'],
  ])('%s', (verb, done, status) => {
    it(`posts {comment} to /v1/drifts/:id/${verb}`, async () => {
      const result = await run([verb, 'd-1', '--comment', 'checked with the network team']);

      expect(result.code).toBe(0);
      expect(api.requests).toEqual([
        {
          method: 'POST',
          path: `/v1/drifts/d-1/${verb}`,
          query: {},
          body: { comment: 'checked with the network team' },
          authorization: `Bearer ${TOKEN}`,
        },
      ]);
      expect(result.stdout).toBe(`${done} drift d-1: status now ${status}\n`);
    });

    it('requires --comment and calls nothing without it (exit 2)', async () => {
      const missing = await run([verb, 'd-1']);
      const blank = await run([verb, 'd-1', '--comment', ' ']);

      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain("required option '--comment <text>' not specified");
      expect(blank.code).toBe(2);
      expect(blank.stderr).toContain('must not be empty');
      expect(api.requests).toHaveLength(0);
    });
  });

  it('explains a 409 from the API when the drift is not awaiting approval', async () => {
    const result = await run(['approve', 'd-3', '--comment', 'go']);

    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: not_awaiting_approval (409): drift d-3 is backport_open, not awaiting approval\n');
  });

  it('explains a 403 when a viewer token tries to approve', async () => {
    const result = await run(['approve', 'd-1', '--comment', 'go'], { env: { DRIFTWARDEN_TOKEN: 'viewer-token' } });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "your token's role is too low for approving a drift (POST /v1/drifts/d-1/approve needs the operator role or higher)",
    );
  });

  it('--json prints the API answer of a decision', async () => {
    const result = await run(['adopt', 'd-1', '--comment', 'keep it', '--json']);

    expect(JSON.parse(result.stdout)).toMatchObject({ id: 'd-1', status: 'backport_open' });
  });
});
