/**
 * Terraform state (format version 4) resources of the `asg` and `instance` kinds, to add to a
 * state built by `terraformState` (`withResources`).
 */
export interface StateAsg {
  /** Terraform resource name, e.g. `checkout`; optional module, e.g. `module.shop`. */
  name: string;
  module?: string;
  groupName: string;
  arn: string;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
}

export interface StateInstance {
  name: string;
  module?: string;
  instanceId: string;
  account: string;
  region: string;
  instanceType: string;
  httpTokens: 'required' | 'optional';
  httpEndpoint: 'enabled' | 'disabled';
  disableApiTermination: boolean;
  disableApiStop: boolean;
  securityGroupIds: string[];
}

const PROVIDER = 'provider["registry.terraform.io/hashicorp/aws"]';

export function asgStateResource(g: StateAsg): Record<string, unknown> {
  return {
    ...(g.module ? { module: g.module } : {}),
    mode: 'managed',
    type: 'aws_autoscaling_group',
    name: g.name,
    provider: PROVIDER,
    instances: [
      {
        schema_version: 0,
        attributes: {
          id: g.groupName,
          arn: g.arn,
          name: g.groupName,
          min_size: g.minSize,
          max_size: g.maxSize,
          desired_capacity: g.desiredCapacity,
          health_check_type: 'EC2',
          tag: [],
        },
        sensitive_attributes: [],
      },
    ],
  };
}

export function instanceStateResource(i: StateInstance): Record<string, unknown> {
  return {
    ...(i.module ? { module: i.module } : {}),
    mode: 'managed',
    type: 'aws_instance',
    name: i.name,
    provider: PROVIDER,
    instances: [
      {
        schema_version: 1,
        attributes: {
          id: i.instanceId,
          arn: `arn:aws:ec2:${i.region}:${i.account}:instance/${i.instanceId}`,
          ami: 'ami-0123456789abcdef0',
          instance_type: i.instanceType,
          disable_api_termination: i.disableApiTermination,
          disable_api_stop: i.disableApiStop,
          metadata_options: [
            {
              http_endpoint: i.httpEndpoint,
              http_tokens: i.httpTokens,
              http_put_response_hop_limit: 1,
              http_protocol_ipv6: 'disabled',
              instance_metadata_tags: 'disabled',
            },
          ],
          vpc_security_group_ids: [...i.securityGroupIds],
          tags: {},
        },
        sensitive_attributes: [],
      },
    ],
  };
}

/** `state` with `resources` added (a new object; the serial is kept). */
export function withResources(state: Record<string, unknown>, resources: readonly Record<string, unknown>[]): Record<string, unknown> {
  return { ...state, resources: [...((state['resources'] as unknown[]) ?? []), ...resources] };
}
