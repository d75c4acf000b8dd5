import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runTestCli } from '../testing/terminal.fake';

const EXAMPLES = resolve(__dirname, '../../../../examples/policies');

describe('driftwarden policy test DIR (real Cedar, real files)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dw-policy-test-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const fixture = (cases: string) =>
    writeFileSync(join(dir, 'prod.tests.yaml'), `defaults: { at: 2026-12-08T09:00:00Z }\ncases:\n${cases}`);

  it('runs the shipped examples: every case passes', async () => {
    const result = await runTestCli(['policy', 'test', EXAMPLES]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toContain('pass a production-tagged resource always needs approval: revert → await_approval (production-needs-approval)');
    expect(lines).toContain('pass a PCI backport becomes a tracking issue: backport → tracking_issue (pci-backports-by-hand)');
    expect(lines[lines.length - 1]).toBe('12 passed, 0 failed (3 policy files)');
  });

  it('a case whose outcome differs fails, says what was expected and what came out, exit 1', async () => {
    copyFileSync(join(EXAMPLES, 'production-approval.cedar'), join(dir, 'production-approval.cedar'));
    fixture(`  - name: staging is reverted
    decision: revert
    resource: { tags: { env: staging } }
    expect: { decision: revert }
  - name: wrongly expects production to be reverted
    decision: revert
    resource: { tags: { env: production } }
    expect: { decision: revert }
  - name: right outcome, wrong policy id
    decision: revert
    resource: { tags: { env: production } }
    expect: { decision: await_approval, policies: [some-other-policy] }
`);
    const result = await runTestCli(['policy', 'test', dir]);
    expect(result.code).toBe(1);
    expect(result.stdout.split('\n')).toEqual([
      'pass staging is reverted: revert → revert',
      `FAIL wrongly expects production to be reverted (${join(dir, 'prod.tests.yaml')}): revert → expected revert, got await_approval by [production-needs-approval]`,
      expect.stringMatching(
        /^FAIL right outcome, wrong policy id .*expected await_approval by \[some-other-policy\], got await_approval by \[production-needs-approval\]$/,
      ),
      '1 passed, 2 failed (1 policy file)',
      '',
    ]);
  });

  it('--json gives every result', async () => {
    copyFileSync(join(EXAMPLES, 'production-approval.cedar'), join(dir, 'p.cedar'));
    fixture('  - { name: prod, decision: revert, resource: { tags: { env: production } }, expect: { decision: await_approval } }\n');
    const result = await runTestCli(['policy', 'test', dir, '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: true,
      policies: [expect.stringMatching(/p\.cedar$/)],
      results: [
        expect.objectContaining({
          name: 'prod',
          ok: true,
          actual: { decision: 'await_approval', policies: ['production-needs-approval'] },
        }),
      ],
    });
  });

  it('a policy that does not parse: its file and line, exit 1', async () => {
    writeFileSync(join(dir, 'broken.cedar'), '\nforbid (principal, action, resource) when { resource.id == };\n');
    fixture('  - { name: x, decision: revert, expect: { decision: revert } }\n');
    const result = await runTestCli(['policy', 'test', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/broken\.cedar:2:60: unexpected token/);
  });

  it('a bad fixture: the file and the key path, what was expected', async () => {
    writeFileSync(join(dir, 'p.cedar'), 'forbid (principal, action == Action::"revert", resource);\n');
    fixture(
      '  - { name: x, decision: revert, expect: { decision: reverted } }\n  - { name: y, decision: delete, expect: { decision: hold } }\n',
    );
    const result = await runTestCli(['policy', 'test', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/prod\.tests\.yaml: cases\[0\]\.expect\.decision: .*"revert"/);
    expect(result.stderr).toMatch(/prod\.tests\.yaml: cases\[1\]\.decision: /);
  });

  it('a folder without policies or fixtures, or no folder at all', async () => {
    let result = await runTestCli(['policy', 'test', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no policy files (*.cedar) in this folder');
    expect(result.stderr).toContain('no fixture files (*.tests.yaml) in this folder');
    result = await runTestCli(['policy', 'test', join(dir, 'missing')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot read the folder: ENOENT');
  });

  it('a case without a time is refused (policies may read the time; a fixture must not depend on today)', async () => {
    writeFileSync(join(dir, 'p.cedar'), 'forbid (principal, action == Action::"revert", resource);\n');
    writeFileSync(join(dir, 'x.tests.yaml'), 'cases:\n  - { name: timeless, decision: revert, expect: { decision: await_approval } }\n');
    const result = await runTestCli(['policy', 'test', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/x\.tests\.yaml: case "timeless" has no time/);
  });
});
