import type { DriftLinks, DriftRecord } from '@driftwarden/domain';

export interface BackportResult {
  links: Pick<DriftLinks, 'pullRequest' | 'issue'>;
  /** `pull_request` when the code was edited, `issue` when it could not be edited safely. */
  kind: 'pull_request' | 'issue';
  reason?: string;
}

/** GitHub writes. Wrapped by a dry-run guard: in dry-run mode it is never reached. */
export abstract class BackportPort {
  abstract openOrUpdate(drift: DriftRecord): Promise<BackportResult>;
}
