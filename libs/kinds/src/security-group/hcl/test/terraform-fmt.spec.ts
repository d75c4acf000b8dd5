/**
 * When the `terraform` CLI is installed: an edit of a file that `terraform fmt` accepts yields a
 * file it still accepts (new blocks aligned, `=` re-aligned after a removal), so a backport PR
 * passes a `terraform fmt -check` step. Skipped where the CLI is absent.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const FIXTURES = join(__dirname, 'fixtures');
const terraform = spawnSync('terraform', ['version'], { encoding: 'utf8' }).status === 0;

function fmtClean(text: string): boolean {
  try {
    execFileSync('terraform', ['fmt', '-check', '-no-color', '-'], { input: text, stdio: ['pipe', 'ignore', 'ignore'] });
    return true;
  } catch {
    return false;
  }
}

const cases = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(FIXTURES, entry.name, 'expected.tf')))
  .map((entry) => entry.name);

(terraform ? describe : describe.skip)('terraform fmt', () => {
  it('tells formatted from unformatted files', () => {
    expect(fmtClean('a = 1\nbb = 2\n')).toBe(false);
    expect(fmtClean('a  = 1\nbb = 2\n')).toBe(true);
  });

  const formatted = terraform ? cases.filter((name) => fmtClean(readFileSync(join(FIXTURES, name, 'input.tf'), 'utf8'))) : [];

  it('most fixtures start formatted', () => {
    expect(formatted.length).toBeGreaterThanOrEqual(8);
  });

  it.each(formatted)('%s: formatted input, formatted output', (name) => {
    expect(fmtClean(readFileSync(join(FIXTURES, name, 'expected.tf'), 'utf8'))).toBe(true);
  });
});
