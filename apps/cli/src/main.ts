import { Command, CommanderError } from 'commander';
import { registerDemoCommand } from './commands/demo.command';
import { formatConfigProblems, loadConfigFile } from '@driftwarden/config';
import { ApiError } from './api-client';
import { errorMessage, explainApiError, UsageError } from './cli.errors';
import { CliContext, DEFAULT_URL, ExitCode, type CliDeps, type CliIo, type GlobalOptions } from './cli-context';
import { registerAuditCommand } from './commands/audit.command';
import { registerConfigCommands } from './commands/config.command';
import { registerDriftCommands } from './commands/drifts.command';
import { registerFreezeCommands } from './commands/freeze.command';
import { registerReplayCommand } from './commands/replay.command';
import { registerEvidenceCommands } from './commands/evidence.command';
import { registerPolicyCommands } from './commands/policy.command';
import { colourWanted } from './output/colour';

/** Adds one command (or a group) to the program. Every command group exports one. */
export type CommandRegistrar = (program: Command, ctx: CliContext) => void;

const BUILT_IN_COMMANDS: readonly CommandRegistrar[] = [
  registerReplayCommand,
  registerConfigCommands,
  registerFreezeCommands,
  registerDriftCommands,
  registerAuditCommand,
  registerEvidenceCommands,
  registerPolicyCommands,
];

/**
 * EXTENSION POINT: commands contributed from outside this folder's built-ins.
 *
 * The `demo` command (DESIGN.md §9, `npm run demo`) is registered here: write
 * `apps/cli/src/commands/demo.command.ts` exporting `registerDemoCommand: CommandRegistrar`
 * and add it to this list. A registrar gets the program (add `program.command('demo')…`)
 * and the run's CliContext (`ctx.io` for output and clock, `ctx.client()` for the API,
 * `ctx.exitCode`). Errors thrown from its action are reported like any command's.
 */
export const EXTRA_COMMANDS: CommandRegistrar[] = [registerDemoCommand];

const defaultDeps: CliDeps = {
  config: { loadConfigFile, formatConfigProblems },
};

/** Builds the `driftwarden` program for one run. Output goes through `ctx.io`, never to process.* directly. */
export function buildProgram(ctx: CliContext, extraCommands: readonly CommandRegistrar[] = EXTRA_COMMANDS): Command {
  const { io } = ctx;
  const program = new Command('driftwarden')
    .description('talk to the driftwarden controller: replay events, freeze auto-heal, review and decide drifts')
    .option('--url <url>', `controller base URL (env DRIFTWARDEN_URL, default ${DEFAULT_URL})`)
    .option('--token <token>', 'API bearer token (env DRIFTWARDEN_TOKEN; prefer the variable: flags show up in ps)')
    .option('--timeout <seconds>', 'per-request timeout (env DRIFTWARDEN_TIMEOUT, default 30)')
    .option('--no-color', 'no colours even on a terminal (NO_COLOR=1 does the same)')
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      getOutHelpWidth: () => io.stdout.columns ?? 80,
      getErrHelpWidth: () => io.stderr.columns ?? 80,
      getOutHasColors: () => colourWanted(io.stdout, io.env),
      getErrHasColors: () => colourWanted(io.stderr, io.env),
    })
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      '\nTables are for people; add --json for scripts.\n' +
        'Exit codes: 0 ok, 1 the operation failed (rejected lines, invalid config, refused by the API),\n' +
        '2 usage error, controller unreachable, or token missing/rejected/too weak.',
    )
    .hook('preAction', (_program, action) => {
      ctx.configure(action.optsWithGlobals<GlobalOptions>());
    });

  for (const register of [...BUILT_IN_COMMANDS, ...extraCommands]) register(program, ctx);
  return program;
}

export interface RunOptions {
  deps?: CliDeps;
  extraCommands?: readonly CommandRegistrar[];
}

/** Runs one command line (without `node` and the script path) and answers the exit code. */
export async function runCli(argv: readonly string[], io: CliIo, options: RunOptions = {}): Promise<number> {
  const ctx = new CliContext(io, options.deps ?? defaultDeps);
  const program = buildProgram(ctx, options.extraCommands ?? EXTRA_COMMANDS);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (error) {
    return reportFailure(ctx, error);
  }
}

function reportFailure(ctx: CliContext, error: unknown): number {
  if (error instanceof CommanderError) {
    // commander has already printed the message (or the help) through configureOutput.
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (error instanceof UsageError) {
    ctx.error(error.message);
    return ExitCode.usage;
  }
  if (error instanceof ApiError) {
    const explained = explainApiError(error, ctx.displayUrl, ctx.hasToken);
    explained.lines.forEach((line, i) => (i === 0 ? ctx.error(line) : ctx.note(line)));
    return explained.exitCode;
  }
  ctx.error(`unexpected failure: ${errorMessage(error)}`);
  if (ctx.io.env.DRIFTWARDEN_DEBUG && error instanceof Error && error.stack) ctx.note(error.stack);
  return ExitCode.failed;
}

/** The real terminal. The CLI reads its settings (DRIFTWARDEN_URL, DRIFTWARDEN_TOKEN, NO_COLOR) from here. */
export function nodeIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}

/** Entry point used by bin/driftwarden.js and `node dist/apps/cli/src/main.js`. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  // `driftwarden drifts | head`: a closed pipe is not an error worth a stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  process.exitCode = await runCli(argv, nodeIo());
}

if (require.main === module) void main();
