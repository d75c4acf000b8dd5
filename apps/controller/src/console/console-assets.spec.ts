import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsoleAssets } from './console-assets';

describe('ConsoleAssets', () => {
  const parent = mkdtempSync(join(tmpdir(), 'dw-console-'));
  const dir = join(parent, 'console');
  mkdirSync(join(dir, 'assets'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>');
  writeFileSync(join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
  writeFileSync(join(dir, 'assets', 'notes.md'), 'not served: no known type');
  writeFileSync(join(parent, 'dw-console-secret.txt'), 'outside the build');
  afterAll(() => rmSync(parent, { recursive: true, force: true }));

  it('serves exactly the files of the build, by relative path, with their type', () => {
    const a = ConsoleAssets.load([join(dir, 'missing'), dir]);
    expect(a.built).toBe(true);
    expect(a.dir).toBe(dir);
    expect(a.get('assets/index-abc.js')).toEqual({ body: Buffer.from('console.log(1)'), type: 'text/javascript; charset=utf-8' });
    expect(a.get('index.html')?.type).toBe('text/html; charset=utf-8');
    for (const path of ['assets/notes.md', '../dw-console-secret.txt', 'assets/../index.html', '/etc/passwd', 'assets/%2e%2e/index.html'])
      expect(a.get(path)).toBeUndefined();
  });

  it('without a build: not built, nothing served', () => {
    const a = ConsoleAssets.load([join(dir, 'missing')]);
    expect(a.built).toBe(false);
    expect(a.dir).toBeNull();
    expect(a.get('index.html')).toBeUndefined();
  });
});
