import type { Redis } from 'ioredis';
import { flagOverdue, resourceKey, type DriftRecord, type DriftStatus } from '@driftwarden/domain';
import type { GitHubRepoClient } from '@driftwarden/github';
import type { Logger } from '@driftwarden/observability';
import type { RedisKeys } from '@driftwarden/redis';
import type { AuditLog, DriftStore } from '@driftwarden/store';

export const DAY_MS = 86_400_000;
/** The label an overdue backport pull request gets. */
export const OVERDUE_LABEL = {
  name: 'overdue',
  color: 'd93f0b',
  description: 'driftwarden: an emergency patch not merged within backport.expiryDays',
};
/** Statuses a record with an open backport pull request can be in (a later change on the resource may be held, awaiting approval…). */
const WITH_OPEN_PR: readonly DriftStatus[] = ['backport_open', 'held', 'awaiting_approval', 'detected', 'reverting', 'failed'];
/** The expiry state of a pull request outlives it by this much (then Redis forgets it). */
const STATE_TTL_SECONDS = 400 * 86_400;

/** Announces reminder `period` once: true for the one caller that moved `reminders` up to it. */
const claimReminderLua = `
local have = tonumber(redis.call('HGET', KEYS[1], 'reminders') or '0')
if have >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'reminders', ARGV[1])
return 1
`;

/**
 * Claims commenting reminder `period` on the pull request: one sweep at a time does it. A claim
 * left by a sweep that died (older than ARGV[3] ms) may be taken over.
 */
const claimCommentLua = `
local done = tonumber(redis.call('HGET', KEYS[1], 'commented') or '0')
if done >= tonumber(ARGV[1]) then return 0 end
local claimed = tonumber(redis.call('HGET', KEYS[1], 'commenting') or '0')
local claimedAt = tonumber(redis.call('HGET', KEYS[1], 'commentingAt') or '0')
if claimed >= tonumber(ARGV[1]) and tonumber(ARGV[2]) - claimedAt < tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], 'commenting', ARGV[1], 'commentingAt', ARGV[2])
return 1
`;

/** A sweep that claimed a comment and died is taken over after this long. */
const COMMENT_CLAIM_MS = 10 * 60_000;

type RedisWithClaim = Redis & {
  dwClaimOverdue(key: string, period: string): Promise<number>;
  dwClaimOverdueComment(key: string, period: string, nowMs: string, staleMs: string): Promise<number>;
};

export interface BackportExpiryOptions {
  expiryDays: number;
  dryRun?: boolean;
}

export interface ExpiryOutcome {
  /** Reminders announced by this sweep (drift id and period). */
  announced: { driftId: string; period: number }[];
  /** Pull requests commented and labelled by this sweep. */
  commented: { driftId: string; period: number }[];
}

/**
 * Emergency patches expire (`backport.expiryDays`): a backport pull request that is still open
 * `expiryDays` after it was opened is overdue. Each period (every `expiryDays` from the opening)
 * is announced exactly once, however many replicas sweep: the record is flagged `overdue`, the
 * audit log gets `backport.overdue` (which the notifications follow: webhooks and Slack), and
 * the pull request gets the `overdue` label and a comment. A merged or closed pull request ends
 * it (its record is no longer open, or says merged).
 *
 * When a pull request was opened is recorded the first time a sweep sees it (within a minute of
 * the backport job, which writes the link): no extra GitHub call. The per-period state lives in
 * Redis beside the record, so a record rewritten by a later decision keeps its count.
 */
export class BackportExpiry {
  private readonly redis: RedisWithClaim;

  constructor(
    redis: Redis,
    private readonly keys: RedisKeys,
    private readonly drifts: DriftStore,
    private readonly audit: AuditLog,
    private readonly github: GitHubRepoClient | null,
    private readonly options: BackportExpiryOptions,
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {
    if (!('dwClaimOverdue' in redis)) redis.defineCommand('dwClaimOverdue', { numberOfKeys: 1, lua: claimReminderLua });
    if (!('dwClaimOverdueComment' in redis)) redis.defineCommand('dwClaimOverdueComment', { numberOfKeys: 1, lua: claimCommentLua });
    this.redis = redis as RedisWithClaim;
  }

  async sweep(): Promise<ExpiryOutcome> {
    const out: ExpiryOutcome = { announced: [], commented: [] };
    if (this.options.dryRun) return out;
    const seen = new Set<string>();
    for (const status of WITH_OPEN_PR) {
      let cursor: string | null = null;
      do {
        const page: { items: DriftRecord[]; next: string | null } = await this.drifts.list({
          status,
          limit: 200,
          cursor,
          where: (r) => Boolean(r.links.pullRequest?.number && !r.links.pullRequest.merged),
        });
        for (const d of page.items) {
          if (seen.has(d.id)) continue;
          seen.add(d.id);
          await this.check(d, out);
        }
        cursor = page.next;
      } while (cursor);
    }
    return out;
  }

  private stateKey(pr: { repo?: string; number?: number; url: string }): string {
    return this.keys.key('backport', 'expiry', pr.repo && pr.number ? `${pr.repo}#${pr.number}` : pr.url);
  }

  private async check(d: DriftRecord, out: ExpiryOutcome): Promise<void> {
    const pr = d.links.pullRequest!;
    const key = this.stateKey(pr);
    const now = this.clock();
    await this.redis.hsetnx(key, 'openedAt', now.toISOString());
    await this.redis.expire(key, STATE_TTL_SECONDS);
    const state = await this.redis.hgetall(key);
    const openedAt = Date.parse(state['openedAt'] ?? now.toISOString());
    const expiryMs = this.options.expiryDays * DAY_MS;
    const period = Math.floor((now.getTime() - openedAt) / expiryMs);
    if (period < 1) return;
    const since = new Date(openedAt + expiryMs).toISOString();
    const prName = pr.repo && pr.number ? `${pr.repo}#${pr.number}` : pr.url;
    const openDays = Math.floor((now.getTime() - openedAt) / DAY_MS);
    if ((await this.redis.dwClaimOverdue(key, String(period))) === 1) {
      // The one announcement of this period: the record's flag and the audit entry (notifications follow it).
      // Not when the record closed (or its PR merged) since the sweep listed it: nothing is then
      // overdue, so neither the record (nor its retention) changes nor is anything announced.
      let announced = false;
      await this.drifts.update(d.id, (cur) => {
        const next = flagOverdue(cur, since, now.toISOString());
        announced = next !== null;
        if (!next) return null;
        return {
          next,
          audit: {
            at: now.toISOString(),
            type: 'backport.overdue',
            actor: 'scheduler',
            driftId: cur.id,
            resourceKey: resourceKey(cur.resource),
            reason: `the backport pull request ${prName} is not merged ${openDays} days after it was opened (backport.expiryDays: ${this.options.expiryDays}): the live state still differs from the code`,
            details: {
              pullRequest: prName,
              url: pr.url,
              openedAt: new Date(openedAt).toISOString(),
              openDays,
              period,
              expiryDays: this.options.expiryDays,
            },
          },
        };
      });
      if (announced) out.announced.push({ driftId: d.id, period });
    } else if (!d.flags?.includes('overdue')) {
      // A later decision rewrote the record without the flag: put it back (nothing is announced again).
      await this.drifts.update(d.id, (cur) => {
        const next = cur.flags?.includes('overdue') ? null : flagOverdue(cur, since, now.toISOString());
        return next ? { next, audit: null } : null;
      });
    }
    const reminders = Number((await this.redis.hget(key, 'reminders')) ?? 0);
    if (reminders < 1 || !this.github || !pr.repo || !pr.number) return;
    // One comment per period, by one sweep (replicas, overlapping sweeps).
    if ((await this.redis.dwClaimOverdueComment(key, String(reminders), String(this.clock().getTime()), String(COMMENT_CLAIM_MS))) !== 1)
      return;
    // The record may have closed (or its pull request merged) since the sweep listed it: then the
    // pull request is not overdue and gets no comment.
    const current = await this.drifts.get(d.id);
    if (!current || current.links.pullRequest?.number !== pr.number || !flagOverdue(current, since, now.toISOString())) {
      await this.redis.hdel(key, 'commenting', 'commentingAt');
      return;
    }
    const [owner, name] = pr.repo.split('/');
    try {
      await this.github.ensureLabels({ owner, name }, pr.number, [OVERDUE_LABEL]);
      await this.github.createComment(
        { owner, name },
        pr.number,
        overdueComment({
          openedAt: new Date(openedAt),
          now,
          expiryDays: this.options.expiryDays,
          period: reminders,
          resource: d.resource.id,
        }),
      );
      await this.redis.hset(key, 'commented', String(reminders));
      out.commented.push({ driftId: d.id, period: reminders });
    } catch (err) {
      // Tried again by the next sweep (the period stays announced; only the comment is missing).
      await this.redis.hdel(key, 'commenting', 'commentingAt');
      this.logger.warn(
        { err: { message: err instanceof Error ? err.message : String(err) }, pullRequest: prName },
        'overdue backport: the pull request could not be commented or labelled; trying again at the next sweep',
      );
    }
  }
}

/** The pull request comment of reminder `period`, in plain English. */
export function overdueComment(o: { openedAt: Date; now: Date; expiryDays: number; period: number; resource: string }): string {
  const days = Math.floor((o.now.getTime() - o.openedAt.getTime()) / DAY_MS);
  return [
    `**This emergency patch is overdue.** This backport pull request was opened ${days} days ago (${o.openedAt.toISOString().slice(0, 10)}) and is not merged: ${o.resource} still differs from the Terraform code, so the next apply would undo the emergency change.`,
    '',
    `- **Merge** it to make the emergency change permanent, or`,
    `- **close** it if the change should go: driftwarden then asks for approval to revert it.`,
    '',
    `driftwarden reminds every ${o.expiryDays} days (\`backport.expiryDays\`) until it is merged or closed. Reminder ${o.period}.`,
    '',
    `<!-- driftwarden:overdue:${o.period} -->`,
  ].join('\n');
}
