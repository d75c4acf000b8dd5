/**
 * The events AWS would deliver for a change to a network ACL or to a bucket's public access block,
 * in their real shapes: "Config Configuration Item Change" (AWS::EC2::NetworkAcl's configuration;
 * AWS::S3::Bucket's supplementaryConfiguration.PublicAccessBlockConfiguration) and "AWS API Call via
 * CloudTrail" (EC2's entry calls with `aclProtocol`; S3's PutBucketPublicAccessBlock), plus the
 * Terraform state resources that declare them.
 */
import { randomUUID } from 'node:crypto';
import type { NaclEntry } from '@driftwarden/kinds/network-acl';
import { API_NAMES, FLAGS, TERRAFORM_NAMES, type PublicAccessBlock } from '@driftwarden/kinds/s3-bucket';

export interface AclInfo {
  aclId: string;
  vpcId: string;
  account: string;
  region: string;
  subnetIds: string[];
  tags: Record<string, string>;
}

export interface BucketInfo {
  bucket: string;
  account: string;
  region: string;
}

function envelope(detailType: string, source: string, account: string, region: string, at: Date, detail: object, resources: string[] = []) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source,
    account,
    time: at.toISOString().replace(/\.\d+Z$/, 'Z'),
    region,
    resources,
    detail,
  };
}

function configItem(
  r: { type: string; id: string; arn: string; name: string | null; account: string; region: string; tags: Record<string, string> },
  at: Date,
  stateId: number,
  configuration: object,
  supplementaryConfiguration: object,
  relationships: object[],
) {
  const captureTime = at.toISOString();
  return envelope(
    'Config Configuration Item Change',
    'aws.config',
    r.account,
    r.region,
    at,
    {
      recordVersion: '1.3',
      messageType: 'ConfigurationItemChangeNotification',
      notificationCreationTime: captureTime,
      configurationItemDiff: { changeType: 'UPDATE', changedProperties: {} },
      configurationItem: {
        configurationItemVersion: '1.3',
        configurationItemCaptureTime: captureTime,
        configurationStateId: stateId,
        awsAccountId: r.account,
        configurationItemStatus: 'OK',
        resourceType: r.type,
        resourceId: r.id,
        resourceName: r.name,
        ARN: r.arn,
        awsRegion: r.region,
        availabilityZone: r.type === 'AWS::S3::Bucket' ? 'Regional' : 'Not Applicable',
        resourceCreationTime: null,
        configurationStateMd5Hash: '',
        tags: r.tags,
        relatedEvents: [],
        relationships,
        configuration,
        supplementaryConfiguration,
      },
    },
    [r.arn],
  );
}

function identity(principalArn: string, account: string, at: Date) {
  const parts = principalArn.split('/');
  const role = parts[1] ?? 'unknown';
  const session = parts[2] ?? 'unknown';
  return {
    type: 'AssumedRole',
    principalId: `AROAEXAMPLE:${session}`,
    arn: principalArn,
    accountId: account,
    accessKeyId: 'ASIAEXAMPLEKEY',
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROAEXAMPLE',
        arn: `arn:aws:iam::${account}:role/${role}`,
        accountId: account,
        userName: role,
      },
      attributes: { creationDate: at.toISOString(), mfaAuthenticated: 'true' },
    },
  };
}

function cloudTrail(
  source: string,
  eventSource: string,
  eventName: string,
  account: string,
  region: string,
  principalArn: string,
  at: Date,
  requestParameters: object,
  responseElements: object | null,
) {
  return envelope('AWS API Call via CloudTrail', source, account, region, at, {
    eventVersion: '1.09',
    userIdentity: identity(principalArn, account, at),
    eventTime: at.toISOString(),
    eventSource,
    eventName,
    awsRegion: region,
    sourceIPAddress: '203.0.113.10',
    userAgent: 'aws-cli/2.15.0',
    requestParameters,
    responseElements,
    requestID: randomUUID(),
    eventID: randomUUID(),
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: account,
    eventCategory: 'Management',
  });
}

/** An entry as Config (and DescribeNetworkAcls, camelCased) writes it. */
function configEntry(
  e:
    | NaclEntry
    | {
        direction: 'ingress' | 'egress';
        ruleNumber: number;
        protocol: string;
        action: string;
        cidr: string;
        fromPort: null;
        toPort: null;
        icmpType: null;
        icmpCode: null;
      },
) {
  return {
    ...(e.cidr.includes(':') ? { ipv6CidrBlock: e.cidr } : { cidrBlock: e.cidr }),
    egress: e.direction === 'egress',
    ...(e.icmpType !== null ? { icmpTypeCode: { code: e.icmpCode, type: e.icmpType } } : {}),
    ...(e.fromPort !== null ? { portRange: { from: e.fromPort, to: e.toPort } } : {}),
    protocol: e.protocol,
    ruleAction: e.action,
    ruleNumber: e.ruleNumber,
  };
}

export function networkAclConfigItemEvent(acl: AclInfo, entries: readonly NaclEntry[], at: Date, stateId: number) {
  const defaults = (['ingress', 'egress'] as const).map((direction) => ({
    direction,
    ruleNumber: 32767,
    protocol: '-1',
    action: 'deny',
    cidr: '0.0.0.0/0',
    fromPort: null,
    toPort: null,
    icmpType: null,
    icmpCode: null,
  }));
  const arn = `arn:aws:ec2:${acl.region}:${acl.account}:network-acl/${acl.aclId}`;
  return configItem(
    { type: 'AWS::EC2::NetworkAcl', id: acl.aclId, arn, name: null, account: acl.account, region: acl.region, tags: acl.tags },
    at,
    stateId,
    {
      associations: acl.subnetIds.map((subnetId, i) => ({
        networkAclAssociationId: `aclassoc-0${i}${acl.aclId.slice(5, 12)}`,
        networkAclId: acl.aclId,
        subnetId,
      })),
      entries: [...entries, ...defaults].map(configEntry),
      isDefault: false,
      networkAclId: acl.aclId,
      tags: Object.entries(acl.tags).map(([key, value]) => ({ key, value })),
      vpcId: acl.vpcId,
      ownerId: acl.account,
    },
    {},
    [
      { resourceId: acl.vpcId, resourceName: null, resourceType: 'AWS::EC2::VPC', name: 'Is contained in Vpc' },
      ...acl.subnetIds.map((s) => ({ resourceId: s, resourceName: null, resourceType: 'AWS::EC2::Subnet', name: 'Is attached to Subnet' })),
    ],
  );
}

/** "AWS API Call via CloudTrail" for Create/Replace/DeleteNetworkAclEntry (CloudTrail names the protocol `aclProtocol`). */
export function networkAclCloudTrailEvent(acl: AclInfo, eventName: string, entry: NaclEntry, principalArn: string, at: Date) {
  const base = { networkAclId: acl.aclId, ruleNumber: entry.ruleNumber, egress: entry.direction === 'egress' };
  const requestParameters =
    eventName === 'DeleteNetworkAclEntry'
      ? base
      : {
          ...base,
          ruleAction: entry.action,
          aclProtocol: entry.protocol,
          ...(entry.cidr.includes(':') ? { ipv6CidrBlock: entry.cidr } : { cidrBlock: entry.cidr }),
          icmpTypeCode: entry.icmpType !== null ? { code: entry.icmpCode, type: entry.icmpType } : {},
          portRange: entry.fromPort !== null ? { from: entry.fromPort, to: entry.toPort } : {},
        };
  return cloudTrail('aws.ec2', 'ec2.amazonaws.com', eventName, acl.account, acl.region, principalArn, at, requestParameters, {
    requestId: randomUUID(),
    _return: true,
  });
}

/**
 * The Config item of a bucket; its public access block in `supplementaryConfiguration` (absent
 * when the bucket has none), as an object or — as Config's API and some deliveries give it — a JSON string.
 */
export function bucketConfigItemEvent(
  b: BucketInfo,
  block: PublicAccessBlock | null,
  at: Date,
  stateId: number,
  opts: { blockAsString?: boolean } = {},
) {
  const value = block ? (opts.blockAsString ? JSON.stringify(block) : { ...block }) : undefined;
  return configItem(
    {
      type: 'AWS::S3::Bucket',
      id: b.bucket,
      arn: `arn:aws:s3:::${b.bucket}`,
      name: b.bucket,
      account: b.account,
      region: b.region,
      tags: {},
    },
    at,
    stateId,
    { name: b.bucket, owner: { displayName: null, id: 'c0ffee' }, creationDate: '2025-01-01T00:00:00.000Z' },
    {
      AccessControlList: '{"grantSet":null,"grantList":[],"owner":{"displayName":null,"id":"c0ffee"},"isRequesterCharged":false}',
      BucketPolicy: { policyText: null },
      ...(value !== undefined ? { PublicAccessBlockConfiguration: value } : {}),
    },
    [],
  );
}

/** "AWS API Call via CloudTrail" for PutBucketPublicAccessBlock / DeleteBucketPublicAccessBlock, as S3 logs them. */
export function bucketCloudTrailEvent(
  b: BucketInfo,
  eventName: 'PutBucketPublicAccessBlock' | 'DeleteBucketPublicAccessBlock',
  block: PublicAccessBlock | null,
  principalArn: string,
  at: Date,
) {
  const requestParameters = {
    publicAccessBlock: '',
    bucketName: b.bucket,
    Host: `${b.bucket}.s3.${b.region}.amazonaws.com`,
    ...(block
      ? {
          PublicAccessBlockConfiguration: {
            xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/',
            ...Object.fromEntries(FLAGS.map((f) => [API_NAMES[f], block[f]])),
          },
        }
      : {}),
  };
  return cloudTrail('aws.s3', 's3.amazonaws.com', eventName, b.account, b.region, principalArn, at, requestParameters, null);
}

/** Terraform state resources: an aws_network_acl with inline entries. */
export function networkAclStateResource(acl: AclInfo, name: string, entries: readonly NaclEntry[], module?: string) {
  const block = (e: NaclEntry) => ({
    action: e.action,
    cidr_block: e.cidr.includes(':') ? '' : e.cidr,
    ipv6_cidr_block: e.cidr.includes(':') ? e.cidr : '',
    from_port: e.fromPort ?? 0,
    to_port: e.toPort ?? 0,
    icmp_type: e.icmpType ?? 0,
    icmp_code: e.icmpCode ?? 0,
    protocol: e.protocol,
    rule_no: e.ruleNumber,
  });
  return {
    ...(module ? { module } : {}),
    mode: 'managed',
    type: 'aws_network_acl',
    name,
    provider: 'provider["registry.terraform.io/hashicorp/aws"]',
    instances: [
      {
        schema_version: 0,
        attributes: {
          id: acl.aclId,
          arn: `arn:aws:ec2:${acl.region}:${acl.account}:network-acl/${acl.aclId}`,
          owner_id: acl.account,
          vpc_id: acl.vpcId,
          subnet_ids: acl.subnetIds,
          ingress: entries.filter((e) => e.direction === 'ingress').map(block),
          egress: entries.filter((e) => e.direction === 'egress').map(block),
          tags: acl.tags,
          tags_all: acl.tags,
        },
        sensitive_attributes: [],
      },
    ],
  };
}

/** Terraform state resources: an aws_s3_bucket_public_access_block. */
export function publicAccessBlockStateResource(b: BucketInfo, name: string, block: PublicAccessBlock, module?: string) {
  return {
    ...(module ? { module } : {}),
    mode: 'managed',
    type: 'aws_s3_bucket_public_access_block',
    name,
    provider: 'provider["registry.terraform.io/hashicorp/aws"]',
    instances: [
      {
        schema_version: 0,
        attributes: { id: b.bucket, bucket: b.bucket, ...Object.fromEntries(FLAGS.map((f) => [TERRAFORM_NAMES[f], block[f]])) },
        sensitive_attributes: [],
      },
    ],
  };
}
