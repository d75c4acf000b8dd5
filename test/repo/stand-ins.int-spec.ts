/**
 * Stand-ins live in one place (issue 12 §3): each lib's in `src/testing`, reached only through
 * its testing entry point `@driftwarden/<lib>/testing`. The build (nest build, which rewrites
 * tsconfig paths) needs an explicit path per entry point: tsconfig-paths does not match a
 * pattern with a suffix after its `*`, so `@driftwarden/*\/testing` would compile but not run.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const ROOT = join(__dirname, '..', '..');
const libs = readdirSync(join(ROOT, 'libs')).filter((lib) => existsSync(join(ROOT, 'libs', lib, 'src')));

describe('stand-ins', () => {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), (f) => readFileSync(f, 'utf8'));
  const paths = (config.config as { compilerOptions: { paths: Record<string, string[]> } }).compilerOptions.paths;

  it('every lib with stand-ins has its testing entry point in tsconfig paths, spelled out', () => {
    const withTesting = libs.filter((lib) => existsSync(join(ROOT, 'libs', lib, 'src', 'testing', 'index.ts')));
    expect(withTesting.length).toBeGreaterThan(0);
    for (const lib of withTesting)
      expect({ lib, path: paths[`@driftwarden/${lib}/testing`] }).toEqual({ lib, path: [`./libs/${lib}/src/testing`] });
    expect(Object.keys(paths).filter((p) => p.includes('*') && !p.endsWith('/*'))).toEqual([]);
  });

  it('no product entry point exports a stand-in', () => {
    for (const lib of libs) {
      const index = join(ROOT, 'libs', lib, 'src', 'index.ts');
      if (!existsSync(index)) continue;
      const text = readFileSync(index, 'utf8');
      expect({ lib, reexports: /from '\.\/(testing|sandbox)\b|\.fake'/.test(text) }).toEqual({ lib, reexports: false });
    }
  });
});
