/**
 * One function turns every delivery (HTTP body, SQS body, JSON-lines line) into internal events.
 * The envelope shape is detected from the content, never assumed from the transport
 * (CONTRACTS §A7). Never throws: bad input comes back as problems with JSON paths.
 */
import type {
  CloudTrailEvent,
  ComplianceEvent,
  ConfigItemEvent,
  Delivery,
  DeliveryShape,
  InternalEvent,
  JsonValue,
  Problem,
  PropertyChange,
  ResourceRef,
  Transport,
} from '@driftwarden/domain';
import {
  ACCOUNT_ID_EXPECTED,
  CONFIG_GLOBAL_REGION,
  REGION_EXPECTED,
  RESOURCE_TYPE_EXPECTED,
  arnProblem,
  isAccountId,
  isDeletedStatus,
  isRegion,
  isResourceType,
  resourceIdProblem,
} from '@driftwarden/domain';
import type { z } from 'zod';
import { CALL_ID_TYPES, principalFromUserIdentity, resourceIdsInCall } from './cloudtrail';
import { kindResourceIdsInCall } from './cloudtrail-kind-ids';
import { cloudTrailEventId, complianceEventId, configItemEventId } from './event-ids';
import { parseJson } from './json';
import { describeValue, prefixProblems, problem, zodErrorToProblems } from './problems';
import {
  cloudTrailRecordSchema,
  complianceNotificationSchema,
  configItemChangeNotificationSchema,
  eventBridgeEnvelopeSchema,
  isPlainObject,
  oversizedNotificationSchema,
  snsEnvelopeSchema,
  type propertyDiffSchema,
} from './schemas';

export type NormalizeResult = { ok: true; events: InternalEvent[] } | { ok: false; problems: Problem[] };

export interface NormalizeContext {
  transport: Transport;
  /** When the delivery was received (ISO); defaults to now. */
  receivedAt?: string;
}

export const DETAIL_TYPES = {
  configItemChange: 'Config Configuration Item Change',
  complianceChange: 'Config Rules Compliance Change',
  apiCallViaCloudTrail: 'AWS API Call via CloudTrail',
} as const;

export const CONFIG_ITEM_MESSAGE_TYPES = ['ConfigurationItemChangeNotification', 'OversizedConfigurationItemChangeNotification'] as const;
export const COMPLIANCE_MESSAGE_TYPE = 'ComplianceChangeNotification';

const ACCEPTED_DETAIL_TYPES = Object.values(DETAIL_TYPES);

type Result<T> = { ok: true; value: T } | { ok: false; problems: Problem[] };
const fail = <T>(problems: Problem[]): Result<T> => ({ ok: false, problems });
const succeed = <T>(value: T): Result<T> => ({ ok: true, value });

/** What an enclosing EventBridge envelope offers as fallback for account and region. */
interface Envelope {
  account?: string;
  region?: string;
}

interface DeliveryBase {
  transport: Transport;
  receivedAt: string;
}

/**
 * Normalises one delivery: a string (SQS body, JSON-lines line, HTTP text; a leading BOM is
 * ignored), UTF-8 bytes, a parsed object, or an array of events (HTTP). All elements of an array
 * must be valid, or the whole delivery is rejected with every problem, prefixed `[i]`.
 */
export function normalizeDelivery(raw: unknown, ctx: NormalizeContext): NormalizeResult {
  const base: DeliveryBase = { transport: ctx.transport, receivedAt: ctx.receivedAt ?? new Date().toISOString() };

  let value = raw;
  let text: string | undefined = typeof raw === 'string' ? raw : undefined;
  if (raw instanceof Uint8Array) {
    // A raw HTTP body or file chunk: decode strictly, so mojibake is reported rather than parsed.
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      return { ok: false, problems: [problem('', 'expected UTF-8 encoded JSON, got bytes that are not valid UTF-8')] };
    }
  }
  if (text !== undefined) {
    const parsed = parseJson(text.startsWith('\uFEFF') ? text.slice(1) : text);
    if (!parsed.ok) return { ok: false, problems: [problem('', parsed.message)] };
    value = parsed.value;
  }

  if (Array.isArray(value)) {
    if (value.length === 0) {
      return { ok: false, problems: [problem('', 'expected at least one event, got an empty array')] };
    }
    const events: InternalEvent[] = [];
    const problems: Problem[] = [];
    value.forEach((element: unknown, i) => {
      const one = normalizeTopLevelObject(element, base);
      if (one.ok) events.push(one.value);
      else problems.push(...prefixProblems(`[${i}]`, one.problems));
    });
    return problems.length > 0 ? { ok: false, problems } : { ok: true, events };
  }

  const one = normalizeTopLevelObject(value, base);
  return one.ok ? { ok: true, events: [one.value] } : { ok: false, problems: one.problems };
}

// ---------------------------------------------------------------------------------------------
// Shape detection

type Shape = 'eventbridge' | 'sns' | 'sns-like' | 'legacy' | 'bare' | 'unknown';

const LEGACY_MARKERS = ['MessageVersion', 'NotificationCreateTime', 'configurationItems'] as const;

function legacyMarker(obj: Record<string, unknown>): string | null {
  for (const key of LEGACY_MARKERS) if (key in obj) return key;
  if (Array.isArray(obj['configurationItem'])) return 'configurationItem';
  return null;
}

function detectShape(obj: Record<string, unknown>): Shape {
  if ('detail-type' in obj) return 'eventbridge';
  if (obj['Type'] === 'Notification' && typeof obj['Message'] === 'string') return 'sns';
  if ('Type' in obj && ('Message' in obj || 'TopicArn' in obj)) return 'sns-like';
  if (legacyMarker(obj) !== null) return 'legacy';
  if ('messageType' in obj) return 'bare';
  return 'unknown';
}

const EXPECTED_SHAPES =
  'an EventBridge event (with "detail-type"), an SNS notification (Type "Notification" with a Message string) or a Config notification (with "messageType")';

function notAnObject(value: unknown): Problem {
  return problem('', `expected a JSON object: ${EXPECTED_SHAPES}; got ${describeValue(value)}`);
}

function unknownShape(obj: Record<string, unknown>): Problem {
  const keys = Object.keys(obj);
  const shown = keys
    .slice(0, 8)
    .map((k) => JSON.stringify(k))
    .join(', ');
  const found = keys.length === 0 ? 'an empty object' : `an object with keys ${shown}${keys.length > 8 ? ', …' : ''}`;
  return problem('', `unrecognised event shape: expected ${EXPECTED_SHAPES}; got ${found}`);
}

function legacyProblem(marker: string): Problem {
  return problem(
    marker,
    'this is the legacy 2014 AWS Config notification format (MessageVersion, NotificationCreateTime, ' +
      'configurationItems array), which is not supported; expected a current notification with ' +
      'recordVersion, notificationCreationTime and a single configurationItem object',
  );
}

function snsLikeProblems(obj: Record<string, unknown>): Problem[] {
  const problems: Problem[] = [];
  const type = obj['Type'];
  if (type !== 'Notification') {
    const hint =
      type === 'SubscriptionConfirmation' || type === 'UnsubscribeConfirmation'
        ? ' (an SNS subscription message is not an event: confirm the subscription with its SubscribeURL)'
        : '';
    problems.push(problem('Type', `expected "Notification", got ${describeValue(type)}${hint}`));
  }
  const message = obj['Message'];
  if (typeof message !== 'string') {
    const hint = isPlainObject(message)
      ? ' (SNS sends Message as a JSON string; AWS documentation prints it as an object for readability)'
      : '';
    problems.push(problem('Message', `expected a string holding JSON, got ${describeValue(message)}${hint}`));
  }
  return problems;
}

function delivery(base: DeliveryBase, shape: DeliveryShape, envelopeId: string | null | undefined): Delivery {
  const d: Delivery = { transport: base.transport, shape, receivedAt: base.receivedAt };
  if (envelopeId) d.envelopeId = envelopeId;
  return d;
}

function normalizeTopLevelObject(value: unknown, base: DeliveryBase): Result<InternalEvent> {
  if (!isPlainObject(value)) return fail([notAnObject(value)]);
  switch (detectShape(value)) {
    case 'eventbridge':
      return fromEventBridge(value, (id) => delivery(base, 'eventbridge', id));
    case 'sns':
      return fromSns(value, base);
    case 'sns-like':
      return fail(snsLikeProblems(value));
    case 'legacy':
      return fail([legacyProblem(legacyMarker(value) ?? '')]);
    case 'bare':
      return fromBareNotification(value, {}, delivery(base, 'bare', undefined));
    case 'unknown':
      return fail([unknownShape(value)]);
  }
}

function fromSns(obj: Record<string, unknown>, base: DeliveryBase): Result<InternalEvent> {
  const envelope = snsEnvelopeSchema.safeParse(obj, { reportInput: true });
  if (!envelope.success) return fail(zodErrorToProblems(envelope.error));
  const messageId = envelope.data.MessageId;

  const parsed = parseJson(envelope.data.Message);
  if (!parsed.ok) return fail([problem('Message', `${parsed.message} (SNS Message must hold a JSON document)`)]);
  const inner = parsed.value;
  if (!isPlainObject(inner)) return fail([{ ...notAnObject(inner), path: 'Message' }]);

  let result: Result<InternalEvent>;
  switch (detectShape(inner)) {
    case 'eventbridge':
      // Prefer the EventBridge id: it is the same whichever way the event travelled afterwards.
      result = fromEventBridge(inner, (id) => delivery(base, 'sns', id ?? messageId));
      break;
    case 'bare':
      result = fromBareNotification(inner, {}, delivery(base, 'sns', messageId));
      break;
    case 'legacy':
      result = fail([legacyProblem(legacyMarker(inner) ?? '')]);
      break;
    case 'sns':
    case 'sns-like':
      result = fail([problem('', 'expected an EventBridge event or a Config notification, got an SNS envelope nested in an SNS Message')]);
      break;
    case 'unknown':
      result = fail([unknownShape(inner)]);
      break;
  }
  return result.ok ? result : fail(prefixProblems('Message', result.problems));
}

function fromEventBridge(
  obj: Record<string, unknown>,
  makeDelivery: (envelopeId: string | null | undefined) => Delivery,
): Result<InternalEvent> {
  const parsed = eventBridgeEnvelopeSchema.safeParse(obj, { reportInput: true });
  if (!parsed.success) return fail(zodErrorToProblems(parsed.error));
  const env = parsed.data;
  const envelopeProblems = [...accountProblems(env.account, 'account'), ...regionProblems(env.region, 'region', false)];
  if (envelopeProblems.length > 0) return fail(envelopeProblems);
  const envelope: Envelope = { account: env.account ?? undefined, region: env.region ?? undefined };
  const d = makeDelivery(env.id);
  const detail = env.detail;

  let result: Result<InternalEvent>;
  switch (env['detail-type']) {
    case DETAIL_TYPES.configItemChange: {
      const marker = legacyMarker(detail);
      if (marker !== null) result = fail([legacyProblem(marker)]);
      else if (!isOneOf(detail['messageType'], CONFIG_ITEM_MESSAGE_TYPES)) {
        result = fail([messageTypeProblem(detail['messageType'], CONFIG_ITEM_MESSAGE_TYPES)]);
      } else result = fromConfigItemNotification(detail, envelope, d);
      break;
    }
    case DETAIL_TYPES.complianceChange:
      result = fromComplianceNotification(detail, envelope, d);
      break;
    case DETAIL_TYPES.apiCallViaCloudTrail:
      result = fromCloudTrailRecord(detail, envelope, d);
      break;
    default:
      return fail([
        problem(
          'detail-type',
          `expected one of ${ACCEPTED_DETAIL_TYPES.map((t) => JSON.stringify(t)).join(', ')}, got ${describeValue(env['detail-type'])}`,
        ),
      ]);
  }
  return result.ok ? result : fail(prefixProblems('detail', result.problems));
}

function isOneOf<T extends string>(value: unknown, allowed: readonly T[]): value is T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value);
}

function messageTypeProblem(found: unknown, allowed: readonly string[]): Problem {
  return problem('messageType', `expected one of ${allowed.map((t) => JSON.stringify(t)).join(', ')}, got ${describeValue(found)}`);
}

const BARE_MESSAGE_TYPES = [...CONFIG_ITEM_MESSAGE_TYPES, COMPLIANCE_MESSAGE_TYPE] as const;

function fromBareNotification(obj: Record<string, unknown>, envelope: Envelope, d: Delivery): Result<InternalEvent> {
  const messageType = obj['messageType'];
  if (isOneOf(messageType, CONFIG_ITEM_MESSAGE_TYPES)) return fromConfigItemNotification(obj, envelope, d);
  if (messageType === COMPLIANCE_MESSAGE_TYPE) return fromComplianceNotification(obj, envelope, d);
  return fail([messageTypeProblem(messageType, BARE_MESSAGE_TYPES)]);
}

// ---------------------------------------------------------------------------------------------
// Builders

function parseWith<S extends z.ZodType>(schema: S, value: unknown): Result<z.output<S>> {
  const parsed = schema.safeParse(value, { reportInput: true });
  return parsed.success ? succeed(parsed.data) : fail(zodErrorToProblems(parsed.error));
}

function toIso(timestamp: string): string {
  return new Date(timestamp).toISOString();
}

// ---------------------------------------------------------------------------------------------
// Identifiers: they become Redis keys, log fields and AWS client settings, so they are checked
// here, at the edge, with the rules of libs/domain (aws/identifiers.ts).

function accountProblems(account: string | null | undefined, path: string): Problem[] {
  return account == null || isAccountId(account) ? [] : [problem(path, `expected ${ACCOUNT_ID_EXPECTED}, got ${describeValue(account)}`)];
}

/** `global`: how Config names the region of a global resource (IAM); never in CloudTrail or an envelope. */
function regionProblems(region: string | null | undefined, path: string, configItem: boolean): Problem[] {
  if (region == null || isRegion(region) || (configItem && region === CONFIG_GLOBAL_REGION)) return [];
  return [problem(path, `expected ${REGION_EXPECTED}${configItem ? ' or "global"' : ''}, got ${describeValue(region)}`)];
}

/** The resource type and id (and ARN, when given) of an item, each at its path under `at`. */
function resourceProblems(r: { resourceType: string; resourceId: string; ARN?: string | null }, at: string): Problem[] {
  const path = (field: string) => (at ? `${at}.${field}` : field);
  if (!isResourceType(r.resourceType))
    return [problem(path('resourceType'), `expected ${RESOURCE_TYPE_EXPECTED}, got ${describeValue(r.resourceType)}`)];
  const problems: Problem[] = [];
  const id = resourceIdProblem(r.resourceType, r.resourceId);
  if (id) problems.push(problem(path('resourceId'), `${id}, got ${describeValue(r.resourceId)}`));
  const arn = r.ARN ? arnProblem(r.ARN) : null;
  if (arn) problems.push(problem(path('ARN'), `${arn}, got ${describeValue(r.ARN)}`));
  return problems;
}

/** Account and region from the payload, else from the EventBridge envelope, else a problem. */
function resolveLocation(
  account: string | null | undefined,
  region: string | null | undefined,
  envelope: Envelope,
  paths: { account: string; region: string },
  opts: { configItem: boolean } = { configItem: true },
): Result<{ account: string; region: string }> {
  const a = account ?? envelope.account;
  const r = region ?? envelope.region;
  const problems: Problem[] = [...accountProblems(account, paths.account), ...regionProblems(region, paths.region, opts.configItem)];
  const missing = (field: string): string =>
    `expected string, got nothing (the field is missing and there is no envelope "${field}" to fall back on)`;
  if (!a) problems.push(problem(paths.account, missing('account')));
  if (!r) problems.push(problem(paths.region, missing('region')));
  return a && r && problems.length === 0 ? succeed({ account: a, region: r }) : fail(problems);
}

/** A configurationStateId of 0 (seen in AWS's oversized sample) carries no order: treat it as absent. */
function usableStateId(id: number | null | undefined): number | undefined {
  return typeof id === 'number' && id > 0 ? id : undefined;
}

function fromConfigItemNotification(obj: Record<string, unknown>, envelope: Envelope, d: Delivery): Result<ConfigItemEvent> {
  if (obj['messageType'] === 'OversizedConfigurationItemChangeNotification') {
    const parsed = parseWith(oversizedNotificationSchema, obj);
    if (!parsed.ok) return parsed;
    const s = parsed.value.configurationItemSummary;
    const loc = resolveLocation(s.awsAccountId, s.awsRegion, envelope, {
      account: 'configurationItemSummary.awsAccountId',
      region: 'configurationItemSummary.awsRegion',
    });
    const bad = [...(loc.ok ? [] : loc.problems), ...resourceProblems(s, 'configurationItemSummary')];
    if (!loc.ok || bad.length > 0) return fail(bad);
    const resource = resourceRef(s.resourceType, s.resourceId, loc.value, s.ARN, s.resourceName);
    const stateId = usableStateId(s.configurationStateId);
    const order = stateId ?? Date.parse(s.configurationItemCaptureTime);
    const event: ConfigItemEvent = {
      kind: 'config_item',
      eventId: configItemEventId(resource, order),
      resource,
      captureTime: toIso(s.configurationItemCaptureTime),
      order,
      status: s.configurationItemStatus,
      changeType: s.changeType ?? (isDeletedStatus(s.configurationItemStatus) ? 'DELETE' : null),
      tags: {},
      configuration: null,
      oversized: { s3BucketLocation: parsed.value.s3DeliverySummary?.s3BucketLocation ?? null },
      changedProperties: [],
      delivery: d,
    };
    if (stateId !== undefined) event.configurationStateId = stateId;
    return succeed(event);
  }

  const parsed = parseWith(configItemChangeNotificationSchema, obj);
  if (!parsed.ok) return parsed;
  const ci = parsed.value.configurationItem;
  const diff = parsed.value.configurationItemDiff;
  const loc = resolveLocation(ci.awsAccountId, ci.awsRegion, envelope, {
    account: 'configurationItem.awsAccountId',
    region: 'configurationItem.awsRegion',
  });
  const bad = [...(loc.ok ? [] : loc.problems), ...resourceProblems(ci, 'configurationItem')];
  if (!loc.ok || bad.length > 0) return fail(bad);
  const resource = resourceRef(ci.resourceType, ci.resourceId, loc.value, ci.ARN, ci.resourceName);
  const stateId = usableStateId(ci.configurationStateId);
  const order = stateId ?? Date.parse(ci.configurationItemCaptureTime);
  const event: ConfigItemEvent = {
    kind: 'config_item',
    eventId: configItemEventId(resource, order),
    resource,
    captureTime: toIso(ci.configurationItemCaptureTime),
    order,
    status: ci.configurationItemStatus,
    // A deleted item sometimes comes with `configurationItemDiff: null` [obs]: still a DELETE.
    changeType: diff?.changeType ?? (isDeletedStatus(ci.configurationItemStatus) ? 'DELETE' : null),
    tags: ci.tags ?? {},
    configuration: ci.configuration ?? null,
    changedProperties: Object.keys(diff?.changedProperties ?? {}),
    delivery: d,
  };
  if (diff?.changedProperties) event.propertyChanges = propertyChangesOf(diff.changedProperties);
  if (stateId !== undefined) event.configurationStateId = stateId;
  // Kept when it says something (an S3 bucket's public access block lives there); `{}` says nothing.
  if (ci.supplementaryConfiguration && Object.keys(ci.supplementaryConfiguration).length > 0)
    event.supplementaryConfiguration = ci.supplementaryConfiguration;
  return succeed(event);
}

function resourceRef(
  type: string,
  id: string,
  loc: { account: string; region: string },
  arn: string | null | undefined,
  name: string | null | undefined,
): ResourceRef {
  const ref: ResourceRef = { type, id, account: loc.account, region: loc.region, name: name ?? null };
  if (arn) ref.arn = arn;
  return ref;
}

function fromComplianceNotification(obj: Record<string, unknown>, envelope: Envelope, d: Delivery): Result<ComplianceEvent> {
  const parsed = parseWith(complianceNotificationSchema, obj);
  if (!parsed.ok) return parsed;
  const n = parsed.value;
  const loc = resolveLocation(n.awsAccountId, n.awsRegion, envelope, { account: 'awsAccountId', region: 'awsRegion' });
  const bad = [...(loc.ok ? [] : loc.problems), ...resourceProblems(n, '')];
  if (!loc.ok || bad.length > 0) return fail(bad);
  const ordering = n.newEvaluationResult.evaluationResultIdentifier?.orderingTimestamp ?? n.newEvaluationResult.resultRecordedTime;
  if (!ordering) {
    return fail([
      problem(
        'newEvaluationResult.evaluationResultIdentifier.orderingTimestamp',
        'expected an ISO 8601 date-time (or newEvaluationResult.resultRecordedTime), got nothing (the field is missing)',
      ),
    ]);
  }
  const resource: ResourceRef = { type: n.resourceType, id: n.resourceId, account: loc.value.account, region: loc.value.region };
  const orderingTimestamp = toIso(ordering);
  const compliance = n.newEvaluationResult.complianceType;
  return succeed({
    kind: 'compliance',
    eventId: complianceEventId(resource, n.configRuleName, orderingTimestamp, compliance),
    resource,
    ruleName: n.configRuleName,
    compliance,
    previousCompliance: n.oldEvaluationResult?.complianceType ?? null,
    orderingTimestamp,
    delivery: d,
  });
}

function fromCloudTrailRecord(obj: Record<string, unknown>, envelope: Envelope, d: Delivery): Result<CloudTrailEvent> {
  const parsed = parseWith(cloudTrailRecordSchema, obj);
  if (!parsed.ok) return parsed;
  const r = parsed.value;
  const loc = resolveLocation(
    r.recipientAccountId,
    r.awsRegion,
    envelope,
    { account: 'recipientAccountId', region: 'awsRegion' },
    { configItem: false },
  );
  const requestParameters = r.requestParameters ?? null;
  const responseElements = r.responseElements ?? null;
  // The ids a call names are keys of the attribution store. A failed call (errorCode) records
  // the parameters as the caller sent them: its malformed ids name nothing and are dropped; a
  // call that succeeded names real resources, so a malformed id there is bad input.
  const ids: string[] = [];
  const idProblems: Problem[] = [];
  const named = [
    ...resourceIdsInCall(requestParameters, responseElements).map((f) => ({
      ...f,
      type: f.kind === 'other' ? null : CALL_ID_TYPES[f.kind],
    })),
    ...kindResourceIdsInCall(r.eventSource, requestParameters),
  ];
  for (const found of named) {
    if (found.type === null) {
      // Only well-formed ids are taken (EC2_STYLE_ID): nothing to refuse.
      if (!ids.includes(found.id)) ids.push(found.id);
      continue;
    }
    const why = resourceIdProblem(found.type, found.id);
    if (!why) {
      if (!ids.includes(found.id)) ids.push(found.id);
    } else if (!r.errorCode) idProblems.push(problem(found.path, `${why}, got ${describeValue(found.id)}`));
  }
  const bad = [...(loc.ok ? [] : loc.problems), ...idProblems];
  if (!loc.ok || bad.length > 0) return fail(bad);
  const event: CloudTrailEvent = {
    kind: 'cloudtrail',
    eventId: cloudTrailEventId(r.eventID),
    eventName: r.eventName,
    eventSource: r.eventSource,
    eventTime: toIso(r.eventTime),
    account: loc.value.account,
    region: loc.value.region,
    resourceIds: ids,
    principal: principalFromUserIdentity(r.userIdentity),
    requestParameters,
    responseElements,
    delivery: d,
  };
  if (r.errorCode) event.errorCode = r.errorCode;
  if (r.errorMessage) event.errorMessage = r.errorMessage;
  if (r.sourceIPAddress) event.sourceIPAddress = r.sourceIPAddress;
  if (r.userAgent) event.userAgent = r.userAgent;
  return succeed(event);
}

/**
 * `configurationItemDiff.changedProperties` as PropertyChanges: absent values become null, and a
 * missing entry `changeType` is read from which side is null (CREATE: nothing before; DELETE:
 * nothing after).
 */
export function propertyChangesOf(changed: Record<string, z.output<typeof propertyDiffSchema>>): Record<string, PropertyChange> {
  const out: Record<string, PropertyChange> = {};
  for (const [key, entry] of Object.entries(changed)) {
    const previousValue = (entry.previousValue ?? null) as JsonValue;
    const updatedValue = (entry.updatedValue ?? null) as JsonValue;
    const changeType = entry.changeType ?? (previousValue === null ? 'CREATE' : updatedValue === null ? 'DELETE' : 'UPDATE');
    out[key] = { previousValue, updatedValue, changeType };
  }
  return out;
}
