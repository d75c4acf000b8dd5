/**
 * The Auto Scaling group capacity model (DESIGN §5, kind `asg`): `min_size`, `max_size` and
 * `desired_capacity`, from the Config item (`configuration.minSize`, `maxSize`,
 * `desiredCapacity`; awslabs/aws-config-resource-schema AWS::AutoScaling::AutoScalingGroup) and
 * from Terraform state (`aws_autoscaling_group`). Direction is capacity: a live value above the
 * code's raised capacity, below it lowered it; reverting does the opposite.
 */
import { PermanentError, type DifferenceDirection, type JsonObject } from '@driftwarden/domain';

export const ASG_TYPE = 'AWS::AutoScaling::AutoScalingGroup';
export const TF_AUTOSCALING_GROUP = 'aws_autoscaling_group';

export const CAPACITY_ATTRIBUTES = ['min_size', 'max_size', 'desired_capacity'] as const;
export type CapacityAttribute = (typeof CAPACITY_ATTRIBUTES)[number];

export type Capacity = Record<CapacityAttribute, number | null>;

/** Config `configuration` key, SDK member and CloudTrail request parameter of each attribute. */
export const CAPACITY_NAMES: Record<CapacityAttribute, { config: string; sdk: 'MinSize' | 'MaxSize' | 'DesiredCapacity'; words: string }> =
  {
    min_size: { config: 'minSize', sdk: 'MinSize', words: 'minimum size' },
    max_size: { config: 'maxSize', sdk: 'MaxSize', words: 'maximum size' },
    desired_capacity: { config: 'desiredCapacity', sdk: 'DesiredCapacity', words: 'desired capacity' },
  };

export function isCapacityAttribute(s: string): s is CapacityAttribute {
  return (CAPACITY_ATTRIBUTES as readonly string[]).includes(s);
}

/** A capacity from a Config item's configuration; bad input is a clear error (what, where, what was expected). */
export function capacityFromConfig(configuration: JsonObject, where: string): Capacity {
  const out = {} as Capacity;
  for (const attr of CAPACITY_ATTRIBUTES) {
    const key = CAPACITY_NAMES[attr].config;
    const v = configuration[key];
    if (v === undefined || v === null) {
      out[attr] = null;
      continue;
    }
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      throw new PermanentError(
        `${where}: configuration.${key} is ${JSON.stringify(v)}, expected a non-negative integer`,
        'config_item_invalid',
      );
    }
    out[attr] = v;
  }
  return out;
}

/** The group's name from a Config resource id: the name itself, or the ARN `…:autoScalingGroupName/<name>`. */
export function groupNameOf(resourceId: string): string {
  const m = /:autoScalingGroupName\/(.+)$/.exec(resourceId);
  if (m) return m[1];
  if (resourceId.startsWith('arn:')) {
    throw new PermanentError(`${resourceId} is not an Auto Scaling group ARN (…:autoScalingGroupName/<name>)`, 'asg_invalid_id');
  }
  return resourceId;
}

export function capacityDirection(live: number | null, desired: number | null): DifferenceDirection {
  if (live === null || desired === null || live === desired) return { axis: 'capacity', change: 'neutral', revert: 'neutral' };
  return live > desired
    ? { axis: 'capacity', change: 'raises', revert: 'lowers' }
    : { axis: 'capacity', change: 'lowers', revert: 'raises' };
}

/** `raised min_size of checkout from 4 to 12`. */
export function capacitySentence(attr: CapacityAttribute, group: string, live: number | null, desired: number | null): string {
  if (live === null) return `unset ${attr} of ${group} (the code sets ${desired})`;
  if (desired === null) return `set ${attr} of ${group} to ${live} (the code leaves it unset)`;
  return `${live > desired ? 'raised' : 'lowered'} ${attr} of ${group} from ${desired} to ${live}`;
}
