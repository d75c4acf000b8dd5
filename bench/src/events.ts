/** A Config `ConfigurationItemChangeNotification` for a security group that opened tcp/22 to 0.0.0.0/0. */
export function sgEvent(groupId: string, stateId: number): Record<string, unknown> {
  const captureTime = new Date(stateId).toISOString();
  return {
    version: '0',
    id: `b-${groupId}`,
    'detail-type': 'Config Configuration Item Change',
    source: 'aws.config',
    account: '111122223333',
    time: captureTime,
    region: 'eu-west-1',
    resources: [],
    detail: {
      recordVersion: '1.3',
      messageType: 'ConfigurationItemChangeNotification',
      notificationCreationTime: captureTime,
      configurationItemDiff: { changeType: 'UPDATE', changedProperties: {} },
      configurationItem: {
        configurationItemVersion: '1.3',
        configurationItemCaptureTime: captureTime,
        configurationStateId: stateId,
        awsAccountId: '111122223333',
        configurationItemStatus: 'OK',
        resourceType: 'AWS::EC2::SecurityGroup',
        resourceId: groupId,
        resourceName: groupId,
        ARN: `arn:aws:ec2:eu-west-1:111122223333:security-group/${groupId}`,
        awsRegion: 'eu-west-1',
        availabilityZone: 'Not Applicable',
        resourceCreationTime: null,
        configurationStateMd5Hash: '',
        tags: {},
        relatedEvents: [],
        relationships: [],
        configuration: {
          groupId,
          ipPermissions: [{ ipProtocol: 'tcp', fromPort: 22, toPort: 22, ipv4Ranges: [{ cidrIp: '0.0.0.0/0' }], ipRanges: ['0.0.0.0/0'], ipv6Ranges: [], prefixListIds: [], userIdGroupPairs: [] }],
          ipPermissionsEgress: [],
        },
        supplementaryConfiguration: {},
      },
    },
  };
}
