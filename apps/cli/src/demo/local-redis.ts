import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Answers PING within a second and a half. */
export async function redisAnswers(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = createConnection({ host: u.hostname || '127.0.0.1', port: Number(u.port || 6379) });
    const done = (ok: boolean) => {
      clearTimeout(t);
      s.destroy();
      resolve(ok);
    };
    const t = setTimeout(() => done(false), 1500);
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => done(String(d).startsWith('+PONG') || String(d).startsWith('-NOAUTH')));
    s.on('error', () => done(false));
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface LocalRedis {
  url: string;
  /** True when this process started it (and stops it). */
  started: boolean;
  stop(): Promise<void>;
}

export class RedisUnavailableError extends Error {}

/**
 * REDIS_URL or 127.0.0.1:6379 when it answers; otherwise a throw-away `redis-server` on a free
 * port (no persistence) that `stop()` ends; otherwise an error saying what to install.
 */
export async function findOrStartRedis(env: Readonly<Record<string, string | undefined>>): Promise<LocalRedis> {
  const url = env['REDIS_URL'] || 'redis://127.0.0.1:6379';
  if (await redisAnswers(url)) return { url, started: false, stop: async () => {} };
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'dw-redis-'));
  let child: ChildProcess;
  try {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
      stdio: 'ignore',
    });
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => resolve());
    });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    throw new RedisUnavailableError(
      `no Redis answers at ${url} and redis-server is not installed. Start one and set REDIS_URL, or install it: ` +
        'Debian/Ubuntu `sudo apt-get install -y redis-server`, macOS `brew install redis`.',
    );
  }
  const local = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50 && !(await redisAnswers(local)); i++) await new Promise((r) => setTimeout(r, 100));
  return {
    url: local,
    started: true,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
