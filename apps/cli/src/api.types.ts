/**
 * The controller's HTTP API shapes (DESIGN.md §7) as the CLI reads them. The API may add
 * fields; the CLI reads only these and tolerates the optional ones being absent.
 */

import type { DecisionPolicy, DriftDifference, DriftLinks } from '@driftwarden/domain';

/** A problem with an input, named by its JSON path (same shape as `Problem` in @driftwarden/domain). */
export interface ApiProblem {
  path: string;
  message: string;
}

export interface ApiErrorBody {
  error: { code: string; message: string; problems?: ApiProblem[] };
}

/** Who may call an endpoint: viewer < operator < admin; `ingest` only posts events. */
export type Role = 'viewer' | 'ingest' | 'operator' | 'admin';

export interface AcceptedEvent {
  eventId: string;
  kind: string; // 'config_item' | 'cloudtrail' (and whatever else the API learns to ingest)
  resourceId: string | null;
  duplicate: boolean;
}

export interface PostEventsResponse {
  accepted: AcceptedEvent[];
}

export type FreezeSourceType = 'incident' | 'manual' | 'window' | 'cooldown' | 'unknown';

export interface FreezeScope {
  accounts?: string[];
  regions?: string[];
  resourceTypes?: string[];
  tags?: Record<string, string>;
}

export interface FreezeIncident {
  provider: string;
  id: string;
  number?: number | string | null;
  title?: string | null;
  url?: string | null;
}

export interface FreezeSource {
  id: string;
  type: FreezeSourceType;
  reason: string | null;
  scope: FreezeScope | null;
  since: string | null;
  until: string | null;
  actor: string | null;
  incident?: FreezeIncident;
}

export interface ProviderFreshness {
  ok: boolean;
  fetchedAt: string | null;
  error?: string;
}

export interface FreezeState {
  frozen: boolean;
  sources: FreezeSource[];
  providers: Record<string, ProviderFreshness>;
}

export interface CreateFreezeRequest {
  reason: string;
  ttl: string;
  scope?: FreezeScope;
}

export type DriftStatus =
  | 'detected'
  | 'held'
  | 'awaiting_approval'
  | 'reverting'
  | 'reverted'
  | 'backport_open'
  | 'backport_merged'
  | 'backport_closed'
  | 'rejected'
  | 'resolved'
  | 'ignored'
  | 'failed';

export type DecisionAction = 'ignore' | 'noop' | 'backport' | 'hold' | 'await_approval' | 'revert';

export interface DriftRecord {
  id: string;
  status: DriftStatus | string;
  dryRun: boolean;
  resource: { type: string; id: string; account: string; region: string; address?: string; stack?: string };
  /** `rule` is null when no numbered rule decided (an unmanaged resource, an exception). */
  decision: { action: DecisionAction | string; rule: number | null; reason: string; policy?: DecisionPolicy } | null;
  principal: { arn: string | null; class: string; session?: string | null } | null;
  changedAt: string | null;
  detectedAt: string | null;
  updatedAt: string | null;
  flags?: string[];
  diff: unknown;
  /** The server's own type: each difference with who made it and its own decision. */
  differences?: DriftDifference[];
  evidence: unknown;
  /** The server's own type: the CLI reads links exactly as the API writes them. */
  links?: DriftLinks;
}

export type DriftDecisionVerb = 'approve' | 'adopt' | 'reject';

export type DriftFilter = {
  status?: string;
  resource?: string;
  account?: string;
  /** `true`: only records whose backport pull request is overdue (backport.expiryDays). */
  overdue?: 'true';
  /** A kind name (`asg`, `security-group`, …) or a Config type (`AWS::EC2::Instance`). */
  kind?: string;
};

/** An audit log entry. The contract names only the list shape, so every field is optional. */
export interface AuditEntry {
  id?: string;
  at?: string;
  time?: string;
  timestamp?: string;
  actor?: string | null;
  action?: string;
  type?: string;
  driftId?: string | null;
  resource?: string | { id?: string; type?: string } | null;
  target?: string | null;
  reason?: string | null;
  comment?: string | null;
  message?: string | null;
  /** The controller's own details; `details.id` names the freeze, exception or incident an entry is about. */
  details?: Record<string, unknown> | null;
  [key: string]: unknown;
}

export interface Page<T> {
  items: T[];
  next: string | null;
}
