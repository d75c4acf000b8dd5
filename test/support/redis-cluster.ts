import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LocalCluster {
  /** One node's URL (the others are discovered). */
  url: string;
  ports: number[];
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    // The cluster bus listens on port + 10000.
    if (port < 55_535) return port;
  }
}

function cli(args: string[]): string {
  const r = spawnSync('redis-cli', args, { encoding: 'utf8', timeout: 20_000 });
  if (r.error) throw new Error(`redis-cli ${args.join(' ')}: ${r.error.message}`);
  return `${r.stdout}${r.stderr}`;
}

/**
 * The Redis Cluster the cluster tests run against: REDIS_URL when scripts/with-redis-cluster.sh
 * started one (DW_REDIS_CLUSTER=1), else a throw-away local one of 3 masters started here
 * (`redis-server --cluster-enabled yes` x3 + `redis-cli --cluster create`), as the script does.
 */
export async function redisCluster(env: NodeJS.ProcessEnv = process.env): Promise<LocalCluster> {
  if (env['DW_REDIS_CLUSTER'] === '1' && env['REDIS_URL']) {
    return { url: env['REDIS_URL'], ports: [Number(new URL(env['REDIS_URL']).port)], stop: async () => undefined };
  }
  if (spawnSync('redis-server', ['--version']).error) {
    throw new Error(
      'the Redis Cluster tests need redis-server and redis-cli (Debian/Ubuntu: sudo apt-get install -y redis-server), or a cluster: bash scripts/with-redis-cluster.sh …',
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'dw-cluster-'));
  const nodes: ChildProcess[] = [];
  const ports: number[] = [];
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    ports.push(port);
    // prettier-ignore
    nodes.push(spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', '5000', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' }));
  }
  const stop = async () => {
    await Promise.all(
      nodes.map((n) =>
        n.exitCode !== null ? Promise.resolve() : new Promise<void>((resolve) => (n.once('exit', () => resolve()), n.kill())),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      for (let i = 0; !cli(['-p', String(port), 'ping']).includes('PONG'); i++) {
        if (i > 50) throw new Error(`redis-server on port ${port} did not answer`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const created = cli(['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes']);
    for (let i = 0; !cli(['-p', String(ports[0]), 'cluster', 'info']).includes('cluster_state:ok'); i++) {
      if (i > 100) throw new Error(`the local Redis Cluster did not become ready:\n${created}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `redis://127.0.0.1:${ports[0]}`, ports, stop };
}
