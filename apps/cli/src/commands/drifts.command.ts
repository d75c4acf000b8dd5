import type { Command } from 'commander';
import { collectPages } from '../api-client';
import type { DriftDecisionVerb, DriftRecord } from '../api.types';
import type { CliContext } from '../cli-context';
import type { Palette } from '../output/colour';
import { formatRelative, formatTimeWithRelative, renderTree } from '../output/format';
import { renderTable, type Column } from '../output/table';
import { writeEvidence } from './evidence.command';
import { nonBlank, positiveInt } from './option-parsers';

interface ListOptions {
  status?: string;
  resource?: string;
  account?: string;
  kind?: string;
  overdue?: boolean;
  limit: number;
  json?: boolean;
}

interface JsonOption {
  json?: boolean;
}

interface DecideOptions extends JsonOption {
  comment: string;
  confirmSuspicious?: boolean;
}

const VERBS: Record<DriftDecisionVerb, { description: string; done: string }> = {
  approve: { description: 'approve the pending revert of a drift', done: 'approved' },
  adopt: { description: 'keep the live state and open a backport pull request instead of reverting', done: 'adopted' },
  reject: { description: 'leave the drift as it is (recorded, no revert, no pull request)', done: 'rejected' },
};

export function registerDriftCommands(program: Command, ctx: CliContext): void {
  program
    .command('drifts')
    .description('list drift records, newest first (GET /v1/drifts; viewer)')
    .option('--status <status>', 'e.g. awaiting_approval, held, backport_open, reverted')
    .option('--resource <id>', 'a resource id, e.g. sg-0abc1234def567890')
    .option('--account <id>', 'an AWS account id')
    .option('--kind <kind>', 'a resource kind (security-group, asg, instance, …) or a Config type (AWS::EC2::Instance)')
    .option('--overdue', 'only emergency patches whose backport pull request is open longer than backport.expiryDays')
    .option('--limit <n>', 'at most this many records (follows pages)', positiveInt(10_000), 50)
    .option('--json', 'print {items, next}')
    .action(async (options: ListOptions) => {
      const client = ctx.client();
      const filter = {
        status: options.status,
        resource: options.resource,
        account: options.account,
        kind: options.kind,
        ...(options.overdue ? { overdue: 'true' as const } : {}),
      };
      const page = await collectPages((cursor, limit) => client.listDrifts({ ...filter, limit, cursor }), options.limit);
      if (options.json) return ctx.printJson(page);
      if (page.items.length === 0) {
        ctx.print('no drifts match');
        return;
      }
      printDriftTable(ctx, page.items);
      if (page.next !== null) ctx.note(ctx.errPalette.dim(`more drifts exist: raise --limit (now ${options.limit})`));
    });

  program
    .command('show')
    .description('one drift record with its decision and evidence (GET /v1/drifts/:id; viewer)')
    .argument('<id>', 'the drift id')
    .option('--json', 'print the record as the API returns it')
    .option('--evidence <file>', 'write its evidence bundle (GET /v1/drifts/:id/evidence) to this file instead')
    .action(async (id: string, options: JsonOption & { evidence?: string }) => {
      if (options.evidence) return writeEvidence(ctx, id, options.evidence);
      const drift = await ctx.client().getDrift(id);
      if (options.json) return ctx.printJson(drift);
      printDrift(ctx, drift);
    });

  for (const verb of Object.keys(VERBS) as DriftDecisionVerb[]) {
    const command = program
      .command(verb)
      .description(`${VERBS[verb].description} (POST /v1/drifts/:id/${verb}; operator)`)
      .argument('<id>', 'the drift id')
      .requiredOption('--comment <text>', "why (recorded with your token's name)", nonBlank);
    if (verb === 'adopt')
      command.option(
        '--confirm-suspicious',
        'keep a difference flagged suspicious (a door opened during a freeze, not by break-glass); say why in --comment',
      );
    command.option('--json', 'print the API answer').action(async (id: string, options: DecideOptions) => {
      const answer = await ctx.client().decideDrift(id, verb, options.comment, options.confirmSuspicious === true);
      if (options.json) return ctx.printJson(answer ?? null);
      const status = isRecord(answer) && typeof answer.status === 'string' ? `: status now ${answer.status}` : '';
      ctx.print(`${VERBS[verb].done} drift ${id}${status}`);
    });
  }
}

function printDriftTable(ctx: CliContext, drifts: readonly DriftRecord[]): void {
  const c = ctx.palette;
  const now = ctx.io.now();
  const columns: Column<DriftRecord>[] = [
    { header: 'ID', cell: (d) => d.id },
    { header: 'STATUS', cell: (d) => colourStatus(d.status, c) },
    { header: 'DECISION', cell: (d) => (d.decision ? describeDecision(d.decision) : '-') },
    { header: 'RESOURCE', cell: (d) => d.resource.id },
    { header: 'ACCOUNT', cell: (d) => d.resource.account },
    { header: 'REGION', cell: (d) => d.resource.region },
    { header: 'PRINCIPAL', cell: (d) => describePrincipal(d) },
    { header: 'CHANGED', cell: (d) => formatRelative(d.changedAt ?? d.detectedAt, now) || '-' },
    { header: 'FLAGS', cell: (d) => describeFlags(d, c) },
  ];
  renderTable(columns, drifts, c).forEach((line) => ctx.print(line));
}

function printDrift(ctx: CliContext, d: DriftRecord): void {
  const c = ctx.palette;
  const now = ctx.io.now();
  const field = (name: string, value: string): void => ctx.print(`${c.bold(name.padEnd(10))} ${value}`);
  ctx.print(`${c.bold(`drift ${d.id}`)}  ${colourStatus(d.status, c)}${d.dryRun ? c.yellow('  (dry run: nothing was changed)') : ''}`);
  const r = d.resource;
  field('resource', `${r.type} ${r.id} (account ${r.account}, ${r.region})`);
  if (r.address || r.stack) field('terraform', [r.address, r.stack ? `stack ${r.stack}` : ''].filter(Boolean).join(', '));
  if (d.decision) field('decision', `${describeDecision(d.decision)}: ${d.decision.reason}`);
  if (d.decision?.policy) field('policy', describePolicy(d.decision.policy));
  field('principal', describePrincipal(d, true));
  field('changed', formatTimeWithRelative(d.changedAt, now));
  field('detected', formatTimeWithRelative(d.detectedAt, now));
  field('updated', formatTimeWithRelative(d.updatedAt, now));
  if (d.flags?.length) field('flags', describeFlags(d, c));
  for (const [name, text] of describeLinks(d.links)) field(name, text);
  if (d.differences?.length) {
    ctx.print();
    ctx.print(c.bold('differences'));
    for (const x of d.differences) {
      const flags = (x.flags ?? []).map((f) => (f === 'suspicious' ? c.red(f) : f)).join(',');
      ctx.print(`  ${x.sentence}${flags ? `  ${flags}` : ''}`);
      const p = x.madeBy.principal;
      const who = p.arn ? `${p.arn} (${p.class})` : 'unknown principal';
      const call = x.madeBy.cloudTrailEventId
        ? `, CloudTrail ${x.madeBy.eventName ?? 'call'} ${x.madeBy.cloudTrailEventId}`
        : `, first seen in Config item ${x.madeBy.configEventId}`;
      ctx.print(`    made by  ${who} at ${formatTimeWithRelative(x.madeBy.at, now)}${call}`);
      if (x.madeBy.unattributable) ctx.print(`    ${c.yellow('not attributable')}: ${x.madeBy.unattributable}`);
      ctx.print(`    decision ${describeDecision(x.decision)}: ${x.decision.reason}`);
    }
  }
  ctx.print();
  ctx.print(c.bold('diff'));
  renderTree(d.diff).forEach((line) => ctx.print(`  ${line}`));
  ctx.print();
  ctx.print(c.bold('evidence'));
  renderTree(d.evidence).forEach((line) => ctx.print(`  ${line}`));
}

/** `production-needs-approval (policies/prod.cedar:11): revert → await_approval`. */
function describePolicy(policy: NonNullable<NonNullable<DriftRecord['decision']>['policy']>): string {
  const ids = [...new Set(policy.matched.map((m) => `${m.id} (${m.source})`))].join(', ');
  return `${ids}: ${policy.proposed} → ${policy.outcome} (policies only make decisions stricter)`;
}

/** `revert (rule 2)`; just the action when no numbered rule decided (unmanaged, an exception). */
function describeDecision(decision: NonNullable<DriftRecord['decision']>): string {
  return typeof decision.rule === 'number' ? `${decision.action} (rule ${decision.rule})` : decision.action;
}

/** The record's links as the API returns them (objects with a URL), one line each. */
function describeLinks(links: DriftRecord['links']): [string, string][] {
  const out: [string, string][] = [];
  const pr = links?.pullRequest;
  if (pr?.url)
    out.push([
      'pull req.',
      [
        pr.number !== undefined ? `#${pr.number}` : '',
        pr.url,
        pr.branch ? `(branch ${pr.branch})` : '',
        pr.overdueSince ? `overdue since ${pr.overdueSince}` : '',
      ]
        .filter(Boolean)
        .join(' '),
    ]);
  const issue = links?.issue;
  if (issue?.url) out.push(['issue', [issue.number !== undefined ? `#${issue.number}` : '', issue.url].filter(Boolean).join(' ')]);
  const inc = links?.incident;
  if (inc?.id)
    out.push([
      'incident',
      [`${inc.provider} ${inc.number ?? inc.id}`, inc.title ? `"${inc.title}"` : '', inc.url ?? ''].filter(Boolean).join(' '),
    ]);
  return out;
}

function describePrincipal(d: DriftRecord, long = false): string {
  const p = d.principal;
  if (!p) return '-';
  const who = p.session ?? (long ? p.arn : undefined);
  if (!long) return who ? `${p.class} (${who})` : p.class;
  return [p.class, p.arn ?? 'unknown principal', p.session ? `session ${p.session}` : ''].filter(Boolean).join(', ');
}

function describeFlags(d: DriftRecord, c: Palette): string {
  const flags = (d.flags ?? []).map((flag) => (flag === 'suspicious' || flag === 'overdue' ? c.red(flag) : flag));
  if (d.dryRun) flags.push(c.dim('dry-run'));
  return flags.join(',');
}

function colourStatus(status: string, c: Palette): string {
  switch (status) {
    case 'awaiting_approval':
    case 'held':
      return c.yellow(status);
    case 'failed':
      return c.red(status);
    case 'reverted':
    case 'resolved':
    case 'backport_merged':
      return c.green(status);
    default:
      return status;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
