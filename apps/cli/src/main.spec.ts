import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { FakeControllerApi, driftRecord } from './testing/controller-api.fake';
import { runTestCli } from './testing/terminal.fake';
import type { CommandRegistrar } from './main';

const SECRET = 'tok-3f9a1c-very-secret';

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('driftwarden (program-wide behaviour)', () => {
  let api: FakeControllerApi;

  beforeEach(async () => {
    api = new FakeControllerApi({ tokens: { [SECRET]: 'viewer', 'ingest-only': 'ingest' } });
    await api.start();
    api.drifts = [driftRecord({ id: 'd-1' })];
  });
  afterEach(() => api.stop());

  it('explains an unreachable controller and exits 2', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;

    const result = await runTestCli(['drifts'], { env: { DRIFTWARDEN_URL: url, DRIFTWARDEN_TOKEN: SECRET } });

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `error: cannot reach driftwarden at ${url}: ECONNREFUSED — is the controller running? set DRIFTWARDEN_URL\n`,
    );
    expect(result.stdout).toBe('');
  });

  it('explains a rejected token (401) without printing it', async () => {
    const result = await runTestCli(['freeze', 'status'], {
      env: { DRIFTWARDEN_URL: api.url, DRIFTWARDEN_TOKEN: `${SECRET}-wrong` },
    });

    expect(result.code).toBe(2);
    expect(result.stderr).toBe('error: the token was rejected (401): set DRIFTWARDEN_TOKEN\n');
    expect(api.requests[0].authorization).toBe(`Bearer ${SECRET}-wrong`);
    expect(result.stdout + result.stderr).not.toContain(SECRET);
  });

  it('says when no token was set at all (401)', async () => {
    const result = await runTestCli(['drifts'], { env: { DRIFTWARDEN_URL: api.url } });

    expect(result.code).toBe(2);
    expect(api.requests[0].authorization).toBeUndefined();
    expect(result.stderr).toContain('no token was sent and the API requires one (401): set DRIFTWARDEN_TOKEN');
  });

  it('explains a role too low (403): an ingest token cannot read drifts', async () => {
    const result = await runTestCli(['drifts'], { env: { DRIFTWARDEN_URL: api.url, DRIFTWARDEN_TOKEN: 'ingest-only' } });

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "error: your token's role is too low for listing drifts (GET /v1/drifts needs the viewer role or higher): requires role viewer, token has ingest\n",
    );
  });

  it('prints other API errors as code and message with each problem path', async () => {
    api.replyNext(422, {
      error: { code: 'validation_failed', message: 'bad filter', problems: [{ path: 'status', message: 'unknown status "nope"' }] },
    });

    const result = await runTestCli(['drifts', '--status', 'nope'], { env: { DRIFTWARDEN_URL: api.url, DRIFTWARDEN_TOKEN: SECRET } });

    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: validation_failed (422): bad filter\n  status: unknown status "nope"\n');
  });

  it('copes with an error that is not JSON (a proxy page)', async () => {
    api.replyNext(502, 'Bad Gateway');

    const result = await runTestCli(['show', 'd-1'], { env: { DRIFTWARDEN_URL: api.url, DRIFTWARDEN_TOKEN: SECRET } });

    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: http_502 (502): "Bad Gateway"\n');
  });

  it('--url and --token win over the environment, before or after the command; a path prefix is kept', async () => {
    const result = await runTestCli(['--url', `${api.url}/`, 'show', 'd-1', '--token', SECRET], {
      env: { DRIFTWARDEN_URL: 'http://127.0.0.1:1', DRIFTWARDEN_TOKEN: 'other' },
    });

    expect(result.code).toBe(0);
    expect(api.requests[0]).toMatchObject({ path: '/v1/drifts/d-1', authorization: `Bearer ${SECRET}` });
    expect(result.stdout + result.stderr).not.toContain(SECRET);

    const prefixed = await runTestCli(['show', 'd-1'], {
      env: { DRIFTWARDEN_URL: `${api.url}/driftwarden`, DRIFTWARDEN_TOKEN: SECRET },
    });
    expect(prefixed.code).toBe(1); // the fake serves no prefix: the request went to the prefixed path
    expect(api.requests[1].path).toBe('/driftwarden/v1/drifts/d-1');
  });

  it('never prints the token, even with user info in the URL or in --json output', async () => {
    const port = await closedPort();

    const outputs = await Promise.all([
      runTestCli(['drifts', '--json'], { env: { DRIFTWARDEN_URL: api.url, DRIFTWARDEN_TOKEN: SECRET } }),
      runTestCli(['show', 'd-1'], { env: { DRIFTWARDEN_URL: api.url, DRIFTWARDEN_TOKEN: SECRET } }),
      runTestCli(['drifts'], { env: { DRIFTWARDEN_URL: `http://user:${SECRET}@127.0.0.1:${port}`, DRIFTWARDEN_TOKEN: SECRET } }),
      runTestCli(['approve', 'd-1', '--comment', 'x', '--token', SECRET], { env: { DRIFTWARDEN_URL: api.url } }),
    ]);

    for (const output of outputs) expect(output.stdout + output.stderr).not.toContain(SECRET);
    expect(outputs[2]).toMatchObject({
      code: 2,
      stderr: `error: the URL http://127.0.0.1:${port} must not carry a user name or password: put the token in DRIFTWARDEN_TOKEN\n`,
    });
  });

  it('refuses a URL that is not http(s) before any request (exit 2)', async () => {
    const result = await runTestCli(['drifts'], { env: { DRIFTWARDEN_URL: 'ftp://example.com' } });

    expect(result.code).toBe(2);
    expect(result.stderr).toBe('error: "ftp://example.com" is not an http(s) URL: set DRIFTWARDEN_URL or --url\n');
  });

  it('times out with a clear message (--timeout)', async () => {
    const silent = createHttpServer(() => undefined); // accepts, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const result = await runTestCli(['drifts', '--timeout', '0.2'], { env: { DRIFTWARDEN_URL: url, DRIFTWARDEN_TOKEN: SECRET } });

      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`driftwarden at ${url} did not answer GET /v1/drifts (no answer within 0.2s)`);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  describe('colours', () => {
    const env = (): Record<string, string> => ({ DRIFTWARDEN_URL: api.url, DRIFTWARDEN_TOKEN: SECRET });

    it('are used on a terminal', async () => {
      const result = await runTestCli(['drifts'], { env: env(), stdoutTTY: true });

      expect(result.stdout).toContain('\u001b[1mID');
      expect(result.stdout).toContain('\u001b[33mawaiting_approval\u001b[39m');
    });

    it('are not used when stdout is not a terminal, with NO_COLOR, or with --no-color', async () => {
      const piped = await runTestCli(['drifts'], { env: env(), stdoutTTY: false });
      const noColor = await runTestCli(['drifts'], { env: { ...env(), NO_COLOR: '1' }, stdoutTTY: true });
      const flag = await runTestCli(['drifts', '--no-color'], { env: env(), stdoutTTY: true });

      for (const result of [piped, noColor, flag]) expect(result.stdout).not.toContain('\u001b[');
    });
  });

  describe('usage', () => {
    it('prints help to stdout and exits 0 for --help', async () => {
      const result = await runTestCli(['--help']);

      expect(result.code).toBe(0);
      for (const command of ['replay', 'config', 'freeze', 'drifts', 'show', 'approve', 'adopt', 'reject', 'audit']) {
        expect(result.stdout).toContain(command);
      }
      expect(result.stdout).toContain('DRIFTWARDEN_URL');
    });

    it('exits 2 for an unknown command, with a suggestion', async () => {
      const result = await runTestCli(['drift']);

      expect(result.code).toBe(2);
      expect(result.stderr).toContain("error: unknown command 'drift'");
      expect(result.stderr).toContain('drifts');
    });

    it('exits 2 when no command is given', async () => {
      const result = await runTestCli([]);

      expect(result.code).toBe(2);
      expect(result.stderr).toContain('Usage: driftwarden');
    });
  });

  it('registers extra commands through the extension point (where `demo` goes)', async () => {
    const seen: string[] = [];
    const registerDemo: CommandRegistrar = (program, ctx) => {
      program
        .command('demo')
        .description('the Friday afternoon story')
        .action(async () => {
          const state = await ctx.client().getFreeze();
          seen.push(String(state.frozen));
          ctx.print('demo ran');
          ctx.exitCode = 3;
        });
    };

    const help = await runTestCli(['--help'], { extraCommands: [registerDemo] });
    const result = await runTestCli(['demo'], {
      extraCommands: [registerDemo],
      env: { DRIFTWARDEN_URL: api.url, DRIFTWARDEN_TOKEN: SECRET },
    });

    expect(help.stdout).toContain('the Friday afternoon story');
    expect(result).toMatchObject({ code: 3, stdout: 'demo ran\n' });
    expect(seen).toEqual(['false']);
  });
});
