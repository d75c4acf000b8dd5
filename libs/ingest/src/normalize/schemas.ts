/**
 * zod 4 schemas for the delivery shapes of CONTRACTS.md §A. Lenient on fields we do not use
 * (`looseObject` keeps unknown keys and never rejects them), strict on the fields we do use.
 * Objects that are passed through untouched (`configuration`, `requestParameters`, …) are checked
 * to be plain objects but not copied, so they reach the event exactly as sent.
 */
import { z } from 'zod';

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON object, passed through by reference. */
export const jsonObject = z.custom<Record<string, unknown>>(isPlainObject, { message: 'expected object' });

/** ISO 8601 date-time with `Z` or an offset (Config and CloudTrail send `Z`). */
export const isoDateTime = z.iso.datetime({ offset: true });

const nonEmpty = z.string().min(1);

export const CONFIG_ITEM_STATUSES = [
  'OK',
  'ResourceDiscovered',
  'ResourceNotRecorded',
  'ResourceDeleted',
  'ResourceDeletedNotRecorded',
] as const;
export const CHANGE_TYPES = ['CREATE', 'UPDATE', 'DELETE'] as const;
export const COMPLIANCE_TYPES = ['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE', 'INSUFFICIENT_DATA'] as const;

// ---------------------------------------------------------------------------------------------
// Envelopes

export const eventBridgeEnvelopeSchema = z.looseObject({
  'detail-type': z.string(),
  id: nonEmpty.nullish(),
  account: nonEmpty.nullish(),
  region: nonEmpty.nullish(),
  detail: jsonObject,
});
export type EventBridgeEnvelope = z.infer<typeof eventBridgeEnvelopeSchema>;

export const snsEnvelopeSchema = z.looseObject({
  Type: z.literal('Notification'),
  MessageId: nonEmpty.nullish(),
  Message: z.string(),
});

// ---------------------------------------------------------------------------------------------
// Config configuration item change (CONTRACTS §A2, §A3, §A6)

const configurationStateId = z.number().int().nonnegative();

export const configurationItemSchema = z.looseObject({
  configurationItemCaptureTime: isoDateTime,
  configurationStateId: configurationStateId.nullish(),
  awsAccountId: nonEmpty.nullish(),
  awsRegion: nonEmpty.nullish(),
  configurationItemStatus: z.enum(CONFIG_ITEM_STATUSES),
  resourceType: nonEmpty,
  resourceId: nonEmpty,
  resourceName: z.string().nullish(),
  ARN: z.string().nullish(),
  /** The CI-level tag map (the SG `configuration.tags` is an array; that one stays in configuration). */
  tags: z.record(z.string(), z.string()).nullish(),
  configuration: jsonObject.nullish(),
  supplementaryConfiguration: jsonObject.nullish(),
});
export type ConfigurationItem = z.infer<typeof configurationItemSchema>;

/** One `changedProperties` entry (CONTRACTS §A2 PropDiff); the values are any JSON, passed through. */
export const propertyDiffSchema = z.looseObject({
  previousValue: z.unknown().optional(),
  updatedValue: z.unknown().optional(),
  changeType: z.enum(CHANGE_TYPES).nullish(),
});

export const configurationItemDiffSchema = z.looseObject({
  changeType: z.enum(CHANGE_TYPES),
  changedProperties: z.record(z.string(), propertyDiffSchema).nullish(),
});

export const configItemChangeNotificationSchema = z.looseObject({
  messageType: z.literal('ConfigurationItemChangeNotification'),
  configurationItem: configurationItemSchema,
  configurationItemDiff: configurationItemDiffSchema.nullish(),
});

export const configurationItemSummarySchema = z.looseObject({
  changeType: z.enum(CHANGE_TYPES).nullish(),
  configurationItemCaptureTime: isoDateTime,
  configurationStateId: configurationStateId.nullish(),
  awsAccountId: nonEmpty.nullish(),
  awsRegion: nonEmpty.nullish(),
  configurationItemStatus: z.enum(CONFIG_ITEM_STATUSES),
  resourceType: nonEmpty,
  resourceId: nonEmpty,
  resourceName: z.string().nullish(),
  ARN: z.string().nullish(),
});

export const oversizedNotificationSchema = z.looseObject({
  messageType: z.literal('OversizedConfigurationItemChangeNotification'),
  configurationItemSummary: configurationItemSummarySchema,
  s3DeliverySummary: z.looseObject({ s3BucketLocation: nonEmpty.nullish() }).nullish(),
});

// ---------------------------------------------------------------------------------------------
// Config rules compliance change (CONTRACTS §A5)

const evaluationResultSchema = z.looseObject({
  evaluationResultIdentifier: z.looseObject({ orderingTimestamp: isoDateTime.nullish() }).nullish(),
  complianceType: z.enum(COMPLIANCE_TYPES),
  resultRecordedTime: isoDateTime.nullish(),
});

export const complianceNotificationSchema = z.looseObject({
  messageType: z.literal('ComplianceChangeNotification'),
  awsAccountId: nonEmpty.nullish(),
  awsRegion: nonEmpty.nullish(),
  configRuleName: nonEmpty,
  resourceType: nonEmpty,
  resourceId: nonEmpty,
  newEvaluationResult: evaluationResultSchema,
  oldEvaluationResult: z.looseObject({ complianceType: z.enum(COMPLIANCE_TYPES) }).nullish(),
});

// ---------------------------------------------------------------------------------------------
// AWS API Call via CloudTrail (CONTRACTS §A8)

const optionalString = z.string().nullish();

export const userIdentitySchema = z.looseObject({
  type: nonEmpty,
  arn: optionalString,
  accountId: optionalString,
  userName: optionalString,
  accessKeyId: optionalString,
  invokedBy: optionalString,
  sessionContext: z.looseObject({ sessionIssuer: z.looseObject({ userName: optionalString }).nullish() }).nullish(),
});
export type UserIdentity = z.infer<typeof userIdentitySchema>;

export const cloudTrailRecordSchema = z.looseObject({
  eventID: nonEmpty,
  eventName: nonEmpty,
  eventSource: nonEmpty,
  eventTime: isoDateTime,
  awsRegion: nonEmpty.nullish(),
  recipientAccountId: nonEmpty.nullish(),
  userIdentity: userIdentitySchema,
  requestParameters: jsonObject.nullish(),
  responseElements: jsonObject.nullish(),
  errorCode: optionalString,
  errorMessage: optionalString,
  sourceIPAddress: optionalString,
  userAgent: optionalString,
});
export type CloudTrailRecord = z.infer<typeof cloudTrailRecordSchema>;
