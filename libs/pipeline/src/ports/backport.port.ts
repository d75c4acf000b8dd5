import type { DriftLinks, DriftRecord } from '@driftwarden/domain';

export interface BackportResult {
  links: Pick<DriftLinks, 'pullRequest' | 'issue'>;
  /** `pull_request` when the code was edited, `issue` when it could not be edited safely. */
  kind: 'pull_request' | 'issue';
  reason?: string;
  /**
   * A tracking issue (a resource no kind models, DESIGN §5 "observed"): whether it was opened now,
   * and the sentences of the changes it was told of this time (its first description, or a comment).
   */
  tracking?: { opened: boolean; changes: string[] };
}

/** An open backport found on GitHub, as the drift record to recreate (after a Redis loss). */
export interface RecoveredBackport {
  record: DriftRecord;
}

/** A PR or issue that looked like one of ours but could not be read back. */
export interface UnrecoverableBackport {
  url: string;
  problem: string;
}

/** GitHub writes. Replaced by a dry-run guard: in dry-run mode it is never reached. */
export abstract class BackportPort {
  abstract openOrUpdate(drift: DriftRecord): Promise<BackportResult>;

  /**
   * The open backport PRs and issues this controller made, as `backport_open` records (reads
   * only; DESIGN §9: after a total Redis loss the state is rebuilt from GitHub). Default: none.
   */
  recoverOpen(_now: Date): Promise<{ recovered: RecoveredBackport[]; skipped: UnrecoverableBackport[] }> {
    return Promise.resolve({ recovered: [], skipped: [] });
  }
}
