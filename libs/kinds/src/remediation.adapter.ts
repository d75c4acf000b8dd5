import { PermanentError, type DriftDifference, type DriftRecord } from '@driftwarden/domain';
import { RemediationPort, type Fence, type RevertResult } from '@driftwarden/pipeline';

/**
 * The revert of a drift, by the resource's kind (DESIGN §5): each kind brings its executor
 * (fenced before each write, idempotent, verified by re-reading). A type whose kind has no
 * executor is never reverted by driftwarden.
 */
export class KindRemediation extends RemediationPort {
  constructor(private readonly executors: ReadonlyMap<string, RemediationPort>) {
    super();
  }

  revert(drift: DriftRecord, fence: Fence, differences?: readonly DriftDifference[]): Promise<RevertResult> {
    const executor = this.executors.get(drift.resource.type);
    if (!executor) {
      return Promise.reject(
        new PermanentError(
          `no resource kind reverts ${drift.resource.type} (${drift.resource.id}): a human must decide`,
          'revert_unsupported',
        ),
      );
    }
    return executor.revert(drift, fence, differences);
  }
}
