import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { describeFileError, explainApiError, formatProblem, UsageError } from '../cli.errors';
import { ExitCode, type CliContext } from '../cli-context';
import { createProgress } from '../output/progress';
import { plural } from '../output/format';
import { formatLineRanges, parseEventLines, type RejectedLine } from '../replay/event-lines';
import { EventReplayer, type ReplayOutcome } from '../replay/event-replayer';
import { positiveInt } from './option-parsers';

interface ReplayOptions {
  batch: number;
  json?: boolean;
  failed?: boolean;
  limit?: number;
}

/** What `replay --json` prints. */
export interface ReplaySummary {
  file: string;
  ok: boolean;
  /** Event lines in the file (blank lines and comments excluded). */
  events: number;
  /** Blank lines and `#` comments. */
  skipped: number;
  accepted: number;
  duplicates: number;
  rejected: RejectedLine[];
  notSent: number[];
  unacknowledged: number[];
  error: { status: number; code: string; message: string } | null;
}

export function registerReplayCommand(program: Command, ctx: CliContext): void {
  program
    .command('replay')
    .description(
      'post the events of a JSON-lines file to the controller (POST /v1/events), or with --failed decide again the items whose evaluation failed for good (POST /v1/replay/failed; operator)',
    )
    .argument('[file]', 'one EventBridge, SNS or bare Config/CloudTrail event per line; blank lines and # comments are skipped')
    .option('--batch <n>', 'events per request', positiveInt(1000), 100)
    .option(
      '--failed',
      'instead of a file: decide again every item whose evaluation failed for good (a `failed` drift with failure.stage evaluate)',
    )
    .option('--limit <n>', 'with --failed: at most this many items', positiveInt(1000))
    .option('--json', 'print a summary object instead of the report')
    .addHelpText(
      'after',
      '\nA batch refused with 400 is retried line by line, so only bad lines are rejected.\n' +
        'Exit code: 0 all accepted (duplicates included), 1 some lines rejected, 2 usage or connection error.',
    )
    .action(async (file: string | undefined, options: ReplayOptions) => {
      if (options.failed) {
        if (file) throw new UsageError('give either a file or --failed, not both');
        return replayFailed(ctx, options);
      }
      if (!file) throw new UsageError('replay needs a file of events, or --failed');
      await replay(ctx, file, options);
    });
}

async function replayFailed(ctx: CliContext, options: ReplayOptions): Promise<void> {
  const answer = await ctx.client().replayFailed(options.limit);
  if (options.json) return ctx.printJson(answer);
  ctx.print(`${plural(answer.requeued.length, 'failed evaluation')} queued to be decided again`);
  for (const r of answer.requeued) ctx.print(`  ${r.driftId}  item ${r.eventId}`);
  if (answer.skipped.length) {
    ctx.print(`${plural(answer.skipped.length, 'record')} skipped:`);
    for (const s of answer.skipped) ctx.print(`  ${s.driftId}  ${s.reason}`);
  }
}

async function replay(ctx: CliContext, file: string, options: ReplayOptions): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${describeFileError(error)}`, { cause: error });
  }
  const parsed = parseEventLines(text);
  const client = ctx.client();
  const started = ctx.io.now().getTime();
  const progress = createProgress(ctx.io.stderr, {
    label: 'replay',
    total: parsed.events.length,
    now: () => ctx.io.now().getTime(),
  });
  const replayer = new EventReplayer(client, {
    batchSize: options.batch,
    retries: 3,
    sleep: (ms) => ctx.io.sleep(ms),
    onProgress: (tally) =>
      progress.update(tally.done, `${tally.accepted} accepted, ${tally.duplicates} duplicates, ${tally.rejected.length} rejected`),
  });
  let outcome: ReplayOutcome;
  try {
    outcome = await replayer.replay(parsed.events);
  } finally {
    progress.finish();
  }

  const rejected = [...parsed.invalid, ...outcome.rejected].sort((a, b) => a.line - b.line);
  const summary: ReplaySummary = {
    file,
    ok: rejected.length === 0 && outcome.aborted === undefined,
    events: parsed.events.length + parsed.invalid.length,
    skipped: parsed.skipped,
    accepted: outcome.accepted,
    duplicates: outcome.duplicates,
    rejected,
    notSent: outcome.notSent,
    unacknowledged: outcome.unacknowledged,
    error: outcome.aborted ? { status: outcome.aborted.status, code: outcome.aborted.code, message: outcome.aborted.message } : null,
  };

  if (options.json) ctx.printJson(summary);
  else printReport(ctx, summary, ctx.io.now().getTime() - started);

  if (outcome.aborted) {
    const explained = explainApiError(outcome.aborted, ctx.displayUrl, ctx.hasToken);
    explained.lines.forEach((line, i) => (i === 0 ? ctx.error(line) : ctx.note(line)));
    ctx.exitCode = ExitCode.usage; // the replay could not finish, whatever the reason
  } else if (rejected.length > 0) {
    ctx.exitCode = ExitCode.failed;
  }
}

function printReport(ctx: CliContext, summary: ReplaySummary, elapsedMs: number): void {
  const c = ctx.palette;
  const rejectedText = plural(summary.rejected.length, 'rejected', 'rejected');
  const parts = [
    c.green(`${summary.accepted} accepted`),
    plural(summary.duplicates, 'duplicate'),
    summary.rejected.length > 0 ? c.red(rejectedText) : rejectedText,
  ];
  const seconds = (elapsedMs / 1000).toFixed(1);
  ctx.print(`${c.bold('replayed')} ${summary.file}: ${plural(summary.events, 'event')}, ${parts.join(', ')} (${seconds}s)`);
  if (summary.skipped > 0) ctx.print(c.dim(`skipped ${plural(summary.skipped, 'blank or comment line')}`));
  if (summary.rejected.length > 0) {
    ctx.print(c.bold('rejected lines:'));
    for (const { line, problems } of summary.rejected) {
      for (const problem of problems) ctx.print(`  line ${line}:${formatProblem(problem).slice(1)}`);
    }
  }
  if (summary.unacknowledged.length > 0) {
    ctx.print(c.yellow(`the controller did not acknowledge lines ${formatLineRanges(summary.unacknowledged)}`));
  }
  if (summary.notSent.length > 0) {
    ctx.print(c.yellow(`stopped early: ${plural(summary.notSent.length, 'line')} not sent (lines ${formatLineRanges(summary.notSent)})`));
  }
}
