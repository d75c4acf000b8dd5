/**
 * How the CLI fails against a real controller: unreachable, no token, a rejected token, a role
 * too low. Exit 2 for all of them, a message that says what to do, and never the token.
 */
import { dropPrefix, startTestController, TOKENS, type TestController } from '../support/test-controller';
import { http } from '../support/http';
import { sgEvent } from '../support/events';
import { ALL_TOKENS, CliRunner, cliFor, closedPortUrl, lines, tempDir, type CliRun } from './cli-harness';

const BOGUS_TOKEN = 'not-a-real-token-5f2c';

describe('driftwarden CLI failures against a running controller', () => {
  let ctl: TestController;
  let closedUrl: string;
  const runners: CliRunner[] = [];
  const files = tempDir();

  beforeAll(async () => {
    ctl = await startTestController();
    closedUrl = await closedPortUrl();
  });
  afterAll(async () => {
    await ctl.close();
    await dropPrefix(ctl.prefix);
    files.cleanup();
  });

  /** Runs with exactly this environment (no URL or token unless given). */
  async function run(argv: string[], env: Record<string, string>): Promise<CliRun> {
    const runner = new CliRunner(env);
    runners.push(runner);
    return runner.run(argv);
  }

  const isFrozen = async () => (await http<{ frozen: boolean }>(ctl.url, 'GET', '/v1/freeze', { token: TOKENS.viewer })).body.frozen;

  describe('unreachable controller (a closed port)', () => {
    it.each([[['drifts']], [['freeze', 'status']], [['audit', '--since', '1h']], [['show', 'drf_x']]])(
      '%j: says it cannot reach the controller and what to set, exit 2',
      async (argv) => {
        const result = await run(argv, { DRIFTWARDEN_URL: closedUrl, DRIFTWARDEN_TOKEN: TOKENS.admin });

        expect(result.code).toBe(2);
        expect(result.stdout).toBe('');
        expect(result.stderr).toBe(
          `error: cannot reach driftwarden at ${closedUrl}: ECONNREFUSED — is the controller running? set DRIFTWARDEN_URL\n`,
        );
      },
    );

    it('--url wins over DRIFTWARDEN_URL (a closed port given as --url fails, the good URL in the env is not used)', async () => {
      const result = await run(['--url', closedUrl, 'freeze', 'status'], { DRIFTWARDEN_URL: ctl.url, DRIFTWARDEN_TOKEN: TOKENS.viewer });

      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`cannot reach driftwarden at ${closedUrl}: ECONNREFUSED`);
    });

    it('replay: nothing could be sent, every line reported not sent, exit 2', async () => {
      const file = files.write(
        'two.jsonl',
        [1, 2].map((i) => JSON.stringify(sgEvent({ groupId: `sg-0unreach0000000${i}`, stateId: 1_747_300_000_000 + i }))).join('\n'),
      );

      const result = await run(['replay', file], { DRIFTWARDEN_URL: closedUrl, DRIFTWARDEN_TOKEN: TOKENS.ingest });

      expect(result.code).toBe(2);
      expect(result.stdout).toContain('stopped early: 2 lines not sent (lines 1-2)');
      expect(result.stderr).toContain(`cannot reach driftwarden at ${closedUrl}: ECONNREFUSED`);
    });
  });

  describe('token missing or rejected (401)', () => {
    it('no token at all: says one is required and where to put it, exit 2', async () => {
      const result = await run(['drifts'], { DRIFTWARDEN_URL: ctl.url });

      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe('error: no token was sent and the API requires one (401): set DRIFTWARDEN_TOKEN\n');
    });

    it('an empty DRIFTWARDEN_TOKEN counts as none', async () => {
      const result = await run(['freeze', 'status'], { DRIFTWARDEN_URL: ctl.url, DRIFTWARDEN_TOKEN: '  ' });

      expect(result.code).toBe(2);
      expect(result.stderr).toBe('error: no token was sent and the API requires one (401): set DRIFTWARDEN_TOKEN\n');
    });

    it('an invalid token in DRIFTWARDEN_TOKEN: rejected, exit 2, not printed', async () => {
      const result = await run(['audit'], { DRIFTWARDEN_URL: ctl.url, DRIFTWARDEN_TOKEN: BOGUS_TOKEN });

      expect(result.code).toBe(2);
      expect(result.stderr).toBe('error: the token was rejected (401): set DRIFTWARDEN_TOKEN\n');
      expect(result.stdout + result.stderr).not.toContain(BOGUS_TOKEN);
    });

    it('an invalid token given as --token (and --url): rejected, exit 2, not printed', async () => {
      const result = await run(['freeze', 'on', '--reason', 'x', '--ttl', '1h', '--url', ctl.url, '--token', BOGUS_TOKEN], {});

      expect(result.code).toBe(2);
      expect(result.stderr).toBe('error: the token was rejected (401): set DRIFTWARDEN_TOKEN\n');
      expect(result.stdout + result.stderr).not.toContain(BOGUS_TOKEN);
      expect(await isFrozen()).toBe(false);
    });

    it('a token put in the URL is refused before anything is sent, and not printed', async () => {
      const withCredentials = ctl.url.replace('http://', `http://oncall:${TOKENS.operator}@`);

      const result = await run(['freeze', 'on', '--reason', 'x', '--ttl', '1h'], { DRIFTWARDEN_URL: withCredentials });

      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`error: the URL ${ctl.url} must not carry a user name or password: put the token in DRIFTWARDEN_TOKEN\n`);
      expect(await isFrozen()).toBe(false);
    });
  });

  describe('role too low (403)', () => {
    it('viewer token on `freeze on`: "role too low" with the role needed, exit 2, nothing frozen', async () => {
      const result = await run(['freeze', 'on', '--reason', 'viewer tries', '--ttl', '2h'], {
        DRIFTWARDEN_URL: ctl.url,
        DRIFTWARDEN_TOKEN: TOKENS.viewer,
      });

      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(lines(result.stderr)).toEqual([
        'error: your token\'s role is too low for turning a freeze on (POST /v1/freezes needs the operator role or higher): this call needs the operator role; token "t-viewer" has viewer',
      ]);
      expect(await isFrozen()).toBe(false);
    });

    it('viewer token on `freeze off` and on `approve`: role too low, exit 2', async () => {
      const env = { DRIFTWARDEN_URL: ctl.url, DRIFTWARDEN_TOKEN: TOKENS.viewer };
      const off = await run(['freeze', 'off', 'frz_abc'], env);
      const approve = await run(['approve', 'drf_abc', '--comment', 'ok'], env);

      expect(off.code).toBe(2);
      expect(off.stderr).toContain(
        "your token's role is too low for lifting a freeze (DELETE /v1/freezes/frz_abc needs the operator role or higher)",
      );
      expect(approve.code).toBe(2);
      expect(approve.stderr).toContain(
        "your token's role is too low for approving a drift (POST /v1/drifts/drf_abc/approve needs the operator role or higher)",
      );
    });

    it('ingest token reads nothing: `drifts` is refused, exit 2', async () => {
      const result = await run(['drifts'], { DRIFTWARDEN_URL: ctl.url, DRIFTWARDEN_TOKEN: TOKENS.ingest });

      expect(result.code).toBe(2);
      expect(result.stderr).toContain("your token's role is too low for listing drifts (GET /v1/drifts needs the viewer role or higher)");
    });

    it('viewer token on `replay`: stops at once, lines reported not sent, exit 2', async () => {
      const file = files.write('viewer.jsonl', JSON.stringify(sgEvent({ groupId: 'sg-0viewer000000001', stateId: 1_747_300_100_000 })));

      const result = await run(['replay', file], { DRIFTWARDEN_URL: ctl.url, DRIFTWARDEN_TOKEN: TOKENS.viewer });

      expect(result.code).toBe(2);
      expect(result.stdout).toContain('stopped early: 1 line not sent (lines 1)');
      expect(result.stderr).toContain("your token's role is too low for posting events (POST /v1/events needs the ingest or admin role)");
    });
  });

  it('never printed a token, in any of these runs', () => {
    const all = runners.flatMap((r) => r.runs);
    expect(all.length).toBeGreaterThanOrEqual(15);
    for (const r of all) {
      for (const token of ALL_TOKENS) {
        expect({ argv: r.argv, leaked: r.stdout.includes(token) || r.stderr.includes(token) }).toEqual({ argv: r.argv, leaked: false });
      }
    }
  });

  it('(sanity) the same commands succeed with the right token', async () => {
    const ok = await cliFor(ctl.url, TOKENS.viewer).run(['drifts']);

    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('no drifts match\n');
  });
});
