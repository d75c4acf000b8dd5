/**
 * Resource ids the calls of the `asg` and `instance` kinds name (their attribution keys, beside the
 * security-group ids of `resourceIdsInCall`): an Auto Scaling group by `autoScalingGroupName`
 * (UpdateAutoScalingGroup, SetDesiredCapacity, DetachInstances, …), an instance by `instanceId`
 * (ModifyInstanceAttribute) or `ModifyInstanceMetadataOptionsRequest.InstanceId`
 * (ModifyInstanceMetadataOptions, logged with the request wrapped as its newer APIs are).
 */
import { isPlainObject } from './schemas';

export interface KindCallResourceId {
  id: string;
  /** The Config type the id is of (how it is checked). */
  type: 'AWS::AutoScaling::AutoScalingGroup' | 'AWS::EC2::Instance';
  path: string;
}

export function kindResourceIdsInCall(eventSource: string, requestParameters: Record<string, unknown> | null): KindCallResourceId[] {
  if (!requestParameters) return [];
  const found: KindCallResourceId[] = [];
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  if (eventSource === 'autoscaling.amazonaws.com') {
    const name = str(requestParameters['autoScalingGroupName']);
    if (name) found.push({ id: name, type: 'AWS::AutoScaling::AutoScalingGroup', path: 'requestParameters.autoScalingGroupName' });
  }
  if (eventSource === 'ec2.amazonaws.com') {
    const direct = str(requestParameters['instanceId']);
    if (direct) found.push({ id: direct, type: 'AWS::EC2::Instance', path: 'requestParameters.instanceId' });
    const wrapped = requestParameters['ModifyInstanceMetadataOptionsRequest'];
    const inner = isPlainObject(wrapped) ? str(wrapped['InstanceId']) : undefined;
    if (inner)
      found.push({ id: inner, type: 'AWS::EC2::Instance', path: 'requestParameters.ModifyInstanceMetadataOptionsRequest.InstanceId' });
  }
  return found;
}
