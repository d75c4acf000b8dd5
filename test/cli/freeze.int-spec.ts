/**
 * `driftwarden freeze on|status|off` run in-process against a real controller (real HTTP,
 * real Redis).
 */
import { dropPrefix, startTestController, TOKENS, type TestController } from '../support/test-controller';
import { http } from '../support/http';
import { cliFor, lines, parseJson, type CliRunner } from './cli-harness';

interface FreezeSource {
  id: string;
  type: string;
  reason: string;
  scope?: { accounts?: string[]; regions?: string[] };
  since: string;
  until: string | null;
  actor?: string;
}

interface FreezeState {
  frozen: boolean;
  sources: FreezeSource[];
  providers: Record<string, unknown>;
}

describe('driftwarden freeze against a running controller', () => {
  let ctl: TestController;
  let operator: CliRunner;
  let viewer: CliRunner;

  beforeAll(async () => {
    ctl = await startTestController();
    operator = cliFor(ctl.url, TOKENS.operator);
    viewer = cliFor(ctl.url, TOKENS.viewer);
  });
  afterAll(async () => {
    await ctl.close();
    await dropPrefix(ctl.prefix);
  });

  const apiFreeze = async (query = '') => (await http<FreezeState>(ctl.url, 'GET', `/v1/freeze${query}`, { token: TOKENS.viewer })).body;

  describe('a manual freeze: on, status, off', () => {
    let id: string;

    it('freeze on --reason … --ttl 2h creates a manual freeze and says how to lift it', async () => {
      const before = Date.now();
      const run = await operator.run(['freeze', 'on', '--reason', 'game day: failover drill', '--ttl', '2h']);

      expect(run.code).toBe(0);
      expect(run.stderr).toBe('');
      const out = lines(run.stdout);
      const first =
        /^frozen: manual freeze (frz_[a-z0-9]+) everywhere, until (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z) \(in (1h59m|2h)\)$/.exec(out[0]);
      expect(first).not.toBeNull();
      id = first?.[1] ?? '';
      expect(out.slice(1)).toEqual(['  reason: game day: failover drill', `  lift it early with: driftwarden freeze off ${id}`]);

      // The controller has it, as the CLI said: manual, 2 h, by the operator token.
      const state = await apiFreeze();
      expect(state.frozen).toBe(true);
      const source = state.sources.find((s) => s.id === id);
      expect(source).toMatchObject({ type: 'manual', reason: 'game day: failover drill', actor: 'token:t-operator' });
      const ttl = Date.parse(source?.until ?? '') - before;
      expect(ttl).toBeGreaterThan(2 * 3_600_000 - 60_000);
      expect(ttl).toBeLessThanOrEqual(2 * 3_600_000 + 1_000);
    });

    it('freeze status shows FROZEN and the manual source (viewer token)', async () => {
      const run = await viewer.run(['freeze', 'status']);

      expect(run.code).toBe(0);
      const out = lines(run.stdout);
      expect(out[0]).toBe('FROZEN: auto-heal is stopped (1 active source)');
      expect(out[2]).toMatch(/^ID\s+TYPE\s+SCOPE\s+REASON\s+SINCE\s+UNTIL\s+ACTOR$/);
      const row = out.find((l) => l.startsWith(id));
      expect(row).toMatch(
        new RegExp(
          `^${id}\\s+manual\\s+everywhere\\s+game day: failover drill\\s+\\S+ \\S+ \\(\\d+s ago\\)\\s+\\S+ \\S+ \\(in (1h59m|2h)\\)\\s+token:t-operator$`,
        ),
      );
      expect(out).toContain('providers: none configured (no incident source)');
    });

    it('freeze status --json is the API answer', async () => {
      const run = await viewer.run(['freeze', 'status', '--json']);

      expect(run.code).toBe(0);
      const state = parseJson<FreezeState>(run);
      expect(state.frozen).toBe(true);
      expect(state.sources).toEqual([expect.objectContaining({ id, type: 'manual', reason: 'game day: failover drill' })]);
      expect(state).toEqual(await apiFreeze());
    });

    it('freeze off ID lifts it', async () => {
      const run = await operator.run(['freeze', 'off', id]);

      expect(run.code).toBe(0);
      expect(lines(run.stdout)).toEqual([
        `lifted manual freeze ${id}`,
        'other sources may still freeze auto-heal: driftwarden freeze status',
      ]);
      const state = await apiFreeze();
      expect(state.frozen).toBe(false);
      expect(state.sources).toEqual([]);

      const status = await viewer.run(['freeze', 'status']);
      expect(lines(status.stdout)[0]).toBe('not frozen: auto-heal may run');
      expect(status.stdout).not.toContain(id);
    });

    it('freeze off is idempotent: lifting it again succeeds; an unknown id is a 404, exit 1', async () => {
      const again = await operator.run(['freeze', 'off', id]);
      const unknown = await operator.run(['freeze', 'off', 'frz_doesnotexist']);

      expect(again.code).toBe(0);
      expect(lines(again.stdout)[0]).toBe(`lifted manual freeze ${id}`);
      expect(unknown.code).toBe(1);
      expect(unknown.stdout).toBe('');
      expect(unknown.stderr).toBe('error: not_found (404): no manual freeze "frz_doesnotexist"\n');
    });
  });

  it('freeze off inc_pagerduty_X: the 409 is explained (incident freezes end on their own), exit 1', async () => {
    const run = await operator.run(['freeze', 'off', 'inc_pagerduty_X']);

    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const err = lines(run.stderr);
    expect(err[0]).toMatch(/^error: incident_freeze \(409\): inc_pagerduty_X is an incident freeze: it ends when the incident resolves/);
    expect(err).toContain(
      'only manual freezes can be lifted with `freeze off`; incident, window, cooldown and unknown freezes end on their own.',
    );
    expect(err).toContain('An admin can override incident freezes for at most 1h, with a reason (POST /v1/freeze/overrides).');
  });

  it('a scoped freeze (--account, --region, --json) applies only where it is scoped', async () => {
    const run = await operator.run([
      'freeze',
      'on',
      '--reason',
      'eu-west-1 migration',
      '--ttl',
      '30m',
      '--account',
      '111122223333',
      '--region',
      'eu-west-1',
      '--json',
    ]);

    expect(run.code).toBe(0);
    const source = parseJson<FreezeSource>(run);
    expect(source).toMatchObject({
      type: 'manual',
      reason: 'eu-west-1 migration',
      scope: { accounts: ['111122223333'], regions: ['eu-west-1'] },
    });

    const here = await viewer.run(['freeze', 'status', '--account', '111122223333', '--region', 'eu-west-1']);
    expect(lines(here.stdout)[0]).toBe('FROZEN: auto-heal is stopped (1 active source)');
    expect(here.stdout).toMatch(new RegExp(`${source.id}\\s+manual\\s+account 111122223333 region eu-west-1\\s+eu-west-1 migration`));
    const elsewhere = await viewer.run(['freeze', 'status', '--account', '999988887777']);
    expect(lines(elsewhere.stdout)[0]).toBe('not frozen: auto-heal may run');

    const off = await operator.run(['freeze', 'off', source.id, '--json']);
    expect(off.code).toBe(0);
    expect(parseJson(off)).toEqual({ lifted: source.id });
    expect((await apiFreeze()).frozen).toBe(false);
  });

  it('a TTL above freeze.maxTtl is refused by the API with the problem path, exit 1', async () => {
    const run = await operator.run(['freeze', 'on', '--reason', 'too long', '--ttl', '30d']);

    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toEqual([
      'error: validation_failed (400): invalid ttl',
      '  ttl: expected a TTL from 1s to 7d (freeze.maxTtl), got 30d',
    ]);
    expect((await apiFreeze()).frozen).toBe(false);
  });

  it('freeze on without --ttl or with a malformed one is a usage error (exit 2), nothing sent', async () => {
    const missing = await operator.run(['freeze', 'on', '--reason', 'x']);
    const malformed = await operator.run(['freeze', 'on', '--reason', 'x', '--ttl', 'two hours']);

    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--ttl <duration>' not specified");
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('expected a duration such as 90s, 30m, 2h or 1d');
    expect((await apiFreeze()).frozen).toBe(false);
  });

  it('never printed a token', () => {
    expect(operator.runs.length + viewer.runs.length).toBeGreaterThan(0);
    expect([...operator.leaks(), ...viewer.leaks()]).toEqual([]);
  });
});
