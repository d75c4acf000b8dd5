import type { Command } from 'commander';
import { ApiError } from '../api-client';
import type { FreezeScope, FreezeSource, FreezeState } from '../api.types';
import { explainApiError } from '../cli.errors';
import { ExitCode, type CliContext } from '../cli-context';
import { formatTime, formatTimeWithRelative, plural } from '../output/format';
import { renderTable, type Column } from '../output/table';
import { collect, duration, nonBlank } from './option-parsers';

interface OnOptions {
  reason: string;
  ttl: string;
  account?: string[];
  region?: string[];
  json?: boolean;
}

interface StatusOptions {
  account?: string;
  region?: string;
  json?: boolean;
}

interface OffOptions {
  json?: boolean;
}

export function registerFreezeCommands(program: Command, ctx: CliContext): void {
  const freeze = program.command('freeze').description('stop or allow auto-heal: manual freezes and the effective freeze');

  freeze
    .command('on')
    .description('freeze auto-heal for a while (POST /v1/freezes; operator)')
    .requiredOption('--reason <text>', 'why, for the audit log and other operators', nonBlank)
    .requiredOption('--ttl <duration>', 'how long: 90s, 30m, 2h, 1d', duration)
    .option('--account <id>', 'only this AWS account (repeatable)', collect)
    .option('--region <name>', 'only this region (repeatable)', collect)
    .option('--json', 'print the new freeze source')
    .action(async (options: OnOptions) => {
      const scope: FreezeScope = {};
      if (options.account) scope.accounts = options.account;
      if (options.region) scope.regions = options.region;
      const source = await ctx.client().createFreeze({
        reason: options.reason,
        ttl: options.ttl,
        ...(Object.keys(scope).length > 0 ? { scope } : {}),
      });
      if (options.json) return ctx.printJson(source);
      const now = ctx.io.now();
      ctx.print(
        `${ctx.palette.bold('frozen')}: manual freeze ${source.id} ${describeScope(source.scope)}, until ${formatTimeWithRelative(source.until, now)}`,
      );
      ctx.print(`  reason: ${source.reason ?? options.reason}`);
      ctx.print(ctx.palette.dim(`  lift it early with: driftwarden freeze off ${source.id}`));
    });

  freeze
    .command('off')
    .description('lift a manual freeze (DELETE /v1/freezes/:id; operator)')
    .argument('<id>', 'the freeze id, as shown by `freeze status`')
    .option('--json', 'print {lifted: id}')
    .action(async (id: string, options: OffOptions) => {
      const client = ctx.client();
      try {
        await client.deleteFreeze(id);
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 409) throw error;
        await explainConflict(ctx, id, error);
        return;
      }
      if (options.json) return ctx.printJson({ lifted: id });
      ctx.print(`lifted manual freeze ${id}`);
      ctx.print(ctx.palette.dim('other sources may still freeze auto-heal: driftwarden freeze status'));
    });

  freeze
    .command('status')
    .description('the effective freeze and every active source (GET /v1/freeze; viewer)')
    .option('--account <id>', 'the freeze as it applies to this account')
    .option('--region <name>', 'the freeze as it applies to this region')
    .option('--json', 'print the API answer')
    .action(async (options: StatusOptions) => {
      const state = await ctx.client().getFreeze({ account: options.account, region: options.region });
      if (options.json) return ctx.printJson(state);
      printStatus(ctx, state);
    });
}

function printStatus(ctx: CliContext, state: FreezeState): void {
  const c = ctx.palette;
  const now = ctx.io.now();
  if (state.frozen) {
    ctx.print(`${c.bold(c.red('FROZEN'))}: auto-heal is stopped (${plural(state.sources.length, 'active source')})`);
  } else {
    ctx.print(`${c.bold(c.green('not frozen'))}: auto-heal may run`);
  }
  if (state.sources.length > 0) {
    const columns: Column<FreezeSource>[] = [
      { header: 'ID', cell: (s) => s.id },
      { header: 'TYPE', cell: (s) => (s.type === 'unknown' ? c.yellow(s.type) : s.type) },
      { header: 'SCOPE', cell: (s) => describeScope(s.scope) },
      { header: 'REASON', cell: (s) => describeReason(s) },
      { header: 'SINCE', cell: (s) => formatTimeWithRelative(s.since, now) },
      { header: 'UNTIL', cell: (s) => (s.until ? formatTimeWithRelative(s.until, now) : untilOpen(s)) },
      { header: 'ACTOR', cell: (s) => s.actor ?? '-' },
    ];
    ctx.print();
    renderTable(columns, state.sources, c).forEach((line) => ctx.print(line));
  }

  const providers = Object.entries(state.providers ?? {});
  ctx.print();
  if (providers.length === 0) {
    ctx.print(c.dim('providers: none configured (no incident source)'));
    return;
  }
  const columns: Column<[string, FreezeState['providers'][string]]>[] = [
    { header: 'PROVIDER', cell: ([name]) => name },
    { header: 'STATUS', cell: ([, p]) => (p.ok ? c.green('ok') : c.red('failing')) },
    { header: 'FETCHED', cell: ([, p]) => formatTimeWithRelative(p.fetchedAt, now) },
    { header: 'ERROR', cell: ([, p]) => p.error ?? '' },
  ];
  renderTable(columns, providers, c).forEach((line) => ctx.print(line));
}

function describeReason(source: FreezeSource): string {
  const incident = source.incident;
  const reason = source.reason ?? incident?.title ?? '';
  if (incident === undefined) return reason || '-';
  const number = incident.number !== undefined && incident.number !== null ? ` #${incident.number}` : '';
  return `${reason} [${incident.provider}${number} ${incident.id}]`.trim();
}

function untilOpen(source: FreezeSource): string {
  switch (source.type) {
    case 'incident':
      return 'incident resolved + cooldown';
    case 'unknown':
      return 'providers fresh again';
    default:
      return '-';
  }
}

export function describeScope(scope: FreezeScope | null | undefined): string {
  if (!scope) return 'everywhere';
  const parts: string[] = [];
  if (scope.accounts?.length) parts.push(`account ${scope.accounts.join(',')}`);
  if (scope.regions?.length) parts.push(`region ${scope.regions.join(',')}`);
  if (scope.resourceTypes?.length) parts.push(`type ${scope.resourceTypes.join(',')}`);
  const tags = Object.entries(scope.tags ?? {});
  if (tags.length > 0) parts.push(`tags ${tags.map(([k, v]) => `${k}=${v}`).join(',')}`);
  return parts.length > 0 ? parts.join(' ') : 'everywhere';
}

/** 409: only manual freezes can be lifted. Say what the source is and how it ends. */
async function explainConflict(ctx: CliContext, id: string, error: ApiError): Promise<void> {
  ctx.exitCode = ExitCode.failed;
  explainApiError(error, ctx.displayUrl, ctx.hasToken).lines.forEach((line, i) => (i === 0 ? ctx.error(line) : ctx.note(line)));
  let source: FreezeSource | undefined;
  try {
    source = (await ctx.client().getFreeze()).sources.find((s) => s.id === id);
  } catch {
    source = undefined; // best effort: the explanation below still holds
  }
  const lines: string[] = [];
  switch (source?.type) {
    case 'incident':
      lines.push(
        `freeze ${id} comes from an open incident (${describeReason(source)}): it ends when the incident resolves and the cooldown passes.`,
        'An admin can override incident freezes for at most 1h, with a reason (POST /v1/freeze/overrides).',
      );
      break;
    case 'window':
      lines.push(
        `freeze ${id} is a configured freeze window (${describeReason(source)}): it ends with the window, at ${formatTime(source.until)}.`,
      );
      break;
    case 'cooldown':
      lines.push(`freeze ${id} is the cooldown after an incident resolved: it ends at ${formatTime(source.until)}.`);
      break;
    case 'unknown':
      lines.push(
        `freeze ${id} means the controller cannot tell whether an incident is open (a provider is failing or stale): it ends when fresh data arrives.`,
        'See provider freshness with: driftwarden freeze status',
      );
      break;
    default:
      lines.push(
        `only manual freezes can be lifted with \`freeze off\`; incident, window, cooldown and unknown freezes end on their own.`,
        'An admin can override incident freezes for at most 1h, with a reason (POST /v1/freeze/overrides).',
      );
  }
  lines.forEach((line) => ctx.note(line));
}
