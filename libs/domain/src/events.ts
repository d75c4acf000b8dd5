import type { JsonValue } from './drift/drift-record';

/**
 * The one internal event type every delivery path (HTTP, SQS, JSON-lines replay) produces.
 * Pure data: no SDK types, no I/O.
 */

/** A problem with an input, named by the JSON path where it was found. */
export interface Problem {
  /** Dotted JSON path with array indexes, e.g. `detail.configurationItem.resourceId` or `[2].detail`. */
  path: string;
  /** What was expected and what was found. */
  message: string;
}

/** How an item arrived; `reconcile`: read from the live resource by the reconciling sweep (no event was seen). */
export type Transport = 'http' | 'sqs' | 'replay' | 'reconcile';

/** The envelope shape that was detected (never assumed from the transport). */
export type DeliveryShape =
  | 'eventbridge' // EventBridge event object (detail is an object)
  | 'sns' // SNS envelope whose Message string holds an EventBridge event or a bare notification
  | 'bare' // a bare Config notification (messageType at the top level)
  | 'live'; // no envelope: the reconciling sweep read the resource's live configuration

export interface Delivery {
  transport: Transport;
  shape: DeliveryShape;
  /** EventBridge `id` or SNS `MessageId`, when there is one. */
  envelopeId?: string;
  /** When driftwarden received it (ISO). */
  receivedAt: string;
}

export interface ResourceRef {
  /** CloudFormation-style type, e.g. `AWS::EC2::SecurityGroup`. */
  type: string;
  /** The AWS id, e.g. `sg-0abc1234def567890`. */
  id: string;
  account: string;
  region: string;
  arn?: string;
  name?: string | null;
}

export type ConfigItemStatus = 'OK' | 'ResourceDiscovered' | 'ResourceNotRecorded' | 'ResourceDeleted' | 'ResourceDeletedNotRecorded';

/** Whether a Config item says the resource is gone. */
export function isDeletedStatus(status: ConfigItemStatus): boolean {
  return status === 'ResourceDeleted' || status === 'ResourceDeletedNotRecorded';
}

export interface ConfigItemEvent {
  kind: 'config_item';
  /** Stable id derived from the resource and configurationStateId (or capture time): duplicates share it. */
  eventId: string;
  resource: ResourceRef;
  /** `configurationItemCaptureTime` (ISO). */
  captureTime: string;
  /** Monotonic order of items for one resource: configurationStateId, else capture time in ms. */
  order: number;
  configurationStateId?: number;
  status: ConfigItemStatus;
  changeType: 'CREATE' | 'UPDATE' | 'DELETE' | null;
  /** The CI-level tag map. */
  tags: Record<string, string>;
  /** Resource configuration (camelCase, as Config sends it); null when deleted or not yet fetched (oversized). */
  configuration: Record<string, unknown> | null;
  /**
   * The item's `supplementaryConfiguration` (e.g. an S3 bucket's PublicAccessBlockConfiguration), as
   * Config sent it: values may be objects or JSON strings. Absent when the item carried none.
   */
  supplementaryConfiguration?: Record<string, unknown>;
  /** Present for OversizedConfigurationItemChangeNotification: the configuration must be fetched. */
  oversized?: { s3BucketLocation: string | null };
  /** Keys of `configurationItemDiff.changedProperties` (a hint only). */
  changedProperties: string[];
  /**
   * `configurationItemDiff.changedProperties` itself, by key (PascalCase dotted paths with array
   * indexes, e.g. `Configuration.State.Name`, `SupplementaryConfiguration.BucketPolicy`): what the
   * `observed` kind reports for a type no kind models. Absent when Config sent no diff (an
   * oversized item not yet completed, a delete with `configurationItemDiff: null`).
   */
  propertyChanges?: Record<string, PropertyChange>;
  delivery: Delivery;
}

/** One entry of a Config item's `configurationItemDiff.changedProperties` (CONTRACTS §A2 PropDiff). */
export interface PropertyChange {
  /** Absent on a CREATE: null. */
  previousValue: JsonValue;
  /** Absent on a DELETE: null. */
  updatedValue: JsonValue;
  changeType: 'CREATE' | 'UPDATE' | 'DELETE';
}

export type ComplianceType = 'COMPLIANT' | 'NON_COMPLIANT' | 'NOT_APPLICABLE' | 'INSUFFICIENT_DATA';

/** "Config Rules Compliance Change": asks for a re-evaluation of the resource's latest item. */
export interface ComplianceEvent {
  kind: 'compliance';
  eventId: string;
  resource: ResourceRef;
  ruleName: string;
  compliance: ComplianceType;
  previousCompliance: ComplianceType | null;
  /** `newEvaluationResult.evaluationResultIdentifier.orderingTimestamp` or `resultRecordedTime` (ISO). */
  orderingTimestamp: string;
  delivery: Delivery;
}

export interface CloudTrailPrincipal {
  /** `userIdentity.type`: Root, IAMUser, AssumedRole, FederatedUser, AWSService, … */
  type: string;
  /** `userIdentity.arn` (absent for some AWS service calls). */
  arn: string | null;
  /** For an assumed role: the session name, the last segment of the arn (normally the human). */
  sessionName?: string;
  /** For an assumed role: `sessionContext.sessionIssuer.userName`; for an IAM user: `userName`. */
  roleName?: string;
  userName?: string;
  accessKeyId?: string;
  invokedBy?: string;
}

/** "AWS API Call via CloudTrail": kept for attribution. */
export interface CloudTrailEvent {
  kind: 'cloudtrail';
  /** CloudTrail `eventID`. */
  eventId: string;
  eventName: string;
  eventSource: string;
  /** `eventTime` (ISO): the time of the change. */
  eventTime: string;
  account: string;
  region: string;
  /** Resource ids the call touched (security group ids, rule ids), best effort. */
  resourceIds: string[];
  principal: CloudTrailPrincipal;
  requestParameters: Record<string, unknown> | null;
  responseElements: Record<string, unknown> | null;
  errorCode?: string;
  errorMessage?: string;
  sourceIPAddress?: string;
  userAgent?: string;
  delivery: Delivery;
}

export type InternalEvent = ConfigItemEvent | ComplianceEvent | CloudTrailEvent;

/** A key for one resource across accounts and regions. */
export function resourceKey(r: Pick<ResourceRef, 'account' | 'region' | 'type' | 'id'>): string {
  return `${r.account}/${r.region}/${r.type}/${r.id}`;
}
