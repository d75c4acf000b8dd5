/**
 * The other ids a resource goes by in CloudTrail. Config names an Auto Scaling group by its ARN
 * (`arn:aws:autoscaling:…:autoScalingGroup:<uuid>:autoScalingGroupName/<name>`) while the Auto
 * Scaling calls name it by `autoScalingGroupName` only: attribution looks for calls under both.
 */
export function resourceIdAliases(type: string, id: string): string[] {
  if (type === 'AWS::AutoScaling::AutoScalingGroup') {
    const m = /^arn:[^:]+:autoscaling:[^:]*:[^:]*:autoScalingGroup:[^:]*:autoScalingGroupName\/(.+)$/.exec(id);
    if (m) return [id, m[1]];
  }
  return [id];
}
