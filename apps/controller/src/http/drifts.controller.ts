import { Controller, Get, HttpStatus, Param, Query } from '@nestjs/common';
import { ApiError, RequireRole } from '@driftwarden/auth';
import { DRIFT_STATUSES, REGION_EXPECTED, REGION_PATTERN, RESOURCE_TYPE_PATTERN, type DriftRecord } from '@driftwarden/domain';
import { registeredKinds } from '@driftwarden/kinds';
import { IncidentNoteLog } from '@driftwarden/notifications';
import { DriftStore, InvalidCursorError, type DriftPage } from '@driftwarden/store';
import { driftPredicate } from './drift-query';
import { QueryReader } from './query';

/** A registered kind's name (`security-group`, `asg`, …) or a Config type (`AWS::EC2::SecurityGroup`); an unknown name is a 400 that lists the kinds. */
const KIND_NAMES = registeredKinds().map((k) => k.kind.name);
const KIND_OR_TYPE_PATTERN = new RegExp(`^(?:${RESOURCE_TYPE_PATTERN.source.slice(1, -1)}|${KIND_NAMES.join('|')})$`);

@Controller('v1/drifts')
export class DriftsController {
  constructor(
    private readonly drifts: DriftStore,
    private readonly notes: IncidentNoteLog,
  ) {}

  @Get()
  @RequireRole('viewer')
  async list(@Query() query: Record<string, unknown>): Promise<DriftPage> {
    const q = new QueryReader(query);
    const status = q.oneOf('status', DRIFT_STATUSES);
    const account = q.string('account', { pattern: /^\d{12}$/, expected: 'a 12-digit account id' });
    const resource = q.string('resource');
    const kind = q.string('kind', {
      pattern: KIND_OR_TYPE_PATTERN,
      expected: `a resource kind (${KIND_NAMES.join(', ')}) or a resource type such as AWS::EC2::SecurityGroup`,
    });
    const region = q.string('region', { pattern: REGION_PATTERN, expected: REGION_EXPECTED });
    const suspicious = q.oneOf('suspicious', ['true', 'false'] as const);
    const overdue = q.oneOf('overdue', ['true', 'false'] as const);
    const text = q.string('text', { pattern: /^[^\u0000-\u001f]{1,200}$/, expected: 'up to 200 characters of text' });
    const limit = q.int('limit', 50, 1, 500);
    const cursor = q.string('cursor') ?? null;
    q.done();
    try {
      const where = driftPredicate({ kind, region, text, flags: { suspicious: bool(suspicious), overdue: bool(overdue) } });
      return await this.drifts.list({ status, account, resource, limit, cursor, ...(where ? { where } : {}) });
    } catch (e) {
      if (e instanceof InvalidCursorError) {
        throw new ApiError(HttpStatus.BAD_REQUEST, 'validation_failed', e.message, [{ path: 'query.cursor', message: e.message }]);
      }
      throw e;
    }
  }

  @Get(':id')
  @RequireRole('viewer')
  async get(@Param('id') id: string): Promise<DriftRecord> {
    const record = /^drf_[A-Za-z0-9_]{1,64}$/.test(id) ? await this.drifts.get(id) : null;
    if (!record) throw new ApiError(HttpStatus.NOT_FOUND, 'not_found', `no drift record ${JSON.stringify(id.slice(0, 80))}`);
    // Notes on the incident's timeline are kept beside the record (IncidentNoteLog).
    const incidentNotes = await this.notes.list(record.id);
    return incidentNotes.length > 0 ? { ...record, incidentNotes } : record;
  }
}

function bool(v: 'true' | 'false' | undefined): boolean | undefined {
  return v === undefined ? undefined : v === 'true';
}
