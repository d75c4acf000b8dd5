import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatConfigProblems, loadConfigFile } from '@driftwarden/config';
import { runTestCli } from '../testing/terminal.fake';
import type { CheckedConfig, ConfigToolkit } from './config.command';

/** A loader standing in for @driftwarden/config: answers per file name, records what it was given. */
function fakeToolkit(results: Record<string, CheckedConfig | Error>): ConfigToolkit & { calls: unknown[][] } {
  const calls: unknown[][] = [];
  return {
    calls,
    loadConfigFile(path, env) {
      calls.push([path, env]);
      const result = results[path];
      if (result instanceof Error) throw result;
      return result;
    },
    formatConfigProblems: (problems, source) => problems.map((p) => `${source}: ${p.path}: ${p.message}`).join('\n'),
  };
}

class FakeConfigError extends Error {
  constructor(readonly problems: { path: string; message: string }[]) {
    super('invalid configuration');
  }
}

describe('driftwarden config check (injected loader)', () => {
  it('prints ok with mode, stack count and providers, passing the environment to the loader', async () => {
    const toolkit = fakeToolkit({
      'prod.yaml': { mode: 'dry-run', stacks: [{}, {}], incidents: { pagerduty: {}, opsgenie: {} } },
    });

    const result = await runTestCli(['config', 'check', 'prod.yaml'], { deps: { config: toolkit }, env: { PAGERDUTY_TOKEN: 'x' } });

    expect(result.code).toBe(0);
    expect(result.stdout).toBe('ok: prod.yaml (mode dry-run, 2 stacks, providers: pagerduty, opsgenie)\n');
    expect(toolkit.calls).toEqual([['prod.yaml', { PAGERDUTY_TOKEN: 'x' }]]);
  });

  it('says providers: none when no incident provider is configured', async () => {
    const toolkit = fakeToolkit({ 'a.yaml': { mode: 'enforce', stacks: [{}], incidents: {} } });

    const result = await runTestCli(['config', 'check', 'a.yaml'], { deps: { config: toolkit } });

    expect(result.stdout).toBe('ok: a.yaml (mode enforce, 1 stack, providers: none)\n');
  });

  it('prints one line per problem through the library formatter and exits 1', async () => {
    const toolkit = fakeToolkit({
      'bad.yaml': new FakeConfigError([
        { path: 'mode', message: 'expected enforce or dry-run, found "yolo"' },
        { path: 'stacks[0].state', message: 'expected exactly one of s3 or file, found neither' },
      ]),
    });

    const result = await runTestCli(['config', 'check', 'bad.yaml'], { deps: { config: toolkit } });

    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      'bad.yaml: mode: expected enforce or dry-run, found "yolo"\n' +
        'bad.yaml: stacks[0].state: expected exactly one of s3 or file, found neither\n',
    );
  });

  it('--json prints the problems', async () => {
    const toolkit = fakeToolkit({ 'bad.yaml': new FakeConfigError([{ path: 'mode', message: 'bad' }]) });

    const result = await runTestCli(['config', 'check', 'bad.yaml', '--json'], { deps: { config: toolkit } });

    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({ ok: false, file: 'bad.yaml', problems: [{ path: 'mode', message: 'bad' }] });
  });

  it('reports a failure that is not a validation result as an error (exit 2)', async () => {
    const toolkit = fakeToolkit({ 'x.yaml': new Error('EACCES: permission denied') });

    const result = await runTestCli(['config', 'check', 'x.yaml'], { deps: { config: toolkit } });

    expect(result.code).toBe(2);
    expect(result.stderr).toBe('error: cannot check x.yaml: EACCES: permission denied\n');
  });

  it('needs no controller: no URL or token is read', async () => {
    const toolkit = fakeToolkit({ 'a.yaml': { mode: 'enforce', stacks: [] } });

    const result = await runTestCli(['config', 'check', 'a.yaml'], {
      deps: { config: toolkit },
      env: { DRIFTWARDEN_URL: 'not a url' },
    });

    expect(result.code).toBe(0);
  });
});

describe('driftwarden config check (the real @driftwarden/config)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'driftwarden-config-'));
  const deps = { config: { loadConfigFile, formatConfigProblems } };

  it('reports the problems of an invalid file with their key paths (exit 1)', async () => {
    const file = join(dir, 'invalid.yaml');
    writeFileSync(file, 'mode: yolo\nstacks: 3\n');

    const result = await runTestCli(['config', 'check', file], { deps });

    expect(result.code).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.some((l) => l.includes('mode') && l.includes('yolo'))).toBe(true);
    expect(lines.some((l) => l.includes('stacks'))).toBe(true);
  });

  it('reports a missing file as a problem', async () => {
    const result = await runTestCli(['config', 'check', join(dir, 'missing.yaml')], { deps });

    expect(result.code).toBe(1);
    expect(result.stdout).toContain('does not exist');
  });

  it('checks a valid file, reading env: references from the environment', async () => {
    const file = join(dir, 'ok.yaml');
    writeFileSync(
      file,
      [
        'mode: dry-run',
        'stacks:',
        '  - name: network',
        '    accounts: ["111122223333"]',
        '    regions: [eu-west-1]',
        '    state: { file: ./network.tfstate }',
        '    repo: { owner: acme, name: infra, baseBranch: main, path: terraform/network }',
        'incidents:',
        '  pagerduty: { token: env:PAGERDUTY_TOKEN, major: { urgencies: [high] } }',
        '',
      ].join('\n'),
    );

    const ok = await runTestCli(['config', 'check', file], { deps, env: { PAGERDUTY_TOKEN: 'secret-value' } });
    const unset = await runTestCli(['config', 'check', file], { deps, env: {} });

    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe(`ok: ${file} (mode dry-run, 1 stack, providers: pagerduty)\n`);
    expect(unset.code).toBe(1);
    expect(unset.stdout).toContain('incidents.pagerduty.token: environment variable PAGERDUTY_TOKEN is not set');
  });
});
