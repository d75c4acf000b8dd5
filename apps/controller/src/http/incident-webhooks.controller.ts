import { createHash } from 'node:crypto';
import { Controller, HttpCode, HttpStatus, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiError, RequireRole } from '@driftwarden/auth';
import { DRIFTWARDEN_CONFIG, type DriftwardenConfig } from '@driftwarden/config';
import { DriftwardenError, TransientError, webhookIncidentProvider, type IncidentProvider } from '@driftwarden/domain';
import {
  FreezeService,
  FreezeStore,
  withIncidentScope,
  type IncidentEventOutcome,
  type IncidentRecord,
  type IncidentSource,
} from '@driftwarden/freeze';
import {
  isIncidentioMajor,
  parseIncidentioWebhook,
  SVIX_ID_HEADERS,
  SVIX_SIGNATURE_HEADERS,
  SVIX_TIMESTAMP_HEADERS,
  toIncidentioIncidentRef,
  verifySvixWebhook,
  GENERIC_SIGNATURE_HEADER,
  GENERIC_TIMESTAMP_HEADER,
  isGenericMajor,
  parseGenericWebhook,
  verifyGenericWebhook,
  JIRA_ISSUE_EVENTS,
  JIRA_SIGNATURE_HEADER,
  JIRA_WEBHOOK_ID_HEADER,
  JsmIncidentAdapter,
  parseJiraWebhook,
  verifyJiraSignature,
} from '@driftwarden/incidents';
import { Metrics } from '@driftwarden/observability';
import { JobProducer } from '@driftwarden/queue';
import { CLOCK, INCIDENT_SOURCES } from '../core/tokens';
import { correlationIdOf, type ApiRequest } from './request-context';

function header(req: ApiRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 32);
}

type WebhookAnswer = {
  accepted: true;
  duplicate: boolean;
  applied?: boolean;
  stale?: true;
  ignored?: string;
  heartbeat?: true;
  backfilled?: true;
  refresh?: 'queued';
};

/** The first of the headers given that is present (Svix sends `webhook-*`, older set-ups `svix-*`). */
function firstHeader(req: ApiRequest, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = header(req, name);
    if (value !== undefined) return value;
  }
  return undefined;
}

const SOURCE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * The incident sources beyond PagerDuty and Opsgenie (issue 14): Jira Service Management, the
 * signed generic incident webhook and incident.io. Each delivery is authenticated over the raw
 * body in constant time, deduplicated on what its signature covers, and applied at once through
 * the same ordered, compare-and-set path as PagerDuty's (FreezeStore.applyIncidentEvent): an
 * event older than the known state is stale and never applied.
 */
@Controller('v1/webhooks')
export class IncidentWebhooksController {
  private readonly jsmAdapter: JsmIncidentAdapter | null;

  constructor(
    @Inject(DRIFTWARDEN_CONFIG) private readonly config: DriftwardenConfig,
    @Inject(CLOCK) private readonly clock: () => Date,
    @Inject(INCIDENT_SOURCES) sources: IncidentSource[],
    private readonly store: FreezeStore,
    private readonly freeze: FreezeService,
    private readonly metrics: Metrics,
    private readonly producer: JobProducer,
  ) {
    const jsm = config.incidents.jsm;
    this.jsmAdapter =
      sources.find((s): s is JsmIncidentAdapter => s instanceof JsmIncidentAdapter) ?? (jsm ? new JsmIncidentAdapter(jsm) : null);
  }

  /**
   * Jira admin webhook (`X-Hub-Signature: sha256=<hex>`). The body only names the work item: it is
   * read back from Jira (GET, then the configured JQL) and that answer is applied, as of when the
   * read started. Deduplicated on `X-Atlassian-Webhook-Identifier` (the same on every retry) and on
   * the signed body (a captured body re-sent under a fresh identifier). When Jira cannot be read
   * the delivery is answered 503 and forgotten, so Jira's retry is handled.
   */
  @Post('jsm')
  @RequireRole('public')
  @HttpCode(HttpStatus.ACCEPTED)
  async jsm(@Req() req: ApiRequest): Promise<WebhookAnswer> {
    const jsm = this.config.incidents.jsm;
    if (!jsm || jsm.webhookSecrets.length === 0 || !this.jsmAdapter) {
      throw new ApiError(
        HttpStatus.NOT_FOUND,
        'not_configured',
        'Jira Service Management webhooks are not configured (incidents.jsm.webhookSecrets)',
      );
    }
    const raw = req.rawBody ?? Buffer.alloc(0);
    const signature = header(req, JIRA_SIGNATURE_HEADER);
    if (!verifyJiraSignature(raw, signature, jsm.webhookSecrets)) {
      this.metrics.webhooksRejected.inc({ provider: 'jsm', reason: signature ? 'bad_signature' : 'unsigned' });
      throw new ApiError(HttpStatus.UNAUTHORIZED, 'bad_signature', 'X-Hub-Signature does not match the body for any configured secret');
    }
    const parsed = parseJiraWebhook(raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined);
    if (!parsed.ok) throw new ApiError(HttpStatus.BAD_REQUEST, 'validation_failed', 'malformed Jira webhook', parsed.problems);
    const e = parsed.event;
    const identifier = header(req, JIRA_WEBHOOK_ID_HEADER);
    const keys = [...(identifier ? [`id-${sha256(identifier)}`] : []), `body-${sha256(raw)}`];
    for (let i = 0; i < keys.length; i++) {
      if (!(await this.store.firstDelivery('jsm', keys[i]))) {
        for (const marked of keys.slice(0, i)) await this.store.forgetDelivery('jsm', marked);
        this.metrics.webhooksRejected.inc({ provider: 'jsm', reason: 'duplicate' });
        return { accepted: true, duplicate: true };
      }
    }
    if (!e.issue || !(JIRA_ISSUE_EVENTS as readonly string[]).includes(e.webhookEvent)) {
      return { accepted: true, duplicate: false, ignored: `${e.webhookEvent} is not a work item event (${JIRA_ISSUE_EVENTS.join(', ')})` };
    }
    // Never the body's word: read the work item back, as of now.
    const at = this.clock().toISOString();
    let observation: Awaited<ReturnType<JsmIncidentAdapter['observeIssue']>>;
    try {
      observation = await this.jsmAdapter.observeIssue(e.issue.id);
    } catch (err) {
      for (const key of keys) await this.store.forgetDelivery('jsm', key);
      this.metrics.webhooksRejected.inc({ provider: 'jsm', reason: 'read_back_failed' });
      const transient = err instanceof TransientError || !(err instanceof DriftwardenError);
      throw new ApiError(
        transient ? HttpStatus.SERVICE_UNAVAILABLE : HttpStatus.BAD_GATEWAY,
        'provider_unavailable',
        `could not read work item ${e.issue.key} back from Jira: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    const event = { ...(identifier ? { id: identifier } : {}), type: e.webhookEvent };
    let outcome: IncidentEventOutcome;
    if (observation.kind === 'gone') {
      const gone: IncidentRecord = { provider: 'jsm', id: e.issue.key, title: '', status: 'deleted', createdAt: at };
      outcome = await this.store.applyIncidentEvent(gone, false, at, 'webhook:jsm', event);
    } else {
      const record = withIncidentScope(observation.incident, jsm.scopes);
      outcome = await this.store.applyIncidentEvent(record, observation.open, at, 'webhook:jsm', {
        ...event,
        ...(observation.incident.resolvedAt ? { resolvedAt: observation.incident.resolvedAt } : {}),
      });
    }
    return this.answer('jsm', outcome);
  }

  /**
   * The signed generic incident webhook (docs/incident-webhook.schema.json): an incident or a
   * heartbeat from a configured source. Every authentic message keeps the source fresh (a
   * push-only source has no list to poll); an incident is applied at once, ordered by its
   * `updatedAt` (else the signing time). A resolved major incident never seen open (it opened and
   * closed while the messages did not reach us) goes into the freeze history: the back-fill of a
   * push-only source.
   */
  @Post('incidents/:source')
  @RequireRole('public')
  @HttpCode(HttpStatus.ACCEPTED)
  async incidents(@Req() req: ApiRequest, @Param('source') source: string): Promise<WebhookAnswer> {
    const sources = this.config.incidents.webhook?.sources ?? {};
    const config = SOURCE_NAME.test(source) && Object.prototype.hasOwnProperty.call(sources, source) ? sources[source] : undefined;
    if (!config) {
      throw new ApiError(
        HttpStatus.NOT_FOUND,
        'not_configured',
        `no incident webhook source ${SOURCE_NAME.test(source) ? `"${source}"` : 'of that name'} is configured (incidents.webhook.sources)`,
      );
    }
    const provider = webhookIncidentProvider(source);
    const actor = `webhook:incidents/${source}`;
    const now = this.clock();
    const raw = req.rawBody ?? Buffer.alloc(0);
    const timestamp = header(req, GENERIC_TIMESTAMP_HEADER);
    const verified = verifyGenericWebhook(raw, { timestamp, signature: header(req, GENERIC_SIGNATURE_HEADER) }, config.secrets, now);
    if (!verified.ok) {
      this.metrics.webhooksRejected.inc({ provider, reason: verified.reason });
      throw new ApiError(
        HttpStatus.UNAUTHORIZED,
        verified.reason === 'stale_timestamp' ? 'stale_timestamp' : 'bad_signature',
        verified.message,
      );
    }
    const parsed = parseGenericWebhook(raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined);
    if (!parsed.ok)
      throw new ApiError(
        HttpStatus.BAD_REQUEST,
        'validation_failed',
        'malformed incident webhook (see docs/incident-webhook.schema.json)',
        parsed.problems,
      );
    // What the signature covers: the timestamp and the body. A replay within the 5 minutes the
    // timestamp allows is a duplicate; a later one is refused as stale above.
    if (!(await this.store.firstDelivery(provider, sha256(`${timestamp ?? ''}.${raw.toString('utf8')}`)))) {
      this.metrics.webhooksRejected.inc({ provider, reason: 'duplicate' });
      return { accepted: true, duplicate: true };
    }
    const stalenessMs = (config.maxStalenessSeconds ?? this.config.incidents.maxStalenessSeconds) * 1000;
    await this.store.recordPush(provider, now, actor, stalenessMs);
    // The source's freshness changed: this replica reads it at once (the others on the channel).
    this.freeze.invalidate();
    if (parsed.message.kind === 'heartbeat') return { accepted: true, duplicate: false, heartbeat: true };
    const inc = parsed.message.incident;
    const major = isGenericMajor(inc, config.major.severities);
    const record = withIncidentScope(
      {
        provider,
        id: inc.id,
        title: inc.title,
        status: inc.status,
        priority: inc.severity,
        ...(inc.link ? { url: inc.link } : {}),
        createdAt: inc.startedAt,
        scopeKeys: inc.scopeKeys,
      },
      config.scopes,
    );
    const signedAt = verified.signedAt.toISOString();
    const at = inc.updatedAt ?? (inc.status === 'resolved' ? (inc.resolvedAt ?? signedAt) : signedAt);
    const event = { type: `incident.${inc.status}` };
    if (inc.status === 'open' && major) return this.answer(provider, await this.store.applyIncidentEvent(record, true, at, actor, event));
    // Resolved, or no longer major (its severity was lowered): the incident freeze ends.
    const resolvedAt = inc.resolvedAt ?? at;
    const outcome = await this.store.applyIncidentEvent(record, false, at, actor, { ...event, resolvedAt });
    if (!outcome.applied && !outcome.stale && inc.status === 'resolved' && major) {
      if ((await this.store.importResolved(provider, [{ ...record, resolvedAt, stateAt: at, stateFrom: actor }], now)) > 0) {
        this.freeze.invalidate();
        return { accepted: true, duplicate: false, applied: true, backfilled: true };
      }
    }
    return this.answer(provider, outcome);
  }

  /**
   * incident.io webhooks, signed the Svix way and verified exactly as Svix documents it (replays
   * older than 5 minutes refused; deduplicated on the signed `webhook-id`). A public incident
   * event carries the whole incident: applied at once, ordered by its `updated_at`. A private
   * incident event carries only its id: the providers are polled again at once instead.
   */
  @Post('incidentio')
  @RequireRole('public')
  @HttpCode(HttpStatus.ACCEPTED)
  async incidentio(@Req() req: ApiRequest): Promise<WebhookAnswer> {
    const config = this.config.incidents.incidentio;
    if (!config || config.webhookSecrets.length === 0) {
      throw new ApiError(
        HttpStatus.NOT_FOUND,
        'not_configured',
        'incident.io webhooks are not configured (incidents.incidentio.webhookSecrets)',
      );
    }
    const raw = req.rawBody ?? Buffer.alloc(0);
    const verified = verifySvixWebhook(
      raw,
      {
        id: firstHeader(req, SVIX_ID_HEADERS),
        timestamp: firstHeader(req, SVIX_TIMESTAMP_HEADERS),
        signature: firstHeader(req, SVIX_SIGNATURE_HEADERS),
      },
      config.webhookSecrets,
      this.clock(),
    );
    if (!verified.ok) {
      this.metrics.webhooksRejected.inc({ provider: 'incidentio', reason: verified.reason });
      throw new ApiError(
        HttpStatus.UNAUTHORIZED,
        verified.reason === 'stale_timestamp' ? 'stale_timestamp' : 'bad_signature',
        verified.message,
      );
    }
    const parsed = parseIncidentioWebhook(raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined);
    if (!parsed.ok) throw new ApiError(HttpStatus.BAD_REQUEST, 'validation_failed', 'malformed incident.io webhook', parsed.problems);
    if (!(await this.store.firstDelivery('incidentio', sha256(verified.id)))) {
      this.metrics.webhooksRejected.inc({ provider: 'incidentio', reason: 'duplicate' });
      return { accepted: true, duplicate: true };
    }
    const e = parsed.event;
    if (e.kind === 'other') return { accepted: true, duplicate: false, ignored: `${e.eventType} is not an incident event` };
    if (e.kind === 'private') {
      // Only the id is sent for a private incident: read it with the next poll, now.
      await this.producer.pollIncidentsNow(correlationIdOf(req));
      return { accepted: true, duplicate: false, refresh: 'queued' };
    }
    const inc = e.incident;
    const open = isIncidentioMajor(inc, {
      ...(config.major.severities ? { severities: config.major.severities } : {}),
      statusCategories: config.statusCategories,
    });
    const record = withIncidentScope(toIncidentioIncidentRef(inc, config.scopeFields), config.scopes);
    const outcome = await this.store.applyIncidentEvent(record, open, inc.updatedAt, 'webhook:incidentio', {
      id: verified.id,
      type: e.eventType,
      ...(open ? {} : { resolvedAt: inc.resolvedAt ?? inc.updatedAt }),
    });
    return this.answer('incidentio', outcome);
  }

  private answer(provider: IncidentProvider, outcome: IncidentEventOutcome): WebhookAnswer {
    if (outcome.applied) this.freeze.invalidate();
    if (outcome.stale) this.metrics.webhooksRejected.inc({ provider, reason: 'stale' });
    return {
      accepted: true,
      duplicate: false,
      applied: outcome.applied,
      ...(outcome.stale ? { stale: true as const } : {}),
      ...(!outcome.applied ? { ignored: outcome.reason } : {}),
    };
  }
}
