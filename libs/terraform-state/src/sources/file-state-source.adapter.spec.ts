import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PermanentError } from '@driftwarden/domain';
import { FileStateSource } from './file-state-source.adapter';

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
    expect(first).toMatchObject({ status: 'changed', body: '{"version":4,"serial":1}' });
    if (first.status !== 'changed' || first.version === undefined) throw new Error('expected a version');
    await expect(source.read(first.version)).resolves.toEqual({ status: 'unchanged', version: first.version });

    await writeFile(path, '{"version":4,"serial":22}');
    await utimes(path, new Date('2026-01-01T00:01:00Z'), new Date('2026-01-01T00:01:00Z'));
    await expect(source.read(first.version)).resolves.toMatchObject({ status: 'changed', body: '{"version":4,"serial":22}' });
  });

  it('a missing file or a directory is a permanent error naming the path', async () => {
    const missing = new FileStateSource(join(dir, 'nope.tfstate'));
    await expect(missing.read()).rejects.toBeInstanceOf(PermanentError);
    await expect(missing.read()).rejects.toMatchObject({ code: 'terraform_state_file_enoent', message: expect.stringContaining('nope.tfstate') });
    await expect(new FileStateSource(dir).read()).rejects.toMatchObject({ code: 'terraform_state_file_eisdir' });
  });
});
