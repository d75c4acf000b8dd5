import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { RedisConnectionMonitor, type RedisEventLog } from './redis-monitor';
import { isRedisConnectionError, isRedisUnavailableError } from './redis-errors';

function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED', syscall: 'connect' });
}

function harness() {
  const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  const log: jest.Mocked<RedisEventLog> = {
    error: jest.fn((obj, msg) => void lines.push({ level: 'error', obj, msg })),
    warn: jest.fn((obj, msg) => void lines.push({ level: 'warn', obj, msg })),
    info: jest.fn((obj, msg) => void lines.push({ level: 'info', obj, msg })),
  };
  let now = 1_000_000;
  const monitor = new RedisConnectionMonitor(log, 30_000, () => now);
  return { lines, monitor, advance: (ms: number) => (now += ms) };
}

describe('RedisConnectionMonitor', () => {
  it('an outage of a dozen connections reconnecting for a minute is a handful of log lines, then one when Redis is back', () => {
    const { lines, monitor, advance } = harness();
    const clients = Array.from({ length: 12 }, (_, i) => monitor.watch(new EventEmitter() as unknown as Redis, `driftwarden:c${i}`));
    for (let attempt = 0; attempt < 13; attempt++) {
      for (const c of clients) c.emit('error', refused());
      advance(5_000);
    }
    clients[3].emit('ready');
    for (const c of clients) c.emit('ready');
    expect(lines.map((l) => `${l.level} ${l.msg}`)).toEqual([
      'error Redis is unreachable: requests answer 503 redis_unavailable, work waits until it is back',
      'warn Redis is still unreachable',
      'warn Redis is still unreachable',
      'info Redis is reachable again',
    ]);
    expect(lines[0].obj).toEqual({
      connection: 'driftwarden:c0',
      err: { message: 'connect ECONNREFUSED 127.0.0.1:6379', code: 'ECONNREFUSED' },
    });
    expect(lines[3].obj).toMatchObject({ connection: 'driftwarden:c3', errors: 156, connections: 12, downMs: 65_000 });
    // No stack anywhere.
    expect(JSON.stringify(lines)).not.toContain('    at ');
  });

  it('a different error during the same outage is logged once too; a new outage starts over', () => {
    const { lines, monitor } = harness();
    monitor.report('driftwarden', refused());
    monitor.report('driftwarden:queue', new Error('Command timed out'));
    monitor.report('driftwarden:queue', new Error('Command timed out'));
    const c = monitor.watch(new EventEmitter() as unknown as Redis, 'driftwarden');
    c.emit('ready');
    c.emit('error', refused());
    expect(lines.map((l) => l.level)).toEqual(['error', 'warn', 'info', 'error']);
    expect(lines[1]).toMatchObject({
      msg: 'Redis connection error',
      obj: { connection: 'driftwarden:queue', err: { message: 'Command timed out' } },
    });
  });

  it('a ready connection without an outage logs nothing (start-up)', () => {
    const { lines, monitor } = harness();
    monitor.watch(new EventEmitter() as unknown as Redis, 'driftwarden').emit('ready');
    expect(lines).toEqual([]);
  });
});

describe('isRedisUnavailableError', () => {
  const named = (name: string, message: string) => Object.assign(new Error(message), { name });
  it.each([
    ['a command sent while disconnected', new Error("Stream isn't writeable and enableOfflineQueue options is false")],
    [
      'a command in flight when the connection dropped',
      named(
        'MaxRetriesPerRequestError',
        'Reached the max retries per request limit (which is 0). Refer to "maxRetriesPerRequest" option for details.',
      ),
    ],
    ['a MULTI aborted by the connection close', named('AbortError', 'Command aborted due to connection close')],
    ['a command without an answer', new Error('Command timed out')],
    ['a command on a closed connection', new Error('Connection is closed.')],
    ['Redis loading its data set after a restart', named('ReplyError', 'LOADING Redis is loading the dataset in memory')],
    ['a replica during a failover', named('ReplyError', "READONLY You can't write against a read only replica.")],
    ['one of those as the cause', new Error('could not record the poll', { cause: new Error('Command timed out') })],
  ])('%s is Redis unavailable', (_what, err) => {
    expect(isRedisUnavailableError(err)).toBe(true);
  });

  it.each([
    ['a script error', named('ReplyError', 'ERR Error running script')],
    ['a wrong type', named('ReplyError', 'WRONGTYPE Operation against a key holding the wrong kind of value')],
    ['a bad stream id', named('ReplyError', 'ERR Invalid stream ID specified as stream command argument')],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a refused connection to something else (an HTTP call)', refused()],
    ['not an error', 'Command timed out'],
  ])('%s is not', (_what, err) => {
    expect(isRedisUnavailableError(err)).toBe(false);
  });

  it('a socket error of a connection is a connection error (for the monitor), not a command failure', () => {
    expect(isRedisConnectionError(refused())).toBe(true);
    expect(isRedisConnectionError(new Error('Command timed out'))).toBe(true);
    expect(isRedisConnectionError(named('ReplyError', 'ERR unknown command'))).toBe(false);
  });
});
