import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { DRIFTWARDEN_CONFIG, type DriftwardenConfig, type SlackConfig } from '@driftwarden/config';
import type { DriftRecord } from '@driftwarden/domain';
import { notificationsFor, type NotificationKind } from '@driftwarden/notifications';
import { RedisKeys } from '@driftwarden/redis';
import {
  SlackClient,
  WebApiSlackClient,
  decidedMessage,
  escapeSlack,
  pendingDifferences,
  requestMessage,
  type Verb,
} from '@driftwarden/slack';
import { DriftStore, type AuditEntry } from '@driftwarden/store';
import { REDIS } from '../core/tokens';
import { SlackMessageRefs } from './slack-message-refs';

/** The notify job's target name for Slack (not a valid webhook name, so it cannot collide with one). */
export const SLACK_TARGET = '@slack';

const DECISION = /^api\.drift\.(approve|adopt|reject)$/;

/**
 * Slack approvals, the sending side (the notifications follower feeds it, like the webhooks): an
 * audit entry worth telling becomes one Block Kit message in `notifications.slack.channel`, with
 * Approve / Adopt / Reject while a human can decide; a human decision (from Slack, the API, the
 * CLI or the console) updates every message of the drift with the outcome and who decided.
 */
@Injectable()
export class SlackNotifier {
  readonly config: SlackConfig | null;
  readonly client: SlackClient | null;
  private readonly refs: SlackMessageRefs;

  constructor(
    @Inject(DRIFTWARDEN_CONFIG) private readonly all: DriftwardenConfig,
    @Inject(REDIS) redis: Redis,
    keys: RedisKeys,
    private readonly drifts: DriftStore,
  ) {
    this.config = all.notifications.slack ?? null;
    this.client = this.config
      ? new WebApiSlackClient({ token: this.config.botToken, apiUrl: this.config.apiUrl, timeoutMs: this.config.requestTimeoutMs })
      : null;
    this.refs = new SlackMessageRefs(redis, keys);
  }

  /** Whether an audit entry means a Slack message (a notification Slack is configured for, or a decision to show). */
  wants(entry: AuditEntry & { id: string }): boolean {
    if (!this.config) return false;
    if (entry.driftId && DECISION.test(entry.type) && !entry.details?.['requeued']) return true;
    return notificationsFor(entry).some((n) => (this.config!.on as readonly string[]).includes(n.kind));
  }

  private consoleLink(driftId: string): string | undefined {
    const base = this.all.notifications.linkBaseUrl?.replace(/\/+$/, '');
    return base ? `${base}/ui/#/drifts/${driftId}` : undefined;
  }

  /** Delivers one audit entry; what happened, for the metrics. Throws the client's (classified) errors. */
  async deliver(entry: AuditEntry & { id: string }): Promise<'posted' | 'updated' | 'nothing'> {
    const slack = this.config;
    const client = this.client;
    if (!slack || !client) return 'nothing';
    const decided = DECISION.exec(entry.type);
    if (decided && entry.driftId) {
      const refs = await this.refs.of(entry.driftId);
      const d = await this.drifts.get(entry.driftId);
      if (!d || refs.length === 0) return 'nothing';
      const identity = typeof entry.details?.['identity'] === 'string' ? entry.details['identity'] : undefined;
      const comment = d.approval?.comment ?? entry.reason ?? '';
      const message = decidedMessage(
        d,
        { verb: decided[1] as Verb, by: identity ? `${identity} (${entry.actor})` : entry.actor, comment, at: entry.at },
        { console: this.consoleLink(d.id) },
      );
      for (const ref of refs) await client.updateMessage(ref.channel, ref.ts, message);
      return 'updated';
    }
    const ns = notificationsFor(entry).filter((n) => (slack.on as readonly NotificationKind[]).includes(n.kind));
    if (ns.length === 0) return 'nothing';
    const d: DriftRecord | null = entry.driftId ? await this.drifts.get(entry.driftId) : null;
    if (!d) {
      const text = ns.map((n) => `*${escapeSlack(n.title)}*\n${escapeSlack(n.reason)}`).join('\n\n');
      await client.postMessage(slack.channel, {
        text: ns.map((n) => n.title).join(' — '),
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 3000) } }],
      });
      return 'posted';
    }
    const decidable =
      !d.dryRun && (d.status === 'awaiting_approval' || d.status === 'failed') && (!d.differences || pendingDifferences(d).length > 0);
    const posted = await client.postMessage(
      slack.channel,
      requestMessage(
        d,
        ns.map((n) => n.title),
        { console: this.consoleLink(d.id), decidable },
      ),
    );
    await this.refs.add(d.id, posted);
    return 'posted';
  }
}
