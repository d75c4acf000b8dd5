import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Job } from 'bullmq';
import { DRIFTWARDEN_CONFIG, DRIFTWARDEN_ROLES, type DriftwardenConfig, type Role } from '@driftwarden/config';
import { PermanentError } from '@driftwarden/domain';
import { notificationsFor, sendWebhook, type FollowedEntry, type NotificationKind } from '@driftwarden/notifications';
import { Metrics, type Logger } from '@driftwarden/observability';
import { JobProducer, QueueName, type NotifyJob } from '@driftwarden/queue';
import { RedisConnectionMonitor, RedisKeys } from '@driftwarden/redis';
import { AuditLog } from '@driftwarden/store';
import { LOGGER } from '../core/tokens';
import { SLACK_TARGET, SlackNotifier } from '../slack/slack-notifier.service';
import { AuditFedQueue } from './audit-fed-queue';

/**
 * DESIGN §4 rule 5 "notify": follows the audit log (a Redis consumer group shared by the
 * replicas with role `worker`: each entry is looked at once) and delivers what a human must
 * hear about to the configured webhooks, through the `notify` queue (retries with back-off;
 * a delivery that fails for good is audited as `notification.failed`). Jobs carry the audit
 * id, the kind and the webhook's name; URLs and secrets stay in the config.
 */
@Injectable()
export class NotificationsHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly fed: AuditFedQueue;

  constructor(
    @Inject(DRIFTWARDEN_CONFIG) private readonly config: DriftwardenConfig,
    @Inject(DRIFTWARDEN_ROLES) private readonly roles: Role[],
    @Inject(LOGGER) private readonly logger: Logger,
    keys: RedisKeys,
    private readonly audit: AuditLog,
    private readonly producer: JobProducer,
    private readonly metrics: Metrics,
    redisMonitor: RedisConnectionMonitor,
    private readonly slack: SlackNotifier,
  ) {
    this.fed = new AuditFedQueue({ config, logger, keys, streamKey: audit.streamKey, redisMonitor });
  }

  async onApplicationBootstrap(): Promise<void> {
    const hooks = this.config.notifications.webhooks;
    if ((hooks.length === 0 && !this.slack.config) || !this.roles.includes('worker')) return;
    await this.fed.start({
      group: 'notify',
      follow: 'notify-follow',
      queue: QueueName.Notify,
      concurrency: 4,
      enqueue: (batch) => this.enqueue(batch),
      process: (job) => this.deliver(job),
      purpose: 'notifications',
    });
  }

  private async enqueue(batch: FollowedEntry[]): Promise<void> {
    const jobs: NotifyJob[] = [];
    for (const { entry } of batch) {
      // Slack (notifications.slack): one message per entry, or the update of a decided drift's messages.
      if (this.slack.wants(entry)) jobs.push({ auditId: entry.id, kind: 'slack', webhook: SLACK_TARGET });
      for (const n of notificationsFor(entry)) {
        for (const hook of this.config.notifications.webhooks) {
          if ((hook.on as readonly string[]).includes(n.kind)) jobs.push({ auditId: n.auditId, kind: n.kind, webhook: hook.name });
        }
      }
    }
    await this.producer.notify(jobs);
  }

  private async deliver(job: Job<NotifyJob>): Promise<string> {
    if (job.data.webhook === SLACK_TARGET) return this.deliverSlack(job);
    const hook = this.config.notifications.webhooks.find((w) => w.name === job.data.webhook);
    if (!hook) return 'webhook_removed';
    const entry = await this.audit.get(job.data.auditId);
    const n = entry ? notificationsFor(entry).find((x) => x.kind === (job.data.kind as NotificationKind)) : undefined;
    if (!n) {
      // Trimmed from the audit log (or Redis was lost) before this retry: counted, not silent.
      this.metrics.notifications.inc({ webhook: hook.name, kind: job.data.kind, outcome: 'entry_gone' });
      this.logger.warn(
        { webhook: hook.name, auditId: job.data.auditId, kind: job.data.kind },
        'notification dropped: its audit entry is gone',
      );
      return 'entry_gone';
    }
    const base = this.config.notifications.linkBaseUrl?.replace(/\/+$/, '');
    try {
      await sendWebhook(
        {
          name: hook.name,
          url: hook.url,
          format: hook.format,
          requestTimeoutMs: hook.requestTimeoutMs,
          ...(hook.secret ? { secret: hook.secret } : {}),
        },
        n,
        base && n.driftId ? { drift: `${base}/v1/drifts/${n.driftId}` } : {},
      );
      this.metrics.notifications.inc({ webhook: hook.name, kind: n.kind, outcome: 'sent' });
      return 'sent';
    } catch (err) {
      const last = err instanceof PermanentError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      this.metrics.notifications.inc({ webhook: hook.name, kind: n.kind, outcome: last ? 'failed' : 'retry' });
      if (last) {
        await this.audit.append({
          at: new Date().toISOString(),
          type: 'notification.failed',
          actor: 'notifier',
          reason: err instanceof Error ? err.message : String(err),
          ...(n.driftId ? { driftId: n.driftId } : {}),
          details: { webhook: hook.name, kind: n.kind, auditId: n.auditId, attempts: job.attemptsMade + 1 },
        });
      }
      throw err;
    }
  }

  private async deliverSlack(job: Job<NotifyJob>): Promise<string> {
    const entry = await this.audit.get(job.data.auditId);
    if (!entry) {
      this.metrics.notifications.inc({ webhook: 'slack', kind: job.data.kind, outcome: 'entry_gone' });
      return 'entry_gone';
    }
    try {
      const outcome = await this.slack.deliver(entry);
      this.metrics.notifications.inc({ webhook: 'slack', kind: entry.type, outcome: 'sent' });
      return outcome;
    } catch (err) {
      const last = err instanceof PermanentError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      this.metrics.notifications.inc({ webhook: 'slack', kind: entry.type, outcome: last ? 'failed' : 'retry' });
      if (last) {
        await this.audit.append({
          at: new Date().toISOString(),
          type: 'notification.failed',
          actor: 'notifier',
          reason: err instanceof Error ? err.message : String(err),
          ...(entry.driftId ? { driftId: entry.driftId } : {}),
          details: { webhook: 'slack', kind: entry.type, auditId: entry.id, attempts: job.attemptsMade + 1 },
        });
      }
      throw err;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.fed.stop();
  }
}
