import { createConnection } from 'node:net';

/** Integration tests need a real Redis: fail once, clearly, instead of 200 timeouts. */
export default async function globalSetup(): Promise<void> {
  const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const port = Number(url.port || 6379);
  const host = url.hostname || '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    const socket = createConnection({ host, port });
    socket.setTimeout(2000);
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
    const fail = (why: string) => {
      socket.destroy();
      reject(
        new Error(
          `integration tests need Redis at ${url.href} (${why}). Run them with \`npm test\` ` +
            '(which starts a local redis-server when none is running) or set REDIS_URL.',
        ),
      );
    };
    socket.once('timeout', () => fail('timed out'));
    socket.once('error', (err) => fail(err.message));
  });
}
