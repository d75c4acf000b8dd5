import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { coalesceStream } from './write-coalescing';

/** A real TCP connection on loopback, with what the server side received. */
async function connection(): Promise<{ client: Socket; received: () => string; server: Server; close: () => Promise<void> }> {
  let data = '';
  const server = createServer((s) => s.on('data', (d: Buffer) => (data += d.toString())));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const client = connect(port, '127.0.0.1');
  await once(client, 'connect');
  return {
    client,
    server,
    received: () => data,
    close: async () => {
      client.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Counts the socket's low-level writes: `_writev` calls (with how many chunks) and single `_write` calls. */
function countWrites(socket: Socket): { writev: number[]; write: number } {
  const counts = { writev: [] as number[], write: 0 };
  const s = socket as unknown as {
    _writev: (chunks: unknown[], cb: (err?: Error) => void) => void;
    _write: (chunk: unknown, enc: string, cb: (err?: Error) => void) => void;
  };
  const writev = s._writev.bind(socket);
  const write = s._write.bind(socket);
  s._writev = (chunks, cb) => {
    counts.writev.push(chunks.length);
    writev(chunks, cb);
  };
  s._write = (chunk, enc, cb) => {
    counts.write += 1;
    write(chunk, enc, cb);
  };
  return counts;
}

const settle = () => new Promise((r) => setImmediate(r));

/** Waits until the server has received `expected` (or gives up after 5 s and shows what came). */
async function receivedAll(c: { received: () => string }, expected: string): Promise<string> {
  const deadline = Date.now() + 5_000;
  while (c.received().length < expected.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  return c.received();
}

describe('coalesceStream', () => {
  let c: Awaited<ReturnType<typeof connection>>;
  beforeEach(async () => {
    c = await connection();
    coalesceStream(c.client);
  });
  afterEach(() => c.close());

  it('sends the writes of one turn of the event loop in one writev, in order', async () => {
    const counts = countWrites(c.client);
    c.client.write('*1\r\n$4\r\nPING\r\n');
    c.client.write(Buffer.from('a'));
    c.client.write('b');
    expect(counts).toEqual({ writev: [], write: 0 }); // nothing left yet: corked until the turn ends
    await settle();
    expect(counts).toEqual({ writev: [3], write: 0 });
    expect(await receivedAll(c, '*1\r\n$4\r\nPING\r\nab')).toBe('*1\r\n$4\r\nPING\r\nab');
  });

  it('writes issued by promise continuations of the same turn go out together', async () => {
    const counts = countWrites(c.client);
    const replies = Array.from({ length: 5 }, (_, i) => Promise.resolve(i));
    c.client.write('first;');
    // As replies resolved by one socket read: each continuation sends its next command.
    await Promise.all(replies.map((p) => p.then((i) => c.client.write(`next${i};`))));
    await settle();
    expect(counts).toEqual({ writev: [6], write: 0 });
  });

  it('never holds a write past its turn: each turn is flushed on its own', async () => {
    const counts = countWrites(c.client);
    c.client.write('one;');
    await settle();
    c.client.write('two;');
    await settle();
    // A single buffered chunk is written with _write.
    expect(counts).toEqual({ writev: [], write: 2 });
    expect(await receivedAll(c, 'one;two;')).toBe('one;two;');
  });

  it('a socket destroyed in the turn is not corked again (the write fails as it would without coalescing)', async () => {
    c.client.destroy();
    const errors: Error[] = [];
    c.client.on('error', (e) => errors.push(e));
    expect(() => c.client.write('late', (err) => err && errors.push(err))).not.toThrow();
    await settle();
    expect(errors.length).toBeGreaterThan(0);
    expect(c.client.writableCorked).toBe(0);
  });
});
