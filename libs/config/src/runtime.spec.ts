import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { configErrorOf } from '../test/config-fixtures';
import { formatConfigProblems } from './config.errors';
import { loadRuntime } from './runtime';

describe('loadRuntime', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'driftwarden-runtime-'));
    file = path.join(dir, 'driftwarden.yaml');
    writeFileSync(file, 'mode: dry-run\napi: { port: 8081 }\nredis: { url: "redis://file-redis:6379" }\n');
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads DRIFTWARDEN_CONFIG with the defaults for everything else', () => {
    const runtime = loadRuntime({ DRIFTWARDEN_CONFIG: file });
    expect(runtime.configPath).toBe(file);
    expect(runtime.roles).toEqual(['api', 'worker', 'scheduler']);
    expect(runtime.logLevel).toBe('info');
    expect(runtime.config.mode).toBe('dry-run');
    expect(runtime.config.api.port).toBe(8081);
    expect(runtime.config.redis.url).toBe('redis://file-redis:6379');
  });

  it('applies PORT, REDIS_URL, DRIFTWARDEN_ROLES and LOG_LEVEL', () => {
    const runtime = loadRuntime({
      DRIFTWARDEN_CONFIG: file,
      PORT: '9090',
      REDIS_URL: 'rediss://:pw@env-redis:6380',
      DRIFTWARDEN_ROLES: ' worker , api,worker ',
      LOG_LEVEL: 'DEBUG',
    });
    expect(runtime.config.api.port).toBe(9090);
    expect(runtime.config.redis.url).toBe('rediss://:pw@env-redis:6380');
    expect(runtime.config.redis.prefix).toBe('dw');
    expect(runtime.roles).toEqual(['api', 'worker']);
    expect(runtime.logLevel).toBe('debug');
  });

  it('treats empty variables as unset', () => {
    const runtime = loadRuntime({ DRIFTWARDEN_CONFIG: file, PORT: '', REDIS_URL: ' ', DRIFTWARDEN_ROLES: '', LOG_LEVEL: '' });
    expect(runtime.config.api.port).toBe(8081);
    expect(runtime.config.redis.url).toBe('redis://file-redis:6379');
    expect(runtime.roles).toEqual(['api', 'worker', 'scheduler']);
    expect(runtime.logLevel).toBe('info');
  });

  it('accepts PORT=0 (any free port)', () => {
    expect(loadRuntime({ DRIFTWARDEN_CONFIG: file, PORT: '0' }).config.api.port).toBe(0);
  });

  it.each([
    ['PORT', 'abc', 'expected a port number from 0 to 65535, found "abc"'],
    ['PORT', '70000', 'expected a port number from 0 to 65535, found "70000"'],
    ['PORT', '-1', 'expected a port number from 0 to 65535, found "-1"'],
    ['PORT', '80.5', 'expected a port number from 0 to 65535, found "80.5"'],
    ['REDIS_URL', 'http://:secret-pw@host:6379', 'expected a redis:// or rediss:// URL such as redis://127.0.0.1:6379 (value hidden)'],
    ['REDIS_URL', 'localhost:6379', 'expected a redis:// or rediss:// URL such as redis://127.0.0.1:6379 (value hidden)'],
    [
      'DRIFTWARDEN_ROLES',
      'api,wroker',
      'unknown role "wroker" — did you mean `worker`? (expected a comma-separated list of api, worker, scheduler)',
    ],
    ['DRIFTWARDEN_ROLES', 'web', 'unknown role "web" (expected a comma-separated list of api, worker, scheduler)'],
    ['DRIFTWARDEN_ROLES', ' , ', 'expected a comma-separated list of api, worker, scheduler, found no role'],
    ['LOG_LEVEL', 'verbose', 'expected one of fatal, error, warn, info, debug, trace, silent, found "verbose"'],
  ])('%s=%j is a problem', (name, value, message) => {
    const err = configErrorOf(() => loadRuntime({ DRIFTWARDEN_CONFIG: file, [name]: value }));
    expect(err.problems).toEqual([{ path: name, message, source: 'environment' }]);
    expect(formatConfigProblems(err.problems)).toBe(`environment: ${name}: ${message}`);
    expect(err.message).not.toContain('secret-pw');
  });

  it('reports problems of the file and of the environment together', () => {
    writeFileSync(file, 'api: { port: "8080" }\n');
    const err = configErrorOf(() => loadRuntime({ DRIFTWARDEN_CONFIG: file, PORT: 'x', DRIFTWARDEN_ROLES: 'all' }));
    const source = path.relative(process.cwd(), file).startsWith('..') ? file : path.relative(process.cwd(), file);
    expect(formatConfigProblems(err.problems).split('\n')).toEqual([
      `${source}: api.port: expected an integer, found a string ("8080")`,
      'environment: PORT: expected a port number from 0 to 65535, found "x"',
      'environment: DRIFTWARDEN_ROLES: unknown role "all" (expected a comma-separated list of api, worker, scheduler)',
    ]);
  });

  it('reads ./driftwarden.yaml by default and says so when it is missing', () => {
    const err = configErrorOf(() => loadRuntime({}));
    expect(err.problems).toEqual([
      expect.objectContaining({
        path: '',
        message: `cannot read the config file ${path.resolve('driftwarden.yaml')}: it does not exist (set DRIFTWARDEN_CONFIG to its path)`,
      }),
    ]);
  });

  it('reads env: references from the same environment', () => {
    writeFileSync(file, 'github: { token: env:GITHUB_TOKEN, webhookSecret: env:GITHUB_WEBHOOK_SECRET }\n');
    const runtime = loadRuntime({ DRIFTWARDEN_CONFIG: file, GITHUB_TOKEN: 't', GITHUB_WEBHOOK_SECRET: 'w' });
    expect(runtime.config.github).toEqual({ apiUrl: 'https://api.github.com', token: 't', webhookSecret: 'w' });
  });

  describe('DRIFTWARDEN_CONFIG_YAML: the config as text (containers)', () => {
    it('is loaded instead of a file, with env: references and the other variables applied', () => {
      const runtime = loadRuntime({
        DRIFTWARDEN_CONFIG_YAML: 'mode: dry-run\ngithub: { token: env:GITHUB_TOKEN, webhookSecret: env:GITHUB_WEBHOOK_SECRET }\n',
        GITHUB_TOKEN: 't',
        GITHUB_WEBHOOK_SECRET: 'w',
        PORT: '9090',
      });
      expect(runtime.configPath).toBeNull();
      expect(runtime.config.mode).toBe('dry-run');
      expect(runtime.config.api.port).toBe(9090);
      expect(runtime.config.github).toMatchObject({ token: 't', webhookSecret: 'w' });
    });

    it('resolves relative state files against the working directory', () => {
      const runtime = loadRuntime({
        DRIFTWARDEN_CONFIG_YAML: [
          'stacks:',
          '  - name: net',
          '    accounts: ["111122223333"]',
          '    regions: [eu-west-1]',
          '    state: { file: state/net.tfstate }',
        ].join('\n'),
      });
      expect(runtime.config.stacks[0].state).toEqual({ file: path.resolve('state/net.tfstate') });
    });

    it('names itself as the source of a problem, with the line', () => {
      const err = configErrorOf(() => loadRuntime({ DRIFTWARDEN_CONFIG_YAML: 'mode: dry-run\nmdoe: enforce\n' }));
      expect(err.problems).toEqual([expect.objectContaining({ path: 'mdoe', source: 'DRIFTWARDEN_CONFIG_YAML', line: 2 })]);
      expect(formatConfigProblems(err.problems)).toBe('DRIFTWARDEN_CONFIG_YAML: mdoe: unknown key `mdoe` — did you mean `mode`?');
    });

    it('refuses both a file and a text (which one would win is a guess)', () => {
      const err = configErrorOf(() => loadRuntime({ DRIFTWARDEN_CONFIG: file, DRIFTWARDEN_CONFIG_YAML: 'mode: dry-run\n' }));
      expect(err.problems).toEqual([
        expect.objectContaining({
          path: 'DRIFTWARDEN_CONFIG_YAML',
          message: 'set either DRIFTWARDEN_CONFIG (a file) or DRIFTWARDEN_CONFIG_YAML (its text), not both',
        }),
      ]);
    });
  });
});
