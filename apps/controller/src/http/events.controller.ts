import { Body, Controller, HttpCode, HttpStatus, Inject, Post, Req } from '@nestjs/common';
import { ApiError, RequireRole } from '@driftwarden/auth';
import { DRIFTWARDEN_CONFIG, type DriftwardenConfig } from '@driftwarden/config';
import { Metrics } from '@driftwarden/observability';
import { IngestService, type AcceptedEvent } from '@driftwarden/pipeline';
import { AuditLog } from '@driftwarden/store';
import { actorOf, correlationIdOf, type ApiRequest } from './request-context';

@Controller('v1/events')
export class EventsController {
  constructor(
    private readonly ingest: IngestService,
    private readonly audit: AuditLog,
    private readonly metrics: Metrics,
    @Inject(DRIFTWARDEN_CONFIG) private readonly config: DriftwardenConfig,
  ) {}

  /** One EventBridge/SNS/bare Config or CloudTrail event, or an array of them. */
  @Post()
  @RequireRole('ingest')
  @HttpCode(HttpStatus.ACCEPTED)
  async post(@Body() body: unknown, @Req() req: ApiRequest): Promise<{ accepted: AcceptedEvent[] }> {
    if (
      body === undefined ||
      (typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 0 && !req.rawBody?.length)
    ) {
      throw new ApiError(HttpStatus.BAD_REQUEST, 'validation_failed', 'empty request body: send one event or an array of events as JSON', [
        { path: '', message: 'expected an event object or an array of events, got nothing' },
      ]);
    }
    const max = this.config.api.maxEventsPerRequest;
    if (Array.isArray(body) && body.length > max) {
      throw new ApiError(
        HttpStatus.PAYLOAD_TOO_LARGE,
        'too_many_events',
        `a request may carry at most ${max} events (api.maxEventsPerRequest); this one has ${body.length}: split it`,
      );
    }
    const actor = actorOf(req);
    const result = await this.ingest.ingest(body, { transport: 'http', actor, correlationId: correlationIdOf(req) });
    if (!result.ok) {
      this.metrics.eventsRejected.inc({ transport: 'http' });
      throw new ApiError(
        HttpStatus.BAD_REQUEST,
        'validation_failed',
        `the request has ${result.problems.length} problem(s); nothing was accepted`,
        result.problems,
      );
    }
    for (const a of result.accepted) this.metrics.eventsAccepted.inc({ kind: a.kind, status: a.status, transport: 'http' });
    await this.audit.append({
      at: new Date().toISOString(),
      type: 'api.events',
      actor,
      correlationId: correlationIdOf(req),
      reason: `${result.accepted.length} event(s) posted`,
      details: {
        accepted: result.accepted.filter((a) => a.status === 'accepted').length,
        duplicates: result.accepted.filter((a) => a.duplicate).length,
        stale: result.accepted.filter((a) => a.status === 'stale').length,
      },
    });
    return { accepted: result.accepted };
  }
}
