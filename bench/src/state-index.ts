/**
 * The state index benchmark (issue 17 §4): synthetic Terraform state v4 files of 10,000 and
 * 100,000 resources (synthetic-state.ts, written to a temporary folder), each indexed three
 * times, every time in a fresh process (state-index-child.ts) so that RSS after GC and the peak
 * RSS belong to that build alone. Figures are medians of the runs; the build is the first
 * (cold) one, as at start-up; the refresh builds beside the index it replaces. On a shared
 * machine the build's CPU time (`…_build_cpu_ms`) moves far less than its wall time.
 */
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StateIndexRun } from './state-index-child';
import { writeSyntheticState } from './synthetic-state';
import { log, median, round2 } from './util';

const RUNS = 3;

export const STATE_INDEX_TARGETS = {
  state_index_100k_build_ms: '<= 2000',
  state_index_100k_rss_mb: '<= 300',
  state_index_100k_max_block_ms: '<= 50',
};

function runChild(file: string, resources: number): Promise<StateIndexRun> {
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, 'state-index-child.js'), [file, String(resources)], {
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    let run: StateIndexRun | undefined;
    child.on('message', (message) => {
      run = message as StateIndexRun;
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      run && code === 0 ? resolve(run) : reject(new Error(`state index child exited with ${code} for ${resources} resources`)),
    );
  });
}

async function measure(dir: string, resources: number, label: string): Promise<Record<string, number>> {
  const file = join(dir, `${label}.tfstate`);
  const bytes = await writeSyntheticState(file, resources);
  const runs: StateIndexRun[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await runChild(file, resources));
  const med = (pick: (r: StateIndexRun) => number) => median(runs.map(pick));
  const figures = {
    [`state_index_${label}_build_ms`]: Math.round(med((r) => r.buildMs)),
    [`state_index_${label}_build_cpu_ms`]: Math.round(med((r) => r.buildCpuMs)),
    [`state_index_${label}_rss_mb`]: Math.round(med((r) => r.rssMb)),
    [`state_index_${label}_peak_rss_mb`]: Math.round(med((r) => r.peakRssMb)),
    [`state_index_${label}_max_block_ms`]: round2(med((r) => r.maxBlockMs)),
    [`state_index_${label}_refresh_ms`]: Math.round(med((r) => r.refreshMs)),
  };
  const first = runs[0];
  log(
    `state index, ${resources.toLocaleString('en')} resources (${(bytes / 1024 / 1024).toFixed(0)} MiB, ${Math.round(bytes / resources)} bytes each; ` +
      `${first?.managedInstances} managed instances, ${first?.securityGroups} groups), median of ${RUNS} fresh processes: ` +
      `build ${figures[`state_index_${label}_build_ms`]} ms (runs ${runs.map((r) => r.buildMs.toFixed(0)).join(', ')}; CPU ${figures[`state_index_${label}_build_cpu_ms`]} ms, all threads), ` +
      `RSS after GC ${figures[`state_index_${label}_rss_mb`]} MB (process before the build: ${med((r) => r.baselineRssMb)} MB; after a refresh: ${med((r) => r.rssAfterRefreshMb)} MB), ` +
      `peak RSS ${figures[`state_index_${label}_peak_rss_mb`]} MB (build and refresh beside the old index), ` +
      `longest event-loop block ${figures[`state_index_${label}_max_block_ms`]} ms (runs ${runs.map((r) => r.maxBlockMs.toFixed(1)).join(', ')}; refresh ${runs.map((r) => r.refreshMaxBlockMs.toFixed(1)).join(', ')}), ` +
      `refresh ${figures[`state_index_${label}_refresh_ms`]} ms`,
  );
  return figures;
}

/** Every `state_index_*` key. */
export async function stateIndexBenchmark(): Promise<Record<string, number>> {
  const dir = await mkdtemp(join(tmpdir(), 'dw-bench-state-'));
  try {
    return { ...(await measure(dir, 10_000, '10k')), ...(await measure(dir, 100_000, '100k')) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
