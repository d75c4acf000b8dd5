import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Per-process metrics on their own registry (several controllers may share one process in tests). */
export class Metrics {
  readonly registry = new Registry();
  readonly eventsAccepted: Counter<'kind' | 'status' | 'transport'>;
  readonly eventsRejected: Counter<'transport'>;
  readonly decisions: Counter<'action' | 'rule' | 'dry_run'>;
  readonly decisionSeconds: Histogram;
  readonly jobFailures: Counter<'queue'>;
  readonly quarantined: Counter<'source'>;
  readonly workersRunning: Gauge;
  readonly webhooksRejected: Counter<'provider' | 'reason'>;
  readonly notifications: Counter<'webhook' | 'kind' | 'outcome'>;
  readonly authFailures: Counter<'reason'>;
  readonly retentionRemoved: Counter<'family'>;
  readonly reconcileResources: Counter<'result'>;
  readonly reconcileSweeps: Counter<'outcome'>;
  readonly reconcileProgress: Gauge;
  readonly reconcileLastCompleted: Gauge;
  readonly reconcileLastDuration: Gauge;

  constructor(defaults = true) {
    if (defaults) collectDefaultMetrics({ register: this.registry, prefix: 'driftwarden_' });
    this.eventsAccepted = new Counter({
      name: 'driftwarden_events_accepted_total',
      help: 'Events accepted, by kind and status (accepted, duplicate, stale)',
      labelNames: ['kind', 'status', 'transport'],
      registers: [this.registry],
    });
    this.eventsRejected = new Counter({
      name: 'driftwarden_events_rejected_total',
      help: 'Deliveries rejected as malformed',
      labelNames: ['transport'],
      registers: [this.registry],
    });
    this.decisions = new Counter({
      name: 'driftwarden_decisions_total',
      help: 'Decisions recorded, by action and rule',
      labelNames: ['action', 'rule', 'dry_run'],
      registers: [this.registry],
    });
    this.decisionSeconds = new Histogram({
      name: 'driftwarden_decision_seconds',
      help: 'Time to evaluate one resource (claim to commit)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
      registers: [this.registry],
    });
    this.jobFailures = new Counter({
      name: 'driftwarden_job_failures_total',
      help: 'Job attempts that failed (retried or not)',
      labelNames: ['queue'],
      registers: [this.registry],
    });
    this.notifications = new Counter({
      name: 'driftwarden_notifications_total',
      help: 'Notification deliveries by webhook, kind and outcome (sent, retry, failed)',
      labelNames: ['webhook', 'kind', 'outcome'],
      registers: [this.registry],
    });
    this.quarantined = new Counter({
      name: 'driftwarden_quarantined_total',
      help: 'Poison messages moved aside',
      labelNames: ['source'],
      registers: [this.registry],
    });
    this.webhooksRejected = new Counter({
      name: 'driftwarden_webhooks_rejected_total',
      help: 'Webhook deliveries rejected (unsigned, bad signature or token) or deduplicated',
      labelNames: ['provider', 'reason'],
      registers: [this.registry],
    });
    this.authFailures = new Counter({
      name: 'driftwarden_auth_failures_total',
      help: 'Failed bearer authentications: missing_token, malformed_header, invalid_token, rate_limited (refused unread: too many failures from the client)',
      labelNames: ['reason'],
      registers: [this.registry],
    });
    this.retentionRemoved = new Counter({
      name: 'driftwarden_retention_removed_total',
      help: "Data the scheduler's retention sweep removed, by family (drifts, audit, freeze_history)",
      labelNames: ['family'],
      registers: [this.registry],
    });
    this.reconcileResources = new Counter({
      name: 'driftwarden_reconcile_resources_total',
      help: 'Managed resources the reconciling sweep compared with live, by result: fed (live differed: fed as an item), known, pending, unmanaged, unsupported, error',
      labelNames: ['result'],
      registers: [this.registry],
    });
    this.reconcileSweeps = new Counter({
      name: 'driftwarden_reconcile_sweeps_total',
      help: 'Reconciling sweeps run by this process, by outcome: ok, partial (some batches unreadable), failed, stopped (at shutdown)',
      labelNames: ['outcome'],
      registers: [this.registry],
    });
    this.reconcileProgress = new Gauge({
      name: 'driftwarden_reconcile_progress_ratio',
      help: 'Share of the managed resources the running sweep has compared (1 when no sweep runs here)',
      registers: [this.registry],
    });
    this.reconcileLastCompleted = new Gauge({
      name: 'driftwarden_reconcile_last_completed_timestamp_seconds',
      help: 'When the last reconciling sweep this process ran completed (Unix time)',
      registers: [this.registry],
    });
    this.reconcileLastDuration = new Gauge({
      name: 'driftwarden_reconcile_last_duration_seconds',
      help: 'How long the last reconciling sweep this process ran took',
      registers: [this.registry],
    });
    this.workersRunning = new Gauge({
      name: 'driftwarden_workers_running',
      help: 'Queue workers running in this process',
      registers: [this.registry],
    });
  }
}
