import type { AfterStateEvidence, ApiCallRecord, DriftDifference, DriftRecord, ScopeTarget } from '@driftwarden/domain';

/**
 * The fence: called immediately before each cloud write. It throws once a freeze has been
 * recorded, so no remediation call starts after a freeze (DESIGN §1 rule 4).
 */
export type Fence = () => Promise<void>;

export interface RevertResult {
  verified: boolean;
  apiCalls: ApiCallRecord[];
  afterState: AfterStateEvidence;
}

/**
 * Cloud writes: the resource kind's revert executor (fenced before each write, idempotent,
 * verified by re-reading). Wrapped by a dry-run guard: in dry-run mode it is never reached.
 * `differences`: revert exactly these (the record's differences decided `revert`); absent for a
 * record without differences, whose whole diff is reverted.
 */
export abstract class RemediationPort {
  abstract revert(drift: DriftRecord, fence: Fence, differences?: readonly DriftDifference[]): Promise<RevertResult>;
}

/**
 * Provides the fence. `arm()` is called BEFORE the fenced re-check of the freeze; the fence it
 * returns fails (throws FreezeRecordedError) if any freeze was recorded after arming, or once a
 * freeze that starts by the clock covers `target` (any resource when omitted).
 */
export abstract class FencePort {
  abstract arm(target?: ScopeTarget): Promise<Fence>;
}
