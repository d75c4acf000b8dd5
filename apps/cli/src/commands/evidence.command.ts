import { createReadStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { auditKeysOf, exportLine, verifyBundle, verifyExportLines, type SignatureVerifier } from '@driftwarden/audit';
import { loadConfigFile } from '@driftwarden/config';
import type { ChainVerdict } from '@driftwarden/store';
import { collectPages } from '../api-client';
import { UsageError } from '../cli.errors';
import { ExitCode, type CliContext } from '../cli-context';
import { sinceTime } from './option-parsers';

interface KeyOptions {
  config?: string;
  json?: boolean;
}

/**
 * The keys of `audit.checkpoints` in a config file, to check checkpoint and bundle signatures
 * offline (KMS keys through KMS Verify with the caller's AWS credentials). Without --config,
 * signatures are reported unchecked.
 */
function verifierFrom(ctx: CliContext, options: KeyOptions): SignatureVerifier | null {
  if (!options.config) return null;
  const config = loadConfigFile(options.config, ctx.io.env);
  return auditKeysOf(config.audit.checkpoints).verifier;
}

/** `audit verify` and `audit export` (README "Tamper-evident audit", "Durable export"). */
export function registerAuditChainCommands(audit: Command, ctx: CliContext): void {
  audit
    .command('verify')
    .description(
      'check the audit hash chain and its signed checkpoints: on the controller (GET /v1/audit/verify; viewer), or an export file',
    )
    .option(
      '--file <export.jsonl>',
      'verify an export file (driftwarden audit export, or an S3 object gunzipped) instead of the controller',
    )
    .option('--config <driftwarden.yaml>', 'with --file: check checkpoint signatures with the keys of audit.checkpoints')
    .option('--json', 'print the verdict as JSON')
    .action(async (_options: unknown, command: Command) => {
      // `audit` itself takes --json too: commander hands it to the parent, so read both levels.
      const options = command.optsWithGlobals<KeyOptions & { file?: string }>();
      let verdict: ChainVerdict;
      if (options.file) {
        const verifier = verifierFrom(ctx, options);
        const lines = createInterface({ input: createReadStream(options.file, 'utf8'), crlfDelay: Infinity });
        try {
          verdict = await verifyExportLines(lines, verifier);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`--file ${options.file}: no such file`);
          throw err;
        }
      } else verdict = (await ctx.client().verifyAudit()) as unknown as ChainVerdict;
      if (!verdict.ok) ctx.exitCode = ExitCode.failed;
      if (options.json) return ctx.printJson(verdict);
      printVerdict(ctx, verdict, options.file);
    });

  audit
    .command('export')
    .description('write the audit log as JSON Lines to a file, chain fields included (GET /v1/audit; viewer)')
    .option('--since <time>', 'an ISO time, or a duration back from now: 30m, 2h, 7d (required)', sinceTime)
    .requiredOption('--out <file.jsonl>', 'where to write (replaced)')
    .action(async (_options: unknown, command: Command) => {
      // `audit` itself takes --since too: commander hands it to the parent, so read both levels.
      const options = command.optsWithGlobals<{ since?: (now: Date) => string; out: string }>();
      if (!options.since) throw new UsageError('audit export: --since is required (an ISO time, or a duration back from now: 30m, 2h, 7d)');
      const client = ctx.client();
      const since = options.since(ctx.io.now());
      const page = await collectPages((cursor, limit) => client.listAudit({ since, limit: Math.min(limit, 1000), cursor }), 10_000_000);
      const text = page.items.map((entry) => exportLine({ kind: 'audit', entry: entry as never })).join('\n');
      await writeFile(options.out, page.items.length > 0 ? `${text}\n` : '', 'utf8');
      ctx.print(`${page.items.length} audit entries since ${since} written to ${options.out}`);
      if (page.items.length > 0) ctx.note(ctx.errPalette.dim(`check it with: driftwarden audit verify --file ${options.out}`));
    });
}

function printVerdict(ctx: CliContext, v: ChainVerdict, file?: string): void {
  const c = ctx.palette;
  const where = file ? file : 'the controller';
  const range = v.from && v.to ? `seq ${v.from.seq}–${v.to.seq}` : 'no entries';
  const anchor =
    v.anchor === 'retention'
      ? ' (older entries were trimmed by retention: the oldest retained entry is the anchor)'
      : v.anchor === 'partial'
        ? ' (the file starts mid-chain: its first entry is the anchor)'
        : '';
  const cps = v.checkpoints;
  const cpText = `${cps.seen} checkpoint(s): ${cps.verified} signature(s) verified${cps.unchecked ? `, ${cps.unchecked} not checked (no key: pass --config)` : ''}`;
  if (v.ok) {
    ctx.print(`${c.green('audit chain OK')}: ${v.checked} entries of ${where}, ${range}${anchor}; ${cpText}`);
    return;
  }
  const b = v.firstBroken!;
  ctx.print(`${c.red('audit chain BROKEN')} at ${b.at}${b.seq !== undefined ? ` (seq ${b.seq})` : ''}: ${b.message} [${b.problem}]`);
  ctx.print(`checked ${v.checked} entries of ${where} before it; ${cpText}`);
}

/** `evidence verify FILE` (README "Evidence bundles"). */
export function registerEvidenceCommands(program: Command, ctx: CliContext): void {
  program
    .command('evidence')
    .description('work with evidence bundles (driftwarden show ID --evidence FILE)')
    .command('verify')
    .description('prove an evidence bundle unaltered: its digest, its signature (with --config) and the audit entry hashes in it')
    .argument('<bundle.json>', 'the bundle file')
    .option('--config <driftwarden.yaml>', 'check the signature with the keys of audit.checkpoints')
    .option('--json', 'print the verdict as JSON')
    .action(async (file: string, options: KeyOptions) => {
      let value: unknown;
      try {
        value = JSON.parse(await readFile(file, 'utf8'));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`${file}: no such file`);
        ctx.exitCode = ExitCode.failed;
        ctx.print(`${ctx.palette.red('evidence bundle BROKEN')}: ${file} is not JSON (${(err as Error).message})`);
        return;
      }
      const verdict = await verifyBundle(value, verifierFrom(ctx, options));
      if (!verdict.ok) ctx.exitCode = ExitCode.failed;
      if (options.json) return ctx.printJson(verdict);
      const c = ctx.palette;
      const sig = {
        verified: 'signature verified',
        bad: 'signature does NOT verify',
        unchecked: 'signature not checked (no key: pass --config)',
        unsigned: 'not signed',
      }[verdict.signature];
      if (verdict.ok)
        ctx.print(
          `${c.green('evidence bundle OK')}: digest matches, ${sig}, ${verdict.auditEntries.ok} audit entr(ies) match their chain hashes`,
        );
      else {
        ctx.print(`${c.red('evidence bundle BROKEN')}: ${file}`);
        for (const p of verdict.problems) ctx.print(`  ${p}`);
      }
    });
}

/** `show ID --evidence FILE`: writes the bundle as the API returned it. */
export async function writeEvidence(ctx: CliContext, id: string, file: string): Promise<void> {
  const bundle = await ctx.client().getEvidence(id);
  await writeFile(file, `${JSON.stringify(bundle, null, 2)}\n`, 'utf8');
  const digest = (bundle.integrity as { digest?: string }).digest ?? '';
  ctx.print(
    `evidence bundle of drift ${id} written to ${file} (SHA-256 ${digest.slice(0, 16)}…); check it with: driftwarden evidence verify ${file}`,
  );
}
