/**
 * The built controller (dist/apps/controller/src/main.js) as a child process, for tests that
 * must kill it for real (SIGKILL: no shutdown hook, no graceful close, locks left behind).
 * The config goes in DRIFTWARDEN_CONFIG_YAML (JSON is YAML), as in a container.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'apps', 'controller', 'src', 'main.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * `npm test` builds before it runs the tests; a bare `npx jest` may find no build or an old
 * one. Testing an old build would test other code than this: build it then (about 20 s).
 */
export function ensureControllerBuilt(): void {
  const built = existsSync(MAIN) ? statSync(MAIN).mtimeMs : 0;
  if (built >= Math.max(newestSource(join(ROOT, 'apps', 'controller')), newestSource(join(ROOT, 'libs')))) return;
  execFileSync(process.execPath, [join(ROOT, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js'), 'build', 'controller'], {
    cwd: ROOT,
    stdio: 'pipe',
  });
}

export async function freePort(): Promise<number> {
  return new Promise((done, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => done(typeof addr === 'object' && addr ? addr.port : 0));
    });
    srv.on('error', reject);
  });
}

export interface ControllerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** What the process wrote to stderr, last 20,000 characters. */
  log(): string;
  /** What the process wrote to stdout (its JSON log lines), last 1,000,000 characters. */
  stdout(): string;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM (graceful shutdown) and wait for the exit. */
  stop(): Promise<void>;
}

export async function startControllerProcess(opts: {
  config: Record<string, unknown>;
  env?: Record<string, string>;
  roles?: string;
  readyTimeoutMs?: number;
}): Promise<ControllerProcess> {
  ensureControllerBuilt();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  let out = '';
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'] ?? '',
      DRIFTWARDEN_CONFIG_YAML: JSON.stringify(opts.config),
      PORT: String(port),
      LOG_LEVEL: 'warn',
      ...(opts.roles ? { DRIFTWARDEN_ROLES: opts.roles } : {}),
      // Nothing may reach AWS; tests point the services they use at their sandboxes.
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: process.env['AWS_ACCESS_KEY_ID'] ?? 'AKIDSANDBOX',
      AWS_SECRET_ACCESS_KEY: 'sandbox-secret',
      AWS_REGION: 'eu-west-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr?.on('data', (d: Buffer) => {
    log = (log + d.toString('utf8')).slice(-20_000);
  });
  child.stdout?.on('data', (d: Buffer) => {
    out = (out + d.toString('utf8')).slice(-1_000_000);
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const proc: ControllerProcess = {
    url,
    child,
    log: () => log,
    stdout: () => out,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the controller process exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${log.trim()}`);
    }
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return proc;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await proc.kill();
      throw new Error(`the controller process was not ready within ${opts.readyTimeoutMs ?? 30_000} ms:\n${log.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
