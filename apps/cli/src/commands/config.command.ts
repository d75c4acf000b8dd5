import type { Command } from 'commander';
import type { ApiProblem } from '../api.types';
import { ExitCode, type CliContext } from '../cli-context';
import { errorMessage, UsageError } from '../cli.errors';

/** The parts of a loaded configuration that `config check` reports. */
export interface CheckedConfig {
  mode?: string;
  stacks?: readonly unknown[];
  incidents?: {
    pagerduty?: unknown;
    opsgenie?: unknown;
    jsm?: unknown;
    incidentio?: unknown;
    /** Generic webhook sources, by name (each reported as `webhook.<name>`). */
    webhook?: { sources?: Record<string, unknown> } | null;
    notes?: Record<string, unknown> | null;
  } | null;
}

/**
 * The config library as `config check` uses it (`@driftwarden/config` in production; tests
 * inject their own). `loadConfigFile` throws an error carrying `problems` when the file is invalid.
 */
export interface ConfigToolkit {
  loadConfigFile(path: string, env: Readonly<Record<string, string | undefined>>): CheckedConfig | Promise<CheckedConfig>;
  formatConfigProblems(problems: readonly ApiProblem[], source?: string): string | readonly string[];
}

interface CheckOptions {
  json?: boolean;
}

export function registerConfigCommands(program: Command, ctx: CliContext): void {
  const config = program.command('config').description('work with driftwarden.yaml');
  config
    .command('check')
    .description('load and validate a configuration file, with one line per problem')
    .argument('<file>', 'the YAML configuration, e.g. driftwarden.yaml')
    .option('--json', 'print {ok, file, …} or {ok: false, problems}')
    .addHelpText('after', "\nValues written env:NAME are read from this shell's environment.\nExit code: 0 valid, 1 problems found.")
    .action(async (file: string, options: CheckOptions) => {
      await check(ctx, file, options);
    });
}

async function check(ctx: CliContext, file: string, options: CheckOptions): Promise<void> {
  const toolkit = ctx.deps.config;
  let loaded: CheckedConfig;
  try {
    loaded = await toolkit.loadConfigFile(file, ctx.io.env);
  } catch (error) {
    const problems = problemsOf(error);
    if (problems === undefined) {
      throw new UsageError(`cannot check ${file}: ${errorMessage(error)}`, { cause: error });
    }
    ctx.exitCode = ExitCode.failed;
    if (options.json) {
      ctx.printJson({ ok: false, file, problems });
      return;
    }
    // The library formats its own problems (they may carry a source, line and column).
    const source = sourceOf(error) ?? file;
    const formatted = toolkit.formatConfigProblems(problems, source);
    const lines = typeof formatted === 'string' ? formatted.split('\n') : [...formatted];
    for (const line of lines) if (line.trim() !== '') ctx.print(line);
    return;
  }

  const mode = loaded.mode ?? 'enforce';
  const stacks = loaded.stacks?.length ?? 0;
  const providers: string[] = [
    ...(['pagerduty', 'opsgenie', 'jsm', 'incidentio'] as const).filter(
      (name) => loaded.incidents?.[name] !== undefined && loaded.incidents?.[name] !== null,
    ),
    ...Object.keys(loaded.incidents?.webhook?.sources ?? {}).map((name) => `webhook.${name}`),
  ];
  const notes = Object.entries(loaded.incidents?.notes ?? {})
    .filter(([, on]) => on === true)
    .map(([name]) => name);
  if (options.json) {
    ctx.printJson({ ok: true, file, mode, stacks, providers, ...(notes.length > 0 ? { notes } : {}) });
    return;
  }
  const providerText = providers.length > 0 ? providers.join(', ') : 'none';
  const notesText = notes.length > 0 ? `, notes: ${notes.join(', ')}` : '';
  ctx.print(
    `${ctx.palette.green('ok')}: ${file} (mode ${mode}, ${stacks} stack${stacks === 1 ? '' : 's'}, providers: ${providerText}${notesText})`,
  );
}

/** The config library's `ConfigError` carries `problems: {path, message, …}[]`; anything else is not a validation result. */
function problemsOf(error: unknown): ApiProblem[] | undefined {
  if (typeof error !== 'object' || error === null || !('problems' in error) || !Array.isArray(error.problems)) return undefined;
  const problems: unknown[] = error.problems;
  if (!problems.every((p) => typeof p === 'object' && p !== null && 'path' in p && 'message' in p)) return undefined;
  return problems as ApiProblem[];
}

/** `ConfigError.source`: the file as the library names it (relative to the working directory). */
function sourceOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'source' in error && typeof error.source === 'string' ? error.source : undefined;
}
