/**
 * The events AWS would deliver for a change to a resource of another kind than a security group,
 * in their real shapes: a "Config Configuration Item Change" (configurationItem 1.3) and an "AWS
 * API Call via CloudTrail" by an assumed-role principal, both as EventBridge events.
 */
import { randomUUID } from 'node:crypto';

export interface ConfigItemSpec {
  account: string;
  region: string;
  resourceType: string;
  resourceId: string;
  resourceName?: string | null;
  arn: string;
  tags: Record<string, string>;
  /** null: the resource was deleted (status ResourceDeleted). */
  configuration: Record<string, unknown> | null;
  supplementaryConfiguration?: Record<string, unknown>;
}

export function kindConfigItemEvent(spec: ConfigItemSpec, at: Date, stateId: number): Record<string, unknown> {
  const captureTime = at.toISOString();
  const deleted = spec.configuration === null;
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Config Configuration Item Change',
    source: 'aws.config',
    account: spec.account,
    time: captureTime.replace(/\.\d+Z$/, 'Z'),
    region: spec.region,
    resources: [spec.arn],
    detail: {
      recordVersion: '1.3',
      messageType: 'ConfigurationItemChangeNotification',
      notificationCreationTime: captureTime,
      configurationItemDiff: deleted ? null : { changeType: 'UPDATE', changedProperties: {} },
      configurationItem: {
        configurationItemVersion: '1.3',
        configurationItemCaptureTime: captureTime,
        configurationStateId: stateId,
        awsAccountId: spec.account,
        configurationItemStatus: deleted ? 'ResourceDeleted' : 'OK',
        resourceType: spec.resourceType,
        resourceId: spec.resourceId,
        resourceName: spec.resourceName ?? null,
        ARN: spec.arn,
        awsRegion: spec.region,
        availabilityZone: 'Multiple Availability Zones',
        resourceCreationTime: null,
        configurationStateMd5Hash: '',
        tags: spec.tags,
        relatedEvents: [],
        relationships: [],
        configuration: spec.configuration,
        supplementaryConfiguration: spec.supplementaryConfiguration ?? {},
      },
    },
  };
}

export interface CallSpec {
  account: string;
  region: string;
  /** `autoscaling` → source `aws.autoscaling`, eventSource `autoscaling.amazonaws.com`. */
  service: string;
  eventName: string;
  requestParameters: Record<string, unknown>;
  principalArn: string;
}

export function kindCloudTrailEvent(spec: CallSpec, at: Date): Record<string, unknown> {
  const parts = spec.principalArn.split('/');
  const role = parts[1] ?? 'unknown';
  const session = parts[2] ?? 'unknown';
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'AWS API Call via CloudTrail',
    source: `aws.${spec.service}`,
    account: spec.account,
    time: at.toISOString().replace(/\.\d+Z$/, 'Z'),
    region: spec.region,
    resources: [],
    detail: {
      eventVersion: '1.09',
      userIdentity: {
        type: 'AssumedRole',
        principalId: `AROAEXAMPLE:${session}`,
        arn: spec.principalArn,
        accountId: spec.account,
        accessKeyId: 'ASIAEXAMPLEKEY',
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            principalId: 'AROAEXAMPLE',
            arn: `arn:aws:iam::${spec.account}:role/${role}`,
            accountId: spec.account,
            userName: role,
          },
          attributes: { creationDate: at.toISOString(), mfaAuthenticated: 'true' },
        },
      },
      eventTime: at.toISOString(),
      eventSource: `${spec.service}.amazonaws.com`,
      eventName: spec.eventName,
      awsRegion: spec.region,
      sourceIPAddress: '203.0.113.10',
      userAgent: 'aws-cli/2.15.0',
      requestParameters: spec.requestParameters,
      responseElements: null,
      requestID: randomUUID(),
      eventID: randomUUID(),
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: spec.account,
      eventCategory: 'Management',
    },
  };
}
