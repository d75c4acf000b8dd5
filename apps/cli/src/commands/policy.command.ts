import type { Command } from 'commander';
import { PolicyFixtureError, PolicyLoadError, runPolicyTests, where, type PolicyTestRun } from '@driftwarden/policy';
import { ExitCode, type CliContext } from '../cli-context';

interface TestOptions {
  json?: boolean;
}

/**
 * `driftwarden policy test DIR`: runs the policy fixtures of a folder (its `*.cedar` policies and
 * `*.tests.yaml` cases, format in docs/policies.md) locally, without a controller.
 */
export function registerPolicyCommands(program: Command, ctx: CliContext): void {
  const policy = program.command('policy').description('work with guardrail policies (Cedar, policies.files)');
  policy
    .command('test')
    .description('run the policy fixtures of a folder: its *.cedar policies against its *.tests.yaml cases')
    .argument('<dir>', 'a folder with *.cedar policies and *.tests.yaml fixtures, e.g. examples/policies')
    .option('--json', 'print {ok, policies, results} (or {ok: false, problems})')
    .addHelpText(
      'after',
      '\nFixture format: docs/policies.md ("Testing policies").\nExit code: 0 every case passed, 1 a case failed or the folder cannot be run.',
    )
    .action((dir: string, options: TestOptions) => {
      test(ctx, dir, options);
    });
}

function test(ctx: CliContext, dir: string, options: TestOptions): void {
  let run: PolicyTestRun;
  try {
    run = runPolicyTests(dir);
  } catch (error) {
    if (!(error instanceof PolicyFixtureError || error instanceof PolicyLoadError)) throw error;
    ctx.exitCode = ExitCode.failed;
    if (options.json) {
      ctx.printJson({ ok: false, problems: error.problems });
      return;
    }
    for (const p of error.problems) ctx.error(`${where(p)}: ${p.message}`);
    return;
  }
  const failed = run.results.filter((r) => !r.ok);
  if (failed.length > 0) ctx.exitCode = ExitCode.failed;
  if (options.json) {
    ctx.printJson({ ok: failed.length === 0, policies: run.policyFiles, results: run.results });
    return;
  }
  const p = ctx.palette;
  for (const r of run.results) {
    const matched = r.actual.policies.length > 0 ? ` (${r.actual.policies.join(', ')})` : '';
    if (r.ok) {
      ctx.print(`${p.green('pass')} ${r.name}: ${r.decision} → ${r.actual.decision}${matched}`);
      continue;
    }
    const wanted = `${r.expected.decision}${r.expected.policies ? ` by [${r.expected.policies.join(', ')}]` : ''}`;
    const got = `${r.actual.decision} by [${r.actual.policies.join(', ')}]`;
    ctx.print(`${p.red('FAIL')} ${r.name} (${r.file}): ${r.decision} → expected ${wanted}, got ${got}`);
  }
  const summary = `${run.results.length - failed.length} passed, ${failed.length} failed (${run.policyFiles.length} policy ${run.policyFiles.length === 1 ? 'file' : 'files'})`;
  ctx.print(failed.length > 0 ? p.red(summary) : p.green(summary));
}
