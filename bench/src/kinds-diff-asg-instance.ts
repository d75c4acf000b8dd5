/**
 * The `asg` and `instance` parts of `kinds_diff_p99_ms` (issue 13): diff + direction of one Auto
 * Scaling group and one EC2 instance, as the pipeline runs them per event (`analyze`, then
 * `directions` over the differences). The group was scaled up (min_size and desired_capacity
 * raised, desired_capacity ignored by the code); the instance allows IMDSv1 again, lost its
 * termination protection and has a security group attached and one detached. bench/src/kinds-diff.ts
 * (the other kinds' part) combines these timings with its own.
 */
import type { JsonObject } from '@driftwarden/domain';
import { AsgKind } from '@driftwarden/kinds/asg';
import { InstanceKind } from '@driftwarden/kinds/instance';
import type { DesiredResource } from '@driftwarden/pipeline';

const ASG_ARN =
  'arn:aws:autoscaling:eu-west-1:111122223333:autoScalingGroup:6d1c9a3e-0000-4000-8000-000000000001:autoScalingGroupName/checkout';
const IGNORE = { read: true, commit: 'c0ffee0000000000', path: 'terraform/shop/main.tf', ignored: ['desired_capacity'] };

const ASG_DESIRED: DesiredResource = {
  stack: 'shop',
  address: 'aws_autoscaling_group.checkout',
  attributes: { name: 'checkout', capacity: { min_size: 4, max_size: 20, desired_capacity: 4 }, ignore: IGNORE, tainted: false },
};
const ASG_LIVE: JsonObject = {
  autoScalingGroupName: 'checkout',
  autoScalingGroupARN: ASG_ARN,
  minSize: 12,
  maxSize: 20,
  desiredCapacity: 12,
};

const INSTANCE_ID = 'i-0aa00000000000001';
const INSTANCE_DESIRED: DesiredResource = {
  stack: 'shop',
  address: 'aws_instance.payments',
  attributes: {
    protection: {
      'metadata_options.http_tokens': 'required',
      'metadata_options.http_endpoint': 'enabled',
      disable_api_termination: true,
      disable_api_stop: true,
      instance_type: 't3.small',
      vpc_security_group_ids: ['sg-0a000000000000001', 'sg-0a000000000000002'],
    },
    ignore: { ...IGNORE, ignored: [] },
    tainted: false,
  },
};
const INSTANCE_LIVE: JsonObject = {
  instanceId: INSTANCE_ID,
  instanceType: 't3.small',
  metadataOptions: { httpTokens: 'optional', httpEndpoint: 'enabled', state: 'applied', httpPutResponseHopLimit: 1 },
  disableApiTermination: false,
  securityGroups: [{ groupId: 'sg-0a000000000000001' }, { groupId: 'sg-0a00000000000000f' }],
};

export interface AsgInstanceDiffTimings {
  /** Per iteration, ascending, in ms. */
  asg: number[];
  instance: number[];
  /** Differences found per run (a check that the inputs really differ). */
  differences: { asg: number; instance: number };
}

/** Runs each kind's diff + direction `iterations` times (after `warmup` unmeasured runs). */
export function kindsDiffAsgInstance(iterations = 2_000, warmup = 200): AsgInstanceDiffTimings {
  const asg = new AsgKind();
  const instance = new InstanceKind();
  const once = (kind: AsgKind | InstanceKind, live: JsonObject, desired: DesiredResource, id: string) => {
    const analysis = kind.analyze(live, desired, { resourceId: id });
    kind.directions([analysis.differences]);
    return analysis.differences.length;
  };
  const time = (run: () => number) => {
    for (let i = 0; i < warmup; i++) run();
    const out: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const t = process.hrtime.bigint();
      run();
      out.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    return out.sort((a, b) => a - b);
  };
  const differences = {
    asg: once(asg, ASG_LIVE, ASG_DESIRED, ASG_ARN),
    instance: once(instance, INSTANCE_LIVE, INSTANCE_DESIRED, INSTANCE_ID),
  };
  if (differences.asg !== 1 || differences.instance !== 4)
    throw new Error(`the benchmark inputs do not differ as meant: ${JSON.stringify(differences)}`);
  return {
    asg: time(() => once(asg, ASG_LIVE, ASG_DESIRED, ASG_ARN)),
    instance: time(() => once(instance, INSTANCE_LIVE, INSTANCE_DESIRED, INSTANCE_ID)),
    differences,
  };
}
