import type { FreezeEvidence, IncidentSnapshotEvidence, ScopeTarget } from '@driftwarden/domain';

export interface FreezeView {
  freeze: FreezeEvidence;
  /** The incident snapshot the decision was made with (evidence). */
  incidents?: IncidentSnapshotEvidence;
}

/** Freeze now and at the time of the change (DESIGN §3, §4 rule 3 and 4). */
export abstract class FreezePort {
  abstract view(target: ScopeTarget, changedAt: Date, now: Date): Promise<FreezeView>;
}
