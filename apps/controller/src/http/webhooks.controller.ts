import { Controller, HttpCode, HttpStatus, Inject, Post, Req } from '@nestjs/common';
import { ApiError, RequireRole } from '@driftwarden/auth';
import { DRIFTWARDEN_CONFIG, type DriftwardenConfig } from '@driftwarden/config';
import { FreezeService, FreezeStore, WEBHOOK_DEDUPE_MS, type IncidentEventOutcome } from '@driftwarden/freeze';
import {
  OPSGENIE_WEBHOOK_TOKEN_HEADER,
  PAGERDUTY_SIGNATURE_HEADER,
  isPagerDutyMajor,
  parseOpsgenieWebhook,
  parsePagerDutyWebhook,
  verifyOpsgenieToken,
  verifyPagerDutySignature,
} from '@driftwarden/incidents';
import { Metrics } from '@driftwarden/observability';
import { JobProducer } from '@driftwarden/queue';
import { DriftStore, type AuditEntry } from '@driftwarden/store';
import { afterBackportClosed, afterTrackingIssueClosed, isOpen, trackingIssueOutcome, type DriftRecord } from '@driftwarden/domain';
import { gitHubDeliveryKey, parseIssuesEvent, parsePullRequestEvent, verifyGitHubSignature, type IssuesEvent } from '@driftwarden/github';
import { ResourceKinds } from '@driftwarden/pipeline';
import { createHash } from 'node:crypto';
import { correlationIdOf, type ApiRequest } from './request-context';

const OPEN_EVENTS = new Set([
  'incident.triggered',
  'incident.acknowledged',
  'incident.unacknowledged',
  'incident.reopened',
  'incident.priority_updated',
  'incident.escalated',
  'incident.reassigned',
  'incident.delegated',
]);

function header(req: ApiRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Provider webhooks: authenticated by signature (PagerDuty) or shared secret (Opsgenie), in
 * constant time, over the raw body; idempotent; answered at once (PagerDuty waits 5 s), with
 * the change applied immediately and a refresh poll queued.
 */
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(
    @Inject(DRIFTWARDEN_CONFIG) private readonly config: DriftwardenConfig,
    private readonly store: FreezeStore,
    private readonly freeze: FreezeService,
    private readonly producer: JobProducer,
    private readonly metrics: Metrics,
    private readonly drifts: DriftStore,
    private readonly kinds: ResourceKinds,
  ) {}

  @Post('pagerduty')
  @RequireRole('public')
  @HttpCode(HttpStatus.ACCEPTED)
  async pagerduty(@Req() req: ApiRequest) {
    const pd = this.config.incidents.pagerduty;
    if (!pd) throw new ApiError(HttpStatus.NOT_FOUND, 'not_configured', 'PagerDuty is not configured (incidents.pagerduty)');
    const raw = req.rawBody ?? Buffer.alloc(0);
    if (!verifyPagerDutySignature(raw, header(req, PAGERDUTY_SIGNATURE_HEADER), pd.webhookSecrets)) {
      this.metrics.webhooksRejected.inc({
        provider: 'pagerduty',
        reason: header(req, PAGERDUTY_SIGNATURE_HEADER) ? 'bad_signature' : 'unsigned',
      });
      throw new ApiError(
        HttpStatus.UNAUTHORIZED,
        'bad_signature',
        'X-PagerDuty-Signature does not match the body for any configured secret',
      );
    }
    const parsed = parsePagerDutyWebhook(req.rawBody ? JSON.parse(raw.toString('utf8')) : undefined);
    if (!parsed.ok) throw new ApiError(HttpStatus.BAD_REQUEST, 'validation_failed', 'malformed PagerDuty webhook', parsed.problems);
    // Deduplicated on the event id, which the signature covers (X-Webhook-Id does not: a
    // captured body re-sent with a fresh header is still a replay). An event older than the
    // deduplication window is not applied (a replay of last month's `resolved` would end a
    // freeze until the next poll); the refresh poll is still queued.
    const e = parsed.event;
    const ageMs = Date.now() - Date.parse(e.occurredAt);
    if (ageMs > WEBHOOK_DEDUPE_MS) {
      this.metrics.webhooksRejected.inc({ provider: 'pagerduty', reason: 'too_old' });
      await this.producer.pollIncidentsNow(correlationIdOf(req));
      return {
        accepted: true,
        duplicate: false,
        applied: false,
        ignored: `event occurred at ${e.occurredAt}, longer ago than the ${WEBHOOK_DEDUPE_MS / 3_600_000} h replay window`,
      };
    }
    if (!(await this.store.firstDelivery('pagerduty', e.eventId))) {
      this.metrics.webhooksRejected.inc({ provider: 'pagerduty', reason: 'duplicate' });
      return { accepted: true, duplicate: true };
    }
    let outcome: IncidentEventOutcome | null = null;
    if (e.incident) {
      const inc = e.incident;
      const major = isPagerDutyMajor(
        {
          id: inc.id,
          title: inc.title,
          status: inc.status,
          urgency: inc.urgency,
          priority: inc.priority ? { summary: inc.priority } : null,
          serviceId: inc.service ?? '',
          createdAt: inc.createdAt,
        },
        pd.major,
      );
      const scope = inc.service ? pd.scopes?.[inc.service] : undefined;
      const record = { ...inc, ...(scope ? { scope } : {}) };
      const event = { id: e.eventId, type: e.eventType };
      if (e.eventType === 'incident.resolved' || (e.eventType === 'incident.priority_updated' && !major)) {
        outcome = await this.store.applyIncidentEvent(record, false, e.occurredAt, 'webhook:pagerduty', event);
      } else if (OPEN_EVENTS.has(e.eventType) && major) {
        outcome = await this.store.applyIncidentEvent(record, true, e.occurredAt, 'webhook:pagerduty', event);
      }
    }
    if (outcome?.applied) this.freeze.invalidate();
    // Older than the state already known (a newer event, or a poll that started after it):
    // recorded (audit `freeze.incident_event_stale`) and counted, never applied.
    if (outcome?.stale) this.metrics.webhooksRejected.inc({ provider: 'pagerduty', reason: 'stale' });
    await this.producer.pollIncidentsNow(correlationIdOf(req));
    return {
      accepted: true,
      duplicate: false,
      applied: outcome?.applied ?? false,
      ...(outcome?.stale ? { stale: true } : {}),
      ...(outcome && !outcome.applied ? { ignored: outcome.reason } : {}),
    };
  }

  /**
   * GitHub: a backport PR merged means code now matches live (`backport_merged`); closed
   * unmerged means a human decided the patch should go (`awaiting_approval`: a revert still
   * needs approval and respects freezes).
   */
  @Post('github')
  @RequireRole('public')
  @HttpCode(HttpStatus.ACCEPTED)
  async github(@Req() req: ApiRequest) {
    const gh = this.config.github;
    if (!gh) throw new ApiError(HttpStatus.NOT_FOUND, 'not_configured', 'GitHub is not configured (github)');
    if (!req.rawBody) {
      // GitHub can also send form-encoded payloads; their signature cannot be checked here.
      throw new ApiError(
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        'unsupported_media_type',
        'configure the GitHub webhook with content type application/json',
      );
    }
    const raw = req.rawBody;
    const signature = header(req, 'x-hub-signature-256');
    if (!(await verifyGitHubSignature(raw, signature, gh.webhookSecret))) {
      this.metrics.webhooksRejected.inc({ provider: 'github', reason: signature ? 'bad_signature' : 'unsigned' });
      throw new ApiError(HttpStatus.UNAUTHORIZED, 'bad_signature', 'X-Hub-Signature-256 does not match the body');
    }
    const delivery = header(req, 'x-github-delivery');
    if (!delivery)
      throw new ApiError(HttpStatus.BAD_REQUEST, 'validation_failed', 'missing X-GitHub-Delivery header', [
        { path: 'headers.x-github-delivery', message: 'GitHub sends it with every delivery (a GUID)' },
      ]);
    // Deduplicated on the signed body, not on X-GitHub-Delivery (the signature does not cover
    // it: a captured body re-sent under a fresh GUID is still a replay), as PagerDuty is on its
    // signed event id. Answered like a PagerDuty duplicate.
    if (!(await this.store.firstDelivery('github', gitHubDeliveryKey(raw)))) {
      this.metrics.webhooksRejected.inc({ provider: 'github', reason: 'duplicate' });
      return { accepted: true, duplicate: true };
    }
    const event = header(req, 'x-github-event');
    if (event === 'issues') return this.trackingIssueEvent(raw);
    if (event !== 'pull_request')
      return { accepted: true, duplicate: false, ignored: `not a pull_request or issues event (${event ?? 'none'})` };
    const parsed = parsePullRequestEvent(raw);
    if (!parsed.ok) throw new ApiError(HttpStatus.BAD_REQUEST, 'validation_failed', 'malformed pull_request webhook', parsed.problems);
    const e = parsed.event;
    // Older than the deduplication window: a replay that is no longer remembered (see WEBHOOK_DEDUPE_MS).
    const old = this.tooOld('pull request', e.updatedAt);
    if (old) return old;
    const match = /^driftwarden\/backport\/(.+)$/.exec(e.headRef);
    if (e.action !== 'closed' || !match) return { accepted: true, duplicate: false, ignored: 'not a closed backport pull request' };
    // The record may be in another status while its PR is open (a later change on the resource is held, awaiting approval…).
    const at = new Date().toISOString();
    const moved = await this.moveLinked(
      match[1],
      (x) => x.links.pullRequest,
      e,
      (cur) => {
        const after = afterBackportClosed(cur, { merged: e.merged, number: e.number }, at);
        if (!after) return null;
        const pullRequest = cur.links.pullRequest ? { ...cur.links.pullRequest, ...(e.merged ? { merged: true } : {}) } : undefined;
        return {
          next: { ...cur, ...after, updatedAt: at, links: { ...cur.links, ...(pullRequest ? { pullRequest } : {}) } },
          audit: {
            at,
            type: e.merged ? 'backport.merged' : 'backport.closed',
            actor: 'webhook:github',
            driftId: cur.id,
            reason: e.merged
              ? `pull request #${e.number} merged: the code now matches the live state`
              : `pull request #${e.number} closed without merging: the emergency change should go; a revert needs approval`,
            details: { url: e.htmlUrl },
          },
        };
      },
    );
    return { accepted: true, duplicate: false, drifts: moved };
  }

  /**
   * A tracking issue closed by a human (`issues` event, action `closed`): as for a backport pull
   * request, `completed` means the change was codified by hand, `not_planned` that it should go
   * (afterTrackingIssueClosed). Only records that link this very issue (number and repository)
   * move; the body's hidden marker only says which resource to look at.
   */
  private async trackingIssueEvent(raw: Buffer | undefined) {
    const parsed = parseIssuesEvent(raw ?? Buffer.alloc(0));
    if (!parsed.ok) throw new ApiError(HttpStatus.BAD_REQUEST, 'validation_failed', 'malformed issues webhook', parsed.problems);
    const e = parsed.event;
    const old = this.tooOld('issue', e.updatedAt);
    if (old) return old;
    const resource = /<!-- driftwarden:drift=\S+ resource=(\S+) -->/.exec(e.body)?.[1];
    if (e.action !== 'closed' || !resource) return { accepted: true, duplicate: false, ignored: 'not a closed driftwarden issue' };
    const outcome = trackingIssueOutcome(e.stateReason);
    if (!outcome) return { accepted: true, duplicate: false, ignored: `issue closed as ${e.stateReason}: nothing to do` };
    const at = new Date().toISOString();
    const moved = await this.moveLinked(
      resource,
      (x) => x.links.issue,
      e,
      (cur) => {
        const neverReverted = this.kinds.forType(cur.resource.type)?.neverReverted?.(cur.resource.type) ?? null;
        const after = afterTrackingIssueClosed(cur, { number: e.number, outcome, by: e.sender, neverReverted }, at);
        if (!after) return null;
        return {
          next: { ...cur, ...after, updatedAt: at },
          audit: {
            at,
            type: outcome === 'completed' ? 'tracking.completed' : 'tracking.not_planned',
            actor: 'webhook:github',
            driftId: cur.id,
            reason: trackingReason(e, outcome, after.status),
            details: { url: e.htmlUrl, status: after.status, ...(e.sender ? { closedBy: e.sender } : {}) },
          },
        };
      },
    );
    return { accepted: true, duplicate: false, drifts: moved };
  }

  /** A delivery of something updated longer ago than the deduplication window: a replay no longer remembered (not applied). */
  private tooOld(what: string, updatedAt: string | undefined) {
    if (!updatedAt || Date.now() - Date.parse(updatedAt) <= WEBHOOK_DEDUPE_MS) return null;
    this.metrics.webhooksRejected.inc({ provider: 'github', reason: 'too_old' });
    return {
      accepted: true,
      duplicate: false,
      ignored: `${what} updated at ${updatedAt}, longer ago than the ${WEBHOOK_DEDUPE_MS / 3_600_000} h replay window`,
    };
  }

  /**
   * Applies `step` to the open drift records of `resource` that link this very pull request or
   * issue (`link`): the same number in the same repository — numbers repeat across repositories,
   * and a look-alike in another repository the webhook also covers must not move a drift.
   * Re-checked on the current record inside the compare-and-set. The ids of the records moved.
   */
  private async moveLinked(
    resource: string,
    link: (d: DriftRecord) => { number?: number; repo?: string } | undefined,
    e: { number: number; repo: { owner: string; name: string } },
    step: (cur: DriftRecord) => { next: DriftRecord; audit: AuditEntry } | null,
  ): Promise<string[]> {
    const repo = `${e.repo.owner}/${e.repo.name}`.toLowerCase();
    const linked = (d: DriftRecord) => isOpen(d.status) && link(d)?.number === e.number && link(d)?.repo?.toLowerCase() === repo;
    const page = await this.drifts.list({ resource, limit: 50 });
    const moved: string[] = [];
    for (const d of page.items.filter(linked)) {
      let changed = false;
      await this.drifts.update(d.id, (cur) => {
        const change = linked(cur) ? step(cur) : null;
        changed = change !== null;
        return change;
      });
      if (changed) moved.push(d.id);
    }
    return moved;
  }

  @Post('opsgenie')
  @RequireRole('public')
  @HttpCode(HttpStatus.ACCEPTED)
  async opsgenie(@Req() req: ApiRequest) {
    const og = this.config.incidents.opsgenie;
    if (!og?.webhookToken)
      throw new ApiError(HttpStatus.NOT_FOUND, 'not_configured', 'Opsgenie webhooks are not configured (incidents.opsgenie.webhookToken)');
    if (!verifyOpsgenieToken(header(req, OPSGENIE_WEBHOOK_TOKEN_HEADER), og.webhookToken)) {
      this.metrics.webhooksRejected.inc({
        provider: 'opsgenie',
        reason: header(req, OPSGENIE_WEBHOOK_TOKEN_HEADER) ? 'bad_token' : 'unsigned',
      });
      throw new ApiError(HttpStatus.UNAUTHORIZED, 'bad_token', `${OPSGENIE_WEBHOOK_TOKEN_HEADER} is missing or wrong`);
    }
    const raw = req.rawBody ?? Buffer.alloc(0);
    const parsed = parseOpsgenieWebhook(raw.length ? JSON.parse(raw.toString('utf8')) : undefined);
    if (!parsed.ok) throw new ApiError(HttpStatus.BAD_REQUEST, 'validation_failed', 'malformed Opsgenie webhook', parsed.problems);
    // Opsgenie sends alert actions, not incidents, and no delivery id: dedupe on the action itself.
    const e = parsed.event;
    const key = createHash('sha256')
      .update(`${e.alertId}|${e.action}|${e.updatedAt ?? e.createdAt}`)
      .digest('hex')
      .slice(0, 32);
    if (!(await this.store.firstDelivery('opsgenie', key))) {
      this.metrics.webhooksRejected.inc({ provider: 'opsgenie', reason: 'duplicate' });
      return { accepted: true, duplicate: true };
    }
    // Incidents are read from the Incident API: refresh the snapshot now.
    await this.producer.pollIncidentsNow(correlationIdOf(req));
    return { accepted: true, duplicate: false };
  }
}

function trackingReason(e: IssuesEvent, outcome: 'completed' | 'not_planned', status: string): string {
  const who = e.sender ? ` by ${e.sender}` : '';
  return outcome === 'completed'
    ? `tracking issue #${e.number} closed as completed${who}: the change was codified by hand (${status})`
    : `tracking issue #${e.number} closed as not planned${who}: the change should not stay (${status})`;
}
