/**
 * Test helpers: the sample events in examples/events/ (fresh copies, safe to mutate) and the
 * envelopes AWS wraps them in (CONTRACTS §A7).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const EXAMPLES = join(__dirname, '..', '..', '..', 'examples', 'events');

export type SampleName =
  | 'config-item-change'
  | 'config-item-deleted'
  | 'config-item-discovered'
  | 'config-item-oversized'
  | 'config-rules-compliance-change'
  | 'cloudtrail-authorize-ingress'
  | 'sns-config-item-change';

export type JsonObject = Record<string, unknown>;

/** The sample as a fresh object. */
export function sample(name: SampleName): JsonObject {
  return JSON.parse(readFileSync(join(EXAMPLES, `${name}.json`), 'utf8')) as JsonObject;
}

/** The sample as its raw text (as an SQS body or a JSON-lines line would carry it). */
export function sampleText(name: SampleName): string {
  return JSON.stringify(sample(name));
}

/** The `detail` of an EventBridge sample: the bare Config notification. */
export function bareNotification(name: SampleName): JsonObject {
  return sample(name)['detail'] as JsonObject;
}

/** An SNS envelope whose Message is the given payload serialised as a JSON string. */
export function snsEnvelope(payload: unknown, messageId = '11111111-2222-5333-8444-555555555555'): JsonObject {
  return {
    Type: 'Notification',
    MessageId: messageId,
    TopicArn: 'arn:aws:sns:eu-west-1:111122223333:config-topic',
    Subject: '[AWS Config:eu-west-1] AWS::EC2::SecurityGroup sg-0abc1234def567890 Updated in Account 111122223333',
    Message: typeof payload === 'string' ? payload : JSON.stringify(payload),
    Timestamp: '2025-03-04T10:15:30.102Z',
    SignatureVersion: '1',
    Signature: 'EXAMPLE==',
    SigningCertURL: 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0000.pem',
    UnsubscribeURL: 'https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe',
  };
}

/** Sets a nested property (creating nothing): `set(obj, ['detail', 'configurationItem', 'resourceId'], 5)`. */
export function setPath(obj: JsonObject, path: ReadonlyArray<string | number>, value: unknown): JsonObject {
  let cur: unknown = obj;
  for (const key of path.slice(0, -1)) cur = (cur as Record<string | number, unknown>)[key];
  (cur as Record<string | number, unknown>)[path[path.length - 1]] = value;
  return obj;
}

/** Deletes a nested property. */
export function deletePath(obj: JsonObject, path: ReadonlyArray<string | number>): JsonObject {
  let cur: unknown = obj;
  for (const key of path.slice(0, -1)) cur = (cur as Record<string | number, unknown>)[key];
  delete (cur as Record<string | number, unknown>)[path[path.length - 1]];
  return obj;
}

/** The 2014 legacy notification (awsdocs example-sns-notification.md), trimmed. */
export function legacy2014Notification(): JsonObject {
  return {
    MessageVersion: '1.0',
    NotificationCreateTime: '2014-03-18T10:11:00Z',
    messageType: 'ConfigurationItemChangeNotification',
    configurationItems: [
      {
        configurationItemVersion: '1.0',
        configurationItemCaptureTime: '2014-03-07T23:47:08.918Z',
        arn: 'arn:aws:us-west-2b:123456789012:volume/vol-ce676ccc',
        resourceId: 'vol-ce676ccc',
        accountId: '123456789012',
        configurationStateID: '3e660fdf-4e34-4f32-afeb-0ace5bf3d63a',
        configurationItemStatus: 'OK',
        relatedEvents: [],
        availabilityZone: 'us-west-2b',
        resourceType: 'AWS::EC2::VOLUME',
        tags: {},
        relationships: [],
        configuration: { volumeId: 'vol-ce676ccc', state: 'in-use' },
      },
    ],
    configurationItemDiff: { changeType: 'UPDATE', changedProperties: {} },
  };
}
