import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PermanentError } from '@driftwarden/domain';
import { FileStateSource } from './file-state-source.adapter';
import type { StateReadResult } from './state-source.port';

/** The body of a changed read, as text (the body is a stream of chunks). */
async function text(result: StateReadResult): Promise<string> {
  if (result.status !== 'changed') throw new Error(`expected changed, got ${result.status}`);
  const { body } = result;
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dw-state-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FileStateSource', () => {
  it('reads the file, then answers unchanged for the same mtime and size, and changed after a write', async () => {
    const path = join(dir, 'terraform.tfstate');
    await writeFile(path, '{"version":4,"serial":1}');
    await utimes(path, new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T00:00:00Z'));
    const source = new FileStateSource(path);
    expect(source.origin).toBe(`file:${path}`);

    const first = await source.read();
    expect(first).toMatchObject({ status: 'changed', size: 24 });
    await expect(text(first)).resolves.toBe('{"version":4,"serial":1}');
    if (first.status !== 'changed' || first.version === undefined) throw new Error('expected a version');
    await expect(source.read(first.version)).resolves.toEqual({ status: 'unchanged', version: first.version });

    await writeFile(path, '{"version":4,"serial":22}');
    await utimes(path, new Date('2026-01-01T00:01:00Z'), new Date('2026-01-01T00:01:00Z'));
    await expect(text(await source.read(first.version))).resolves.toBe('{"version":4,"serial":22}');
  });

  it('streams a large file in chunks of at most 1 MiB (never one string)', async () => {
    const path = join(dir, 'big.tfstate');
    const content = `{"version":4,"pad":"${'x'.repeat(3_000_000)}"}`;
    await writeFile(path, content);
    const result = await new FileStateSource(path).read();
    if (result.status !== 'changed' || typeof result.body === 'string' || result.body instanceof Uint8Array)
      throw new Error('expected a stream');
    const sizes: number[] = [];
    for await (const chunk of result.body) sizes.push(chunk.length);
    expect(sizes.length).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1024 * 1024);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(Buffer.byteLength(content));
  });

  it('a file removed between stat and the first read of its body is the same permanent error', async () => {
    const path = join(dir, 'gone.tfstate');
    await writeFile(path, '{"version":4}');
    const result = await new FileStateSource(path).read();
    await rm(path);
    const caught = await text(result).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(caught).toBeInstanceOf(PermanentError);
    expect(caught).toMatchObject({ code: 'terraform_state_file_enoent', message: expect.stringContaining('gone.tfstate') });
  });

  it('a missing file or a directory is a permanent error naming the path', async () => {
    const missing = new FileStateSource(join(dir, 'nope.tfstate'));
    await expect(missing.read()).rejects.toBeInstanceOf(PermanentError);
    await expect(missing.read()).rejects.toMatchObject({
      code: 'terraform_state_file_enoent',
      message: expect.stringContaining('nope.tfstate'),
    });
    await expect(new FileStateSource(dir).read()).rejects.toMatchObject({ code: 'terraform_state_file_eisdir' });
  });
});
