import { Controller, Get, HttpStatus, Query } from '@nestjs/common';
import { ApiError, RequireRole } from '@driftwarden/auth';
import { AuditLog, InvalidCursorError, type AuditPage } from '@driftwarden/store';
import { QueryReader } from './query';

@Controller('v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditLog) {}

  /** Decision and action log, oldest first from `since`. */
  @Get()
  @RequireRole('viewer')
  async list(@Query() query: Record<string, unknown>): Promise<AuditPage> {
    const q = new QueryReader(query);
    const since = q.time('since', { min: new Date(0), minWhy: 'the audit log is ordered by time since the Unix epoch' });
    const limit = q.int('limit', 100, 1, 1000);
    const cursor = q.string('cursor') ?? null;
    const type = q.string('type', { pattern: /^[a-z_.]{1,64}$/, expected: 'an entry type such as decision' });
    const driftId = q.string('drift', { pattern: /^drf_[A-Za-z0-9_]{1,64}$/, expected: 'a drift id' });
    const resource = q.string('resource', { pattern: /^[\w:/.-]{1,300}$/, expected: 'a resource id such as sg-0abc… or a resource key' });
    const account = q.string('account', { pattern: /^\d{12}$/, expected: 'a 12-digit account id' });
    q.done();
    try {
      return await this.audit.list({ since, limit, cursor, type, driftId, resource, account });
    } catch (e) {
      if (e instanceof InvalidCursorError) {
        throw new ApiError(HttpStatus.BAD_REQUEST, 'validation_failed', e.message, [{ path: 'query.cursor', message: e.message }]);
      }
      throw e;
    }
  }
}
