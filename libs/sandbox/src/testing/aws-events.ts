import { randomUUID } from 'node:crypto';
import type { IpPermission } from '@aws-sdk/client-ec2';
import { toIpPermissions } from '@driftwarden/kinds/security-group';
import type { PermissionRule } from '@driftwarden/kinds/security-group';

/**
 * Builds the events AWS would deliver for a change to a security group, in their real shapes
 * (CONTRACTS §A4, §A8): a "Config Configuration Item Change" and an "AWS API Call via
 * CloudTrail", both as EventBridge events.
 */
export interface GroupInfo {
  groupId: string;
  groupName: string;
  vpcId: string;
  account: string;
  region: string;
  tags: Record<string, string>;
}

function camelPermission(p: IpPermission): Record<string, unknown> {
  const cidrs = (p.IpRanges ?? []).map((r) => r.CidrIp as string);
  return {
    ipProtocol: p.IpProtocol,
    ...(p.FromPort !== undefined ? { fromPort: p.FromPort } : {}),
    ...(p.ToPort !== undefined ? { toPort: p.ToPort } : {}),
    ipRanges: cidrs,
    ipv4Ranges: (p.IpRanges ?? []).map((r) => ({ cidrIp: r.CidrIp, ...(r.Description ? { description: r.Description } : {}) })),
    ipv6Ranges: (p.Ipv6Ranges ?? []).map((r) => ({ cidrIpv6: r.CidrIpv6, ...(r.Description ? { description: r.Description } : {}) })),
    prefixListIds: (p.PrefixListIds ?? []).map((r) => ({ prefixListId: r.PrefixListId })),
    userIdGroupPairs: (p.UserIdGroupPairs ?? []).map((r) => ({ groupId: r.GroupId, ...(r.UserId ? { userId: r.UserId } : {}) })),
  };
}

function itemsPermission(p: IpPermission): Record<string, unknown> {
  const items = <T>(xs: T[] | undefined) => (xs && xs.length ? { items: xs } : {});
  return {
    ipProtocol: p.IpProtocol,
    fromPort: p.FromPort ?? -1,
    toPort: p.ToPort ?? -1,
    groups: items((p.UserIdGroupPairs ?? []).map((g) => ({ groupId: g.GroupId, ...(g.UserId ? { userId: g.UserId } : {}) }))),
    ipRanges: items((p.IpRanges ?? []).map((r) => ({ cidrIp: r.CidrIp }))),
    ipv6Ranges: items((p.Ipv6Ranges ?? []).map((r) => ({ cidrIpv6: r.CidrIpv6 }))),
    prefixListIds: items((p.PrefixListIds ?? []).map((r) => ({ prefixListId: r.PrefixListId }))),
  };
}

/** The Config item's `configuration` for a group with these rules (camelCase, both ipRanges forms). */
export function configurationOf(group: GroupInfo, rules: readonly PermissionRule[]): Record<string, unknown> {
  const perms = toIpPermissions(rules);
  return {
    groupId: group.groupId,
    groupName: group.groupName,
    description: group.groupName,
    ownerId: group.account,
    vpcId: group.vpcId,
    ipPermissions: perms.ingress.map(camelPermission),
    ipPermissionsEgress: perms.egress.map(camelPermission),
    tags: Object.entries(group.tags).map(([key, value]) => ({ key, value })),
  };
}

export interface ConfigItemOptions {
  /** Default `OK`; `ResourceDeleted` sends a null configuration and a null diff. */
  status?: 'OK' | 'ResourceDiscovered' | 'ResourceDeleted';
  /** Default `AWS::EC2::SecurityGroup` (another type exercises "unsupported"). */
  resourceType?: string;
}

export function configItemEvent(
  group: GroupInfo,
  rules: readonly PermissionRule[],
  at: Date,
  stateId: number,
  opts: ConfigItemOptions = {},
): Record<string, unknown> {
  const arn = `arn:aws:ec2:${group.region}:${group.account}:security-group/${group.groupId}`;
  const captureTime = at.toISOString();
  const deleted = opts.status === 'ResourceDeleted';
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Config Configuration Item Change',
    source: 'aws.config',
    account: group.account,
    time: captureTime.replace(/\.\d+Z$/, 'Z'),
    region: group.region,
    resources: [arn],
    detail: {
      recordVersion: '1.3',
      messageType: 'ConfigurationItemChangeNotification',
      notificationCreationTime: captureTime,
      configurationItemDiff: deleted ? null : { changeType: 'UPDATE', changedProperties: {} },
      configurationItem: {
        configurationItemVersion: '1.3',
        configurationItemCaptureTime: captureTime,
        configurationStateId: stateId,
        awsAccountId: group.account,
        configurationItemStatus: opts.status ?? 'OK',
        resourceType: opts.resourceType ?? 'AWS::EC2::SecurityGroup',
        resourceId: group.groupId,
        resourceName: group.groupName,
        ARN: arn,
        awsRegion: group.region,
        availabilityZone: 'Not Applicable',
        resourceCreationTime: null,
        configurationStateMd5Hash: '',
        tags: group.tags,
        relatedEvents: [],
        relationships: [{ resourceId: group.vpcId, resourceName: null, resourceType: 'AWS::EC2::VPC', name: 'Is contained in Vpc' }],
        configuration: deleted ? null : configurationOf(group, rules),
        supplementaryConfiguration: {},
      },
    },
  };
}

/** "AWS API Call via CloudTrail" for an Authorize/Revoke by an assumed-role principal. */
export function cloudTrailEvent(
  group: GroupInfo,
  eventName: string,
  rules: readonly PermissionRule[],
  principalArn: string,
  at: Date,
): Record<string, unknown> {
  const perms = toIpPermissions(rules);
  const list = eventName.endsWith('Egress') ? perms.egress : perms.ingress;
  const parts = principalArn.split('/');
  const role = parts[1] ?? 'unknown';
  const session = parts[2] ?? 'unknown';
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.ec2',
    account: group.account,
    time: at.toISOString().replace(/\.\d+Z$/, 'Z'),
    region: group.region,
    resources: [],
    detail: {
      eventVersion: '1.09',
      userIdentity: {
        type: 'AssumedRole',
        principalId: `AROAEXAMPLE:${session}`,
        arn: principalArn,
        accountId: group.account,
        accessKeyId: 'ASIAEXAMPLEKEY',
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            principalId: 'AROAEXAMPLE',
            arn: `arn:aws:iam::${group.account}:role/${role}`,
            accountId: group.account,
            userName: role,
          },
          attributes: { creationDate: at.toISOString(), mfaAuthenticated: 'true' },
        },
      },
      eventTime: at.toISOString(),
      eventSource: 'ec2.amazonaws.com',
      eventName,
      awsRegion: group.region,
      sourceIPAddress: '203.0.113.10',
      userAgent: 'aws-cli/2.15.0',
      requestParameters: { groupId: group.groupId, ipPermissions: { items: list.map(itemsPermission) } },
      responseElements: { requestId: randomUUID(), _return: true },
      requestID: randomUUID(),
      eventID: randomUUID(),
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: group.account,
      eventCategory: 'Management',
    },
  };
}
