/**
 * The audit append with the hash chain on (issue 16 §1): each append canonicalises the entry
 * (RFC 8785) and hashes it in Node, then links it into the chain inside one Lua script (SHA-256
 * in Lua over {bodyHash, prevHash, seq}). Measured as replicas do it: several connections
 * appending at once (the chain stays linear: they queue on the script), a decision-sized entry
 * (about 1 KiB of details). Also the verification rate of GET /v1/audit/verify.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisKeys } from '@driftwarden/redis';
import { AuditLog } from '@driftwarden/store';
import { REDIS_URL, dropPrefix, percentile } from './util';

export interface AuditAppendResult {
  appends: number;
  connections: number;
  latencies: number[];
  verifyEntriesPerSecond: number;
  verifiedOk: boolean;
}

export async function auditAppendBenchmark(appends = 10_000, connections = 8): Promise<AuditAppendResult> {
  const prefix = `dwbench-audit-${randomBytes(3).toString('hex')}`;
  const keys = new RedisKeys(prefix);
  const conns = Array.from({ length: connections }, () => new Redis(REDIS_URL));
  const latencies: number[] = [];
  try {
    const details = {
      differences: Array.from({ length: 6 }, (_, i) => ({
        key: `ingress tcp/${8000 + i} 0.0.0.0/0`,
        direction: 'widens',
        decision: 'hold',
      })),
      incident: { provider: 'pagerduty', id: 'Q1ABC2', title: 'checkout latency' },
      freeze: { frozen: true, sources: ['incident', 'manual'] },
    };
    const per = Math.ceil(appends / connections);
    await Promise.all(
      conns.map(async (conn, c) => {
        const log = new AuditLog(conn, keys);
        for (let i = 0; i < per; i++) {
          const t0 = process.hrtime.bigint();
          await log.append({
            at: new Date().toISOString(),
            type: 'decision',
            actor: 'pipeline',
            driftId: `drf_bench${c}x${i}`,
            resourceKey: `111122223333/eu-west-1/AWS::EC2::SecurityGroup/sg-${c}${i}`,
            reason: 'rule 4: frozen (incident PQ1ABC2 open); a door opened during the freeze is held and flagged suspicious',
            details,
          });
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
      }),
    );
    latencies.sort((a, b) => a - b);
    const audit = new AuditLog(conns[0], keys);
    const t0 = process.hrtime.bigint();
    const verdict = await audit.verify(null);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    return {
      appends: latencies.length,
      connections,
      latencies,
      verifyEntriesPerSecond: Math.round(verdict.checked / seconds),
      verifiedOk: verdict.ok,
    };
  } finally {
    for (const c of conns) c.disconnect();
    await dropPrefix(prefix);
  }
}

export function auditAppendSummary(r: AuditAppendResult): { audit_append_p50_ms: number; audit_append_p99_ms: number } {
  const round2 = (x: number) => Math.round(x * 100) / 100;
  return { audit_append_p50_ms: round2(percentile(r.latencies, 50)), audit_append_p99_ms: round2(percentile(r.latencies, 99)) };
}
