import { PermanentError, type DriftRecord } from '@driftwarden/domain';
import { BackportPort, type BackportResult } from '../ports/backport.port';
import { RemediationPort, type Fence, type RevertResult } from '../ports/remediation.port';

export class DryRunWriteBlockedError extends PermanentError {
  constructor(what: string) {
    super(`${what} refused: driftwarden runs in dry-run mode and makes no cloud or GitHub write`, 'dry_run_write_blocked');
  }
}

/**
 * The write boundary. In dry-run mode every write port is replaced by these guards, so no
 * code path (a bug, a stale job from an enforce run, an API call) can reach AWS or GitHub.
 */
export class DryRunRemediationGuard extends RemediationPort {
  async revert(drift: DriftRecord, _fence: Fence): Promise<RevertResult> {
    throw new DryRunWriteBlockedError(`revert of ${drift.id}`);
  }
}

export class DryRunBackportGuard extends BackportPort {
  async openOrUpdate(drift: DriftRecord): Promise<BackportResult> {
    throw new DryRunWriteBlockedError(`backport of ${drift.id}`);
  }
}
