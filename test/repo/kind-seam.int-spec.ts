/**
 * The resource-kind seam (issue 12): each kind lives in its own folder behind one registration,
 * the code outside libs/kinds never names one, and docs/adding-a-resource-kind.md matches the code
 * (every file it points to exists).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { registeredKinds } from '@driftwarden/kinds';

const ROOT = join(__dirname, '..', '..');

describe('the resource-kind seam', () => {
  it('each registered kind has its folder under libs/kinds/src with its registration', () => {
    for (const { kind } of registeredKinds()) {
      expect({ kind: kind.name, folder: existsSync(join(ROOT, 'libs', 'kinds', 'src', kind.name, 'registration.ts')) }).toEqual({
        kind: kind.name,
        folder: true,
      });
    }
  });

  it('the pipeline, the domain, the stores and the HTTP layer name no particular kind outside comments and examples', () => {
    const hits = execFileSync(
      'git',
      ['grep', '-n', '-I', '-E', 'sg-|SecurityGroup', '--', 'libs/pipeline', 'libs/domain', 'libs/store', 'apps/controller/src/http'],
      { cwd: ROOT, encoding: 'utf8' },
    )
      .split('\n')
      .filter(Boolean)
      // Specs may use real-looking ids; comments and doc strings give examples.
      .filter((line) => !/\.spec\.ts:/.test(line))
      .filter((line) => !/^[^:]+:\d+:\s*(\/\/|\*|\/\*\*)/.test(line))
      // User-facing examples in validation messages and the OpenAPI document ("such as …", "e.g. …", example:).
      .filter((line) => !/(such as|e\.g\.|example:|\(sg-, )/.test(line))
      // AWS's identifier table (the id form of every AWS type the edge validates, kinds or not).
      .filter((line) => !line.startsWith('libs/domain/src/aws/identifiers.ts:'));
    expect(hits).toEqual([]);
  });

  it('docs/adding-a-resource-kind.md points only at files that exist', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'adding-a-resource-kind.md'), 'utf8');
    const paths = [...doc.matchAll(/`([a-z][\w/.-]*\.(?:ts|tf))`/g)].map((m) => m[1]);
    expect(paths.length).toBeGreaterThan(10);
    const missing = paths.filter((p) => !existsSync(join(ROOT, p)) && !existsSync(join(ROOT, 'libs', 'kinds', 'src', p)));
    expect(missing).toEqual([]);
  });
});
