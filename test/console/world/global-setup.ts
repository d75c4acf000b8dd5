import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
// By path: this file runs in Playwright's process, which does not resolve `@driftwarden/*`.
import { deleteKeysWithPrefix } from '../../../libs/redis/src/redis-connection';

/**
 * Starts the console world (console-world.ts: the real controller on a real Redis, fake cloud
 * ports, a PagerDuty fake) as a child process and hands its address, tokens and drift ids to
 * the tests in DW_CONSOLE_WORLD. Playwright runs the returned function at the end.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const child: ChildProcess = spawn(process.execPath, ['-r', join(__dirname, 'register.cjs'), join(__dirname, 'console-world.ts')], {
    cwd: join(__dirname, '..', '..', '..'),
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-20_000)));
  const info = await new Promise<string>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('WORLD '));
      if (line) {
        child.stdout!.off('data', onData);
        resolve(line.slice('WORLD '.length));
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the console world exited (${code}) before it was ready:\n${err}`)));
  });
  process.env['DW_CONSOLE_WORLD'] = info;
  return async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    // The controller's own shutdown hook re-raises SIGTERM once it has closed, which can end the
    // world before it dropped its keys: they are removed here, after it has exited.
    const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
    try {
      await deleteKeysWithPrefix(redis, (JSON.parse(info) as { prefix: string }).prefix);
    } finally {
      redis.disconnect();
    }
  };
}
