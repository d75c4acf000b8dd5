import type { Command } from 'commander';
import { collectPages } from '../api-client';
import type { AuditEntry } from '../api.types';
import type { CliContext } from '../cli-context';
import { formatTime } from '../output/format';
import { renderTable, type Column } from '../output/table';
import { registerAuditChainCommands } from './evidence.command';
import { positiveInt, sinceTime } from './option-parsers';

interface AuditOptions {
  since?: (now: Date) => string;
  limit: number;
  json?: boolean;
}

export function registerAuditCommand(program: Command, ctx: CliContext): void {
  const audit = program
    .command('audit')
    .description('the decision and action log (GET /v1/audit; viewer)')
    .option('--since <time>', 'an ISO time, or a duration back from now: 30m, 2h, 7d', sinceTime)
    .option('--limit <n>', 'at most this many entries (follows pages)', positiveInt(10_000), 50)
    .option('--json', 'print {items, next}')
    .action(async (options: AuditOptions) => {
      const client = ctx.client();
      const since = options.since?.(ctx.io.now());
      const page = await collectPages((cursor, limit) => client.listAudit({ since, limit, cursor }), options.limit);
      if (options.json) return ctx.printJson(page);
      if (page.items.length === 0) {
        ctx.print(since ? `no audit entries since ${formatTime(since)}` : 'no audit entries');
        return;
      }
      const columns: Column<AuditEntry>[] = [
        { header: 'TIME', cell: (e) => formatTime(text(e.at ?? e.time ?? e.timestamp)) },
        { header: 'ACTOR', cell: (e) => text(e.actor) || '-' },
        { header: 'ACTION', cell: (e) => text(e.action ?? e.type) || '-' },
        { header: 'SUBJECT', cell: (e) => subject(e) || '-' },
        { header: 'DETAIL', cell: (e) => text(e.reason ?? e.comment ?? e.message) },
      ];
      renderTable(columns, page.items, ctx.palette).forEach((line) => ctx.print(line));
      if (page.next !== null) ctx.note(ctx.errPalette.dim(`more entries exist: raise --limit (now ${options.limit})`));
    });
  registerAuditChainCommands(audit, ctx);
}

function subject(entry: AuditEntry): string {
  const parts: string[] = [];
  if (entry.driftId) parts.push(`drift ${entry.driftId}`);
  const resource = entry.resource;
  if (typeof resource === 'string') parts.push(resource);
  else if (resource && resource.id) parts.push(resource.id);
  // The controller names a freeze, exception or incident in `details.id` (not `target`).
  const target = entry.target ?? (typeof entry.details?.id === 'string' ? entry.details.id : undefined);
  if (target) parts.push(target);
  return parts.join(' ');
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
