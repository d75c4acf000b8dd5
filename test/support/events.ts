/** Builders for realistic AWS Config and CloudTrail EventBridge events (CONTRACTS §A). */
export interface SgEventOptions {
  groupId: string;
  stateId: number;
  /** `proto/port/cidr` ingress rules live on the group after the change. */
  rules?: string[];
  account?: string;
  region?: string;
  tags?: Record<string, string>;
  status?: 'OK' | 'ResourceDeleted' | 'ResourceDiscovered';
  resourceType?: string;
}

export function sgEvent(o: SgEventOptions): Record<string, unknown> {
  const account = o.account ?? '111122223333';
  const region = o.region ?? 'eu-west-1';
  const captureTime = new Date(o.stateId).toISOString();
  const type = o.resourceType ?? 'AWS::EC2::SecurityGroup';
  const arn = `arn:aws:ec2:${region}:${account}:security-group/${o.groupId}`;
  const deleted = o.status === 'ResourceDeleted';
  return {
    version: '0',
    id: `evt-${o.groupId}-${o.stateId}`,
    'detail-type': 'Config Configuration Item Change',
    source: 'aws.config',
    account,
    time: captureTime.replace(/\.\d+Z$/, 'Z'),
    region,
    resources: [arn],
    detail: {
      recordVersion: '1.3',
      messageType: 'ConfigurationItemChangeNotification',
      notificationCreationTime: captureTime,
      configurationItemDiff: deleted ? null : { changeType: 'UPDATE', changedProperties: {} },
      configurationItem: {
        configurationItemVersion: '1.3',
        configurationItemCaptureTime: captureTime,
        configurationStateId: o.stateId,
        awsAccountId: account,
        configurationItemStatus: o.status ?? 'OK',
        resourceType: type,
        resourceId: o.groupId,
        resourceName: o.groupId,
        ARN: arn,
        awsRegion: region,
        availabilityZone: 'Not Applicable',
        resourceCreationTime: null,
        configurationStateMd5Hash: '',
        tags: o.tags ?? {},
        relatedEvents: [],
        relationships: [],
        configuration: deleted
          ? null
          : {
              groupId: o.groupId,
              groupName: o.groupId,
              description: 'test',
              ownerId: account,
              vpcId: 'vpc-0123456789abcdef0',
              ipPermissions: (o.rules ?? []).map((r) => {
                const [proto, port, ...cidr] = r.split('/');
                return {
                  ipProtocol: proto,
                  fromPort: Number(port),
                  toPort: Number(port),
                  ipRanges: [cidr.join('/')],
                  ipv4Ranges: [{ cidrIp: cidr.join('/') }],
                  ipv6Ranges: [],
                  prefixListIds: [],
                  userIdGroupPairs: [],
                };
              }),
              ipPermissionsEgress: [],
              tags: Object.entries(o.tags ?? {}).map(([key, value]) => ({ key, value })),
            },
        supplementaryConfiguration: {},
      },
    },
  };
}
