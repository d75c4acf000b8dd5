import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

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
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
}
