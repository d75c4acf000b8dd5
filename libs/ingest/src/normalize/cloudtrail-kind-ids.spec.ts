import { resourceIdAliases } from '@driftwarden/domain';
import { kindResourceIdsInCall } from './cloudtrail-kind-ids';

describe('ids the asg and instance calls name', () => {
  it('an Auto Scaling group by its name, an instance by instanceId or the wrapped metadata request', () => {
    expect(kindResourceIdsInCall('autoscaling.amazonaws.com', { autoScalingGroupName: 'checkout', minSize: 12 })).toEqual([
      { id: 'checkout', type: 'AWS::AutoScaling::AutoScalingGroup', path: 'requestParameters.autoScalingGroupName' },
    ]);
    expect(kindResourceIdsInCall('ec2.amazonaws.com', { instanceId: 'i-0abc', disableApiTermination: { value: false } })).toEqual([
      { id: 'i-0abc', type: 'AWS::EC2::Instance', path: 'requestParameters.instanceId' },
    ]);
    expect(
      kindResourceIdsInCall('ec2.amazonaws.com', {
        ModifyInstanceMetadataOptionsRequest: { InstanceId: 'i-0abc', HttpTokens: 'optional' },
      }),
    ).toEqual([{ id: 'i-0abc', type: 'AWS::EC2::Instance', path: 'requestParameters.ModifyInstanceMetadataOptionsRequest.InstanceId' }]);
    expect(kindResourceIdsInCall('s3.amazonaws.com', { instanceId: 'i-0abc' })).toEqual([]);
    expect(kindResourceIdsInCall('ec2.amazonaws.com', null)).toEqual([]);
  });

  it('Config names a group by ARN: attribution also looks under its name', () => {
    const arn =
      'arn:aws:autoscaling:eu-west-1:111122223333:autoScalingGroup:6d1c9a3e-0000-4000-8000-000000000001:autoScalingGroupName/checkout';
    expect(resourceIdAliases('AWS::AutoScaling::AutoScalingGroup', arn)).toEqual([arn, 'checkout']);
    expect(resourceIdAliases('AWS::AutoScaling::AutoScalingGroup', 'checkout')).toEqual(['checkout']);
    expect(resourceIdAliases('AWS::EC2::SecurityGroup', 'sg-1')).toEqual(['sg-1']);
  });
});
