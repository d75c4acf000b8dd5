/**
 * The drift record of DESIGN.md §7 ("Drift record"): what `GET /v1/drifts/:id` returns and what
 * the store keeps. Plain JSON data only (strings, numbers, booleans, null, arrays, objects):
 * times are ISO-8601 strings, never `Date`.
 */
import type { DecisionAction, DecisionFlag, DecisionRule, FreezeSourceType, PrincipalClass } from '../decision/decide';
import type { DecisionPolicy } from '../decision/policy-gate';
import type { DriftStatus } from './drift-status';
import type { DriftDifference } from './differences';
import type { Scope } from '../scope/scope';

/**
 * A record's flags: the decision's (`suspicious`), and `overdue` while its backport pull request is
 * open longer than `backport.expiryDays` (an emergency patch that nobody codified).
 */
export type DriftFlag = DecisionFlag | 'overdue';

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface DriftRecord {
  /** Stable id of the drift (one open drift per resource). */
  id: string;
  status: DriftStatus;
  /** Decided in `mode: dry-run`: nothing was written to the cloud or GitHub. */
  dryRun: boolean;
  resource: DriftResource;
  decision: DriftDecision;
  principal: DriftPrincipal;
  /** The time of the change: CloudTrail `eventTime`, else the Config capture time (ISO). */
  changedAt: string;
  /** When driftwarden first saw this drift (ISO). */
  detectedAt: string;
  /** Last change to this record (ISO). */
  updatedAt: string;
  flags?: DriftFlag[];
  /** Live vs desired, all of it (what `GET /v1/drifts/:id` has always returned). */
  diff: DriftDiff;
  /**
   * The same drift as differences, each with who made it and its own decision (DESIGN §4
   * "Differences and who made them"). The record's status and decision are those of the group
   * the controller handles next; a backport codifies only the differences decided `backport`.
   * Absent on records written before differences existed.
   */
  differences?: DriftDifference[];
  evidence: DriftEvidence;
  links: DriftLinks;
  /** The human decision on a drift awaiting approval (DESIGN §5 Approvals). */
  approval?: DriftApproval;
  /** Notes posted (or that failed for good) on the incident's timeline, one per transition (`incidents.notes`). */
  incidentNotes?: IncidentNoteState[];
  /**
   * Why the record is `failed` when a job failed for good (DESIGN §4 rule 5 "failed for good"):
   * which stage, the error's code and message, and the item it was about. `driftwarden replay
   * --failed` decides such items again.
   */
  failure?: DriftFailure;
}

export interface DriftFailure {
  stage: 'evaluate' | 'remediate' | 'backport';
  code: string;
  message: string;
  at: string;
  /** The Config item the failed evaluation was about. */
  eventId?: string;
  /** How many times it was re-driven (`replay --failed`). */
  replays?: number;
}

/** A drift-record transition told on the incident's timeline. */
export type IncidentNoteTransition = 'held' | 'suspicious' | 'backport_opened' | 'backport_merged' | 'reverted';

export interface IncidentNoteState {
  transition: IncidentNoteTransition;
  provider: IncidentProvider;
  incidentId: string;
  status: 'posted' | 'failed';
  /** When it was posted, or when it failed for good (ISO). */
  at: string;
  attempts: number;
  /** Why it failed (never a secret). */
  error?: string;
  /** The note's id at the provider, when it gives one. */
  noteId?: string;
}

export interface DriftApproval {
  action: 'approve' | 'adopt' | 'reject';
  /** The token's name. */
  by: string;
  /** The token's identity (e.g. alice@example.com), when configured. */
  identity?: string;
  comment: string;
  at: string;
  /** An approval must be used (the revert started) before this time, or it lapses. */
  expiresAt?: string;
  /** Set when it lapsed unused. */
  lapsedAt?: string;
}

export interface DriftResource {
  /** CloudFormation-style type, e.g. `AWS::EC2::SecurityGroup`. */
  type: string;
  /** The resource kind that handles the type (DESIGN §5), e.g. `security-group`; absent for a type no kind handles. */
  kind?: string;
  /** The AWS id, e.g. `sg-0abc1234def567890`. */
  id: string;
  account: string;
  region: string;
  /** Terraform address, e.g. `module.net.aws_security_group.workers`. */
  address?: string;
  /** Name of the configured stack that owns it. */
  stack?: string;
}

export interface DriftDecision {
  action: DecisionAction;
  /** 1-6, or null for a pre-check ignore (unsupported, unmanaged, exception, ignore tag). */
  rule: DecisionRule | null;
  reason: string;
  /** Set when policies (`policies.files`) made the table's decision stricter: which ones, and from what to what. */
  policy?: DecisionPolicy;
}

export interface DriftPrincipal {
  /** `userIdentity.arn` of the call that made the change; null when still unknown. */
  arn: string | null;
  class: PrincipalClass;
  /** Session name of an assumed role (normally the human). */
  session?: string;
}

// ---------------------------------------------------------------------------------------------
// Diff
// ---------------------------------------------------------------------------------------------

/** A difference in a plain attribute (name, description, tags, …), informative only. */
export interface AttributeDifference {
  /** Dotted path, e.g. `tags.Owner`. */
  path: string;
  /** Absent on one side: null. */
  live: JsonValue;
  desired: JsonValue;
}

/**
 * Live vs desired (the Terraform state), in the resource kind's own shape. The pipeline reads
 * only `equal`; the record's kind (`resource.kind`) reads the rest through its own type (the
 * security-group kind: `extra`/`missing` rules, `securityGroupDiff()`).
 */
export interface DriftDiff {
  equal: boolean;
  /** Plain attributes that differ (name, description, tags, …), informative only. */
  attributes?: AttributeDifference[];
}

// ---------------------------------------------------------------------------------------------
// Evidence
// ---------------------------------------------------------------------------------------------

/**
 * Where an incident comes from: a polled provider (`pagerduty`, `opsgenie`, `jsm` for Jira
 * Service Management, `incidentio`), or a signed generic webhook source configured under
 * `incidents.webhook.sources.<name>` (`webhook.<name>`).
 */
export type IncidentProvider = 'pagerduty' | 'opsgenie' | 'jsm' | 'incidentio' | WebhookIncidentProvider;

/** A generic webhook source (`incidents.webhook.sources.<name>`), e.g. `webhook.firehydrant`. */
export type WebhookIncidentProvider = `webhook.${string}`;

/** The provider name of a generic webhook source. */
export function webhookIncidentProvider(source: string): WebhookIncidentProvider {
  return `webhook.${source}`;
}

export interface IncidentRef {
  provider: IncidentProvider;
  id: string;
  number?: number;
  title: string;
  url?: string;
  status: string;
  priority?: string;
  urgency?: string;
  service?: string;
  /** The provider's `created_at` (ISO): the incident freezes from then. */
  createdAt: string;
  resolvedAt?: string;
}

export interface ProviderHealth {
  ok: boolean;
  /** When the last successful snapshot was taken (ISO); null if never. */
  fetchedAt: string | null;
  error?: string;
}

/** The incident snapshot the decision saw. */
export interface IncidentSnapshotEvidence {
  /** When the snapshot was taken (ISO). */
  takenAt: string;
  providers: Partial<Record<IncidentProvider, ProviderHealth>>;
  /** The major incidents that covered the resource. */
  incidents: IncidentRef[];
}

/** One freeze source as in `GET /v1/freeze`. */
export interface FreezeSourceSnapshot {
  id: string;
  type: FreezeSourceType;
  reason: string;
  scope?: Scope;
  since: string;
  until: string | null;
  actor?: string;
  incident?: Pick<IncidentRef, 'provider' | 'id' | 'number' | 'title' | 'url'>;
}

export interface FreezeEvidence {
  now: { frozen: boolean; sources: FreezeSourceSnapshot[] };
  atChange: {
    declared: boolean;
    unknown: boolean;
    withinLookback: boolean;
    sources: FreezeSourceSnapshot[];
  };
}

/** One cloud or GitHub API call made for this drift, with its result. */
export interface ApiCallRecord {
  /** e.g. `ec2`, `github`. */
  service: string;
  /** e.g. `RevokeSecurityGroupIngress`, `pulls.create`. */
  operation: string;
  request: JsonObject;
  response?: JsonValue;
  error?: { code: string; message: string };
  /** When the call was issued (ISO). */
  at: string;
}

/**
 * The state read back after a remediation. The kind's executor adds what it read (the
 * security-group kind: the group's `rules` now, and what `remaining` still differs).
 */
export interface AfterStateEvidence {
  /** When it was read (ISO). */
  at: string;
  /** How, e.g. `ec2:DescribeSecurityGroupRules`. */
  source: string;
  /** The live state now matches what the remediation aimed for. */
  verified: boolean;
}

export interface DriftEvidence {
  /** Internal event ids (Config items, CloudTrail events) this decision was made from. */
  eventIds: string[];
  /** Of the Config item decided on; null when Config did not send one. */
  configurationStateId: number | null;
  /** `configurationItemCaptureTime` of that item (ISO). */
  captureTime: string;
  /** The CloudTrail event that attributed the change. */
  cloudTrailEventId?: string;
  incidentSnapshot?: IncidentSnapshotEvidence;
  freeze?: FreezeEvidence;
  /** The rule that matched (same as `decision.rule`). */
  rule: DecisionRule | null;
  apiCalls: ApiCallRecord[];
  afterState?: AfterStateEvidence;
  /** The normalised event the decision was made on. */
  event?: JsonObject;
  /** Plain-English explanation of the diff and its exposure effect. */
  explanations?: string[];
  /** Items of the same resource that this decision superseded (bursts coalesce, latest wins). */
  coalescedEventIds?: string[];
  /** How the principal was found: a CloudTrail event on the ingest paths, a LookupEvents call, or not at all. */
  attributionSource?: string;
  /** The desired state decided against: the stack, address, the state's serial and lineage, and the kind's desired attributes. */
  desiredState?: DesiredStateEvidence;
  /** AWS Config rule evaluations of the resource while the drift was open (newest last, at most 20). */
  compliance?: ComplianceEvidence[];
}

export interface DesiredStateEvidence {
  stack: string;
  address: string;
  serial?: number;
  lineage?: string;
  attributes: JsonObject;
}

export interface ComplianceEvidence {
  rule: string;
  compliance: string;
  previous: string | null;
  /** The evaluation's ordering timestamp (ISO). */
  at: string;
  eventId: string;
}

export interface LinkRef {
  url: string;
  number?: number;
}

export interface DriftLinks {
  /** The backport pull request; `merged` once GitHub says so (the codified differences are in the code). */
  pullRequest?: LinkRef & {
    repo?: string;
    branch?: string;
    merged?: boolean;
    /** Set while the pull request is open longer than `backport.expiryDays`: from when (the record is flagged `overdue`). */
    overdueSince?: string;
  };
  /** The issue opened when the code could not be edited safely. */
  issue?: LinkRef & { repo?: string };
  incident?: Pick<IncidentRef, 'provider' | 'id' | 'number' | 'title'> & { url?: string };
}
