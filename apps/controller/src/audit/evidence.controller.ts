import { Controller, Get, HttpStatus, Inject, Param } from '@nestjs/common';
import { ApiError, RequireRole } from '@driftwarden/auth';
import { buildBundle, cloudTrailIdsOf, configEventIdsOf, sealBundle, type CheckpointSigner, type EvidenceBundle } from '@driftwarden/audit';
import type { ConfigItemEvent } from '@driftwarden/domain';
import { AuditLog, CloudTrailStore, DriftStore, ItemLedger } from '@driftwarden/store';
import { CLOCK } from '../core/tokens';
import { CHECKPOINT_SIGNER } from './audit-keys';

/** At most this many audit entries about one drift go into its bundle. */
const MAX_AUDIT_ENTRIES = 1000;

@Controller('v1/drifts')
export class EvidenceController {
  constructor(
    private readonly drifts: DriftStore,
    private readonly audit: AuditLog,
    private readonly ledger: ItemLedger,
    private readonly cloudTrail: CloudTrailStore,
    @Inject(CHECKPOINT_SIGNER) private readonly signer: CheckpointSigner | null,
    @Inject(CLOCK) private readonly clock: () => Date,
  ) {}

  /** The record's self-contained evidence bundle, sealed (README "Evidence bundles"). */
  @Get(':id/evidence')
  @RequireRole('viewer')
  async evidence(@Param('id') id: string): Promise<EvidenceBundle> {
    const record = /^drf_[A-Za-z0-9_]{1,64}$/.test(id) ? await this.drifts.get(id) : null;
    if (!record) throw new ApiError(HttpStatus.NOT_FOUND, 'not_found', `no drift record ${JSON.stringify(id.slice(0, 80))}`);
    const items: ConfigItemEvent[] = [];
    for (const eventId of configEventIdsOf(record)) {
      const item = await this.ledger.event(eventId);
      if (item) items.push(item);
    }
    // Entries about a drift are written from its detection on (a minute earlier for clock skew between replicas).
    const entries = await this.audit.about(record.id, new Date(Date.parse(record.detectedAt) - 60_000), { maxEntries: MAX_AUDIT_ENTRIES });
    const bundle = buildBundle({
      record,
      configItems: items,
      cloudTrail: await this.cloudTrail.byIds(cloudTrailIdsOf(record)),
      auditEntries: entries,
      head: await this.audit.head(),
      now: this.clock(),
    });
    return sealBundle(bundle, this.signer);
  }
}
