import type { Redis } from 'ioredis';
import { sgEvent } from '../support/events';
import { http } from '../support/http';
import { eventually, TOKENS } from '../support/test-controller';
import { keyBase, testQueue } from '../support/redis';

/** The drift record fields these tests read (DESIGN §7). */
export interface Drift {
  id: string;
  status: string;
  dryRun: boolean;
  resource: { type: string; id: string; account: string; region: string };
  decision: { action: string; rule: number | null; reason: string };
  approval?: { action: string; by: string; comment: string; at: string; expiresAt?: string; lapsedAt?: string };
  evidence: { eventIds: string[]; apiCalls: { operation: string }[] };
}

export interface AuditItem {
  at: string;
  type: string;
  actor: string;
  driftId?: string;
  eventId?: string;
  reason?: string;
  details?: { action?: string; rule?: number | null };
}

/** The desired rules of every group in these tests, and a live state with one extra rule. */
export const DESIRED = ['tcp/443/10.0.0.0/8'];
/** Someone opened SSH to the world: reverting it is a revoke, which never widens exposure. */
export const LIVE_WITH_SSH = ['tcp/443/10.0.0.0/8', 'tcp/22/0.0.0.0/0'];

export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';
export const arnOf = (groupId: string): string => `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/${groupId}`;

let stateIds = 1_748_000_000_000;
/** A configurationStateId (also the capture time, ms) never used before in this process. */
export const nextStateId = (): number => (stateIds += 1_000);

/**
 * Posts one Config item for `groupId` through `POST /v1/events` (the real ingest path) and
 * waits until the pipeline recorded the decision for it; returns the drift record's id.
 */
export async function ingestAndDecide(
  base: string,
  redis: Redis,
  prefix: string,
  o: { groupId: string; rules: string[]; tags?: Record<string, string> },
): Promise<string> {
  const res = await http<{ accepted: { eventId: string }[] }>(base, 'POST', '/v1/events', {
    token: TOKENS.ingest,
    body: sgEvent({ groupId: o.groupId, stateId: nextStateId(), rules: o.rules, tags: o.tags ?? {} }),
  });
  expect(res.status).toBe(202);
  const eventId = res.body.accepted[0].eventId;
  return eventually(async () => {
    const h = await redis.hgetall(`${keyBase(prefix)}:item:${eventId}`);
    return h.outcome === 'decided' ? h.driftId : undefined;
  }, `the decision on ${o.groupId}`);
}

export async function getDrift(base: string, id: string): Promise<Drift> {
  const res = await http<Drift>(base, 'GET', `/v1/drifts/${id}`, { token: TOKENS.viewer });
  expect(res.status).toBe(200);
  return res.body;
}

/** Waits until the drift leaves `from` (e.g. a revert decision leaves `detected` once its job ran). */
/** Waits until the drift has left `from` and the passing statuses after it (`reverting` is only on the way to its outcome). */
export async function driftLeaving(base: string, id: string, from: string, passing: readonly string[] = ['reverting']): Promise<Drift> {
  return eventually(async () => {
    const d = await getDrift(base, id);
    return d.status !== from && !passing.includes(d.status) ? d : undefined;
  }, `drift ${id} to leave ${from}`);
}

export async function auditOf(base: string, driftId: string): Promise<AuditItem[]> {
  const res = await http<{ items: AuditItem[] }>(base, 'GET', `/v1/audit?drift=${driftId}&limit=500`, { token: TOKENS.viewer });
  expect(res.status).toBe(200);
  return res.body.items;
}

/**
 * Waits until the remediate queue has nothing delayed, waiting or active: every revert job
 * queued so far has run (or was removed). Used where the outcome to check is that nothing
 * was reverted, whatever the job then did. BullMQ keys sit under `<prefix>:q` (`{prefix}:q` on a cluster).
 */
export async function remediateQueueIdle(prefix: string): Promise<void> {
  const queue = testQueue('remediate', prefix);
  try {
    await eventually(async () => {
      const c = await queue.getJobCounts('delayed', 'waiting', 'active', 'prioritized', 'waiting-children');
      return Object.values(c).every((v) => v === 0);
    }, 'the remediate queue to be idle');
  } finally {
    await queue.close();
  }
}
