/**
 * One measurement of the state index benchmark, in a process of its own (started by
 * state-index.ts with --expose-gc, so RSS after GC and the process's peak RSS are this build's):
 * a `state: { file }` stack indexed exactly as the controller does (DesiredStateIndex.fromConfig,
 * then refresh), then refreshed again after the file's mtime changes, the new index built
 * beside the old one. Reports over IPC.
 */
import { utimes } from 'node:fs/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DesiredStateIndex } from '@driftwarden/terraform-state';
import { SecurityGroupStates, securityGroupStateKind } from '@driftwarden/kinds/security-group';
import { ACCOUNT, REGION, otherResourceId, securityGroupId } from './synthetic-state';

export interface StateIndexRun {
  buildMs: number;
  /** CPU time of the build (every thread of the process: parsing, GC helpers, file reads). */
  buildCpuMs: number;
  refreshMs: number;
  baselineRssMb: number;
  rssMb: number;
  rssAfterRefreshMb: number;
  peakRssMb: number;
  maxBlockMs: number;
  refreshMaxBlockMs: number;
  managedInstances: number;
  securityGroups: number;
}

const mb = (bytes: number): number => Math.round(bytes / 1024 / 1024);

function rssAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  gc();
  return process.memoryUsage().rss;
}

/** Runs `work` with the event loop watched: its duration and the longest the loop was blocked. */
async function watched<T>(work: () => Promise<T>): Promise<{ value: T; ms: number; cpuMs: number; maxBlockMs: number }> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  // A timer-lag probe as well: how late a 1 ms interval fires, at worst.
  let last = performance.now();
  let maxLag = 0;
  const probe = setInterval(() => {
    const t = performance.now();
    maxLag = Math.max(maxLag, t - last - 1);
    last = t;
  }, 1);
  delay.enable();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const value = await work();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  delay.disable();
  clearInterval(probe);
  return { value, ms, cpuMs: (cpu.user + cpu.system) / 1000, maxBlockMs: Math.max(delay.max / 1e6 - 1, maxLag) };
}

async function main(): Promise<void> {
  const [file, resources] = process.argv.slice(2);
  if (!file || !resources) throw new Error('usage: state-index-child <state file> <resources>');
  const baseline = rssAfterGc();
  const index = DesiredStateIndex.fromConfig(
    [{ name: 'bench', accounts: [ACCOUNT], regions: [REGION], state: { file } }],
    {
      s3ClientFor: () => {
        throw new Error('no S3 in this benchmark');
      },
    },
    { kinds: [securityGroupStateKind] },
  );
  const groups = new SecurityGroupStates(index);
  const build = await watched(() => index.refresh());
  const [result] = build.value;
  if (result?.status !== 'loaded') throw result?.error ?? new Error('the state did not load');
  const rss = rssAfterGc();

  // The index answers like the controller's: a group with its rules, any resource by id.
  // (Group 11 has its five inline ingress rules and one egress; groups 10, 20, … also have a rule resource.)
  const sg = await groups.lookup(ACCOUNT, REGION, securityGroupId(11));
  if (!sg.managed || sg.desiredRules.length !== 6)
    throw new Error(`unexpected lookup result for ${securityGroupId(11)}: ${JSON.stringify(sg)}`);
  const other = await index.lookupManaged(ACCOUNT, REGION, otherResourceId(13));
  if (other.length !== 1) throw new Error(`unexpected lookupManaged result for ${otherResourceId(13)}: ${JSON.stringify(other)}`);
  const summary = index.status()[0]?.state;

  // A refresh after an apply: the new index is built while the old one is still held.
  const later = new Date(Date.now() + 60_000);
  await utimes(file, later, later);
  const refresh = await watched(() => index.refresh());
  if (refresh.value[0]?.status !== 'loaded') throw refresh.value[0]?.error ?? new Error('the refresh did not load');
  const rssAfterRefresh = rssAfterGc();

  const run: StateIndexRun = {
    buildMs: build.ms,
    buildCpuMs: build.cpuMs,
    refreshMs: refresh.ms,
    baselineRssMb: mb(baseline),
    rssMb: mb(rss),
    rssAfterRefreshMb: mb(rssAfterRefresh),
    // maxRSS is in KiB: the whole process's peak, both builds included.
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    maxBlockMs: build.maxBlockMs,
    refreshMaxBlockMs: refresh.maxBlockMs,
    managedInstances: summary?.managedInstances ?? 0,
    securityGroups: summary?.kinds['security-group'] ?? 0,
  };
  process.send?.(run);
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`state index benchmark child failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
