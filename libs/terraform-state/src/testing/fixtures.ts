/**
 * Terraform state fixtures for this library's specs (not part of the build). Shapes follow
 * hashicorp/terraform `statefile/version4.go` and the AWS provider's attributes (CONTRACTS.md §E).
 */

export const ACCOUNT = '111122223333';
export const OTHER_ACCOUNT = '444455556666';
export const REGION = 'eu-west-1';
const AWS = 'provider["registry.terraform.io/hashicorp/aws"]';

type Json = Record<string, unknown>;

/** The example state of CONTRACTS.md §E2, verbatim. */
export const E2_STATE: Json = {
  version: 4,
  terraform_version: '1.9.8',
  serial: 42,
  lineage: '3f1e2d4c-5b6a-7980-1a2b-3c4d5e6f7a8b',
  outputs: {},
  resources: [
    {
      module: 'module.web',
      mode: 'managed',
      type: 'aws_security_group',
      name: 'this',
      provider: AWS,
      instances: [
        {
          schema_version: 1,
          attributes: {
            id: 'sg-0abc1234def567890',
            arn: 'arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0abc1234def567890',
            name: 'web-sg',
            name_prefix: '',
            description: 'web tier',
            vpc_id: 'vpc-0123456789abcdef0',
            owner_id: '111122223333',
            revoke_rules_on_delete: false,
            ingress: [
              {
                cidr_blocks: ['10.0.0.0/8'],
                description: '',
                from_port: 443,
                to_port: 443,
                ipv6_cidr_blocks: [],
                prefix_list_ids: [],
                protocol: 'tcp',
                security_groups: [],
                self: false,
              },
            ],
            egress: [
              {
                cidr_blocks: ['0.0.0.0/0'],
                description: '',
                from_port: 0,
                to_port: 0,
                ipv6_cidr_blocks: [],
                prefix_list_ids: [],
                protocol: '-1',
                security_groups: [],
                self: false,
              },
            ],
            tags: { team: 'payments' },
            tags_all: { team: 'payments' },
            timeouts: null,
          },
          sensitive_attributes: [],
          dependencies: ['module.web.data.aws_vpc.this'],
        },
      ],
    },
    {
      module: 'module.web',
      mode: 'managed',
      type: 'aws_vpc_security_group_ingress_rule',
      name: 'office',
      each: 'map',
      provider: AWS,
      instances: [
        {
          index_key: 'ssh',
          schema_version: 0,
          attributes: {
            id: 'sgr-0a1b2c3d4e5f60718',
            security_group_rule_id: 'sgr-0a1b2c3d4e5f60718',
            arn: 'arn:aws:ec2:eu-west-1:111122223333:security-group-rule/sgr-0a1b2c3d4e5f60718',
            security_group_id: 'sg-0abc1234def567890',
            ip_protocol: 'tcp',
            from_port: 22,
            to_port: 22,
            cidr_ipv4: '198.51.100.0/24',
            cidr_ipv6: null,
            prefix_list_id: null,
            referenced_security_group_id: null,
            description: 'office',
            tags: null,
            tags_all: {},
          },
          sensitive_attributes: [],
        },
      ],
    },
  ],
  check_results: null,
};

// ---------------------------------------------------------------------------------------------
// A realistic "network" stack: root, module, count and for_each instances, all three styles,
// Terraform 1.12 identity fields and AWS provider v6 `region` attributes.
// ---------------------------------------------------------------------------------------------

export const SG_BASTION = 'sg-0b0000000000000a1';
export const SG_WORKERS = 'sg-0b0000000000000a2';
export const SG_APP_BLUE = 'sg-0b0000000000000b1';
export const SG_APP_GREEN = 'sg-0b0000000000000b2';
export const SG_LEGACY = 'sg-0b0000000000000c1';
export const SG_DEPOSED = 'sg-0b00000000000dead';
export const SG_EXTERNAL = 'sg-0e0000000000000e1';
export const SG_SHARED = 'sg-05a0000000000000f';

function inline(rule: Partial<Json> & { protocol: string; from_port: number; to_port: number }): Json {
  return { cidr_blocks: [], description: '', ipv6_cidr_blocks: [], prefix_list_ids: [], security_groups: [], self: false, ...rule };
}

function sgAttributes(id: string, name: string, extra: Json = {}): Json {
  return {
    id,
    arn: `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/${id}`,
    name,
    name_prefix: '',
    description: 'Managed by Terraform',
    vpc_id: 'vpc-0123456789abcdef0',
    owner_id: ACCOUNT,
    revoke_rules_on_delete: false,
    ingress: [],
    egress: [],
    tags: {},
    tags_all: {},
    timeouts: null,
    region: REGION,
    ...extra,
  };
}

function identity(id: string): Json {
  return { identity_schema_version: 0, identity: { account_id: ACCOUNT, id, region: REGION } };
}

function vpcRule(ruleId: string, groupId: string, rule: Json): Json {
  return {
    id: ruleId,
    security_group_rule_id: ruleId,
    arn: `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group-rule/${ruleId}`,
    security_group_id: groupId,
    from_port: null,
    to_port: null,
    cidr_ipv4: null,
    cidr_ipv6: null,
    prefix_list_id: null,
    referenced_security_group_id: null,
    description: null,
    tags: null,
    tags_all: {},
    region: REGION,
    ...rule,
  };
}

function legacyRule(id: string, groupId: string, rule: Json): Json {
  return {
    id,
    security_group_id: groupId,
    cidr_blocks: [],
    ipv6_cidr_blocks: [],
    prefix_list_ids: [],
    source_security_group_id: null,
    self: false,
    description: null,
    timeouts: null,
    ...rule,
  };
}

export function networkState(overrides: { serial?: number; bastionCidr?: string } = {}): Json {
  return {
    version: 4,
    terraform_version: '1.12.2',
    serial: overrides.serial ?? 7,
    lineage: '9d0c3b8e-6f1a-4c1e-9a55-0b1b2c3d4e5f',
    outputs: { bastion_sg: { value: SG_BASTION, type: 'string' } },
    resources: [
      // A data source naming a group does not own it.
      {
        mode: 'data',
        type: 'aws_security_group',
        name: 'shared',
        provider: AWS,
        instances: [
          {
            schema_version: 0,
            attributes: { id: SG_SHARED, arn: `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/${SG_SHARED}` },
            sensitive_attributes: [],
          },
        ],
      },
      // Root module, inline style.
      {
        mode: 'managed',
        type: 'aws_security_group',
        name: 'bastion',
        provider: AWS,
        instances: [
          {
            schema_version: 1,
            ...identity(SG_BASTION),
            attributes: sgAttributes(SG_BASTION, 'bastion', {
              ingress: [
                inline({
                  protocol: 'tcp',
                  from_port: 22,
                  to_port: 22,
                  cidr_blocks: [overrides.bastionCidr ?? '198.51.100.0/24', '203.0.113.0/24'],
                  description: 'ssh',
                }),
                inline({ protocol: 'icmp', from_port: 8, to_port: 0, cidr_blocks: ['10.0.0.0/8'] }),
              ],
              egress: [inline({ protocol: '-1', from_port: 0, to_port: 0, cidr_blocks: ['0.0.0.0/0'], ipv6_cidr_blocks: ['::/0'] })],
              tags: { Name: 'bastion', tier: 'critical' },
              tags_all: { Name: 'bastion', tier: 'critical', env: 'prod' },
            }),
            sensitive_attributes: [],
            private: 'eyJzY2hlbWFfdmVyc2lvbiI6IjEifQ==',
          },
          // A deposed object (create_before_destroy leftover) is not the current one.
          { deposed: '00000001', schema_version: 1, attributes: sgAttributes(SG_DEPOSED, 'bastion-old'), sensitive_attributes: [] },
        ],
      },
      // Module, inline style with self and a referenced group.
      {
        module: 'module.net',
        mode: 'managed',
        type: 'aws_security_group',
        name: 'workers',
        provider: AWS,
        instances: [
          {
            schema_version: 1,
            ...identity(SG_WORKERS),
            attributes: sgAttributes(SG_WORKERS, 'workers', {
              ingress: [
                inline({ protocol: 'tcp', from_port: 0, to_port: 65535, self: true, description: 'cluster' }),
                inline({
                  protocol: 'tcp',
                  from_port: 8080,
                  to_port: 8080,
                  security_groups: [SG_BASTION],
                  prefix_list_ids: ['pl-0a1b2c3d'],
                }),
              ],
              egress: [inline({ protocol: '-1', from_port: 0, to_port: 0, cidr_blocks: ['0.0.0.0/0'] })],
            }),
            sensitive_attributes: [],
          },
        ],
      },
      // for_each module + count: vpc rule style (the group's inline attributes are the computed mirror).
      {
        module: 'module.app["blue"]',
        mode: 'managed',
        type: 'aws_security_group',
        name: 'this',
        each: 'list',
        provider: AWS,
        instances: [
          {
            index_key: 0,
            schema_version: 1,
            ...identity(SG_APP_BLUE),
            attributes: sgAttributes(SG_APP_BLUE, 'app-blue', {
              ingress: [inline({ protocol: 'tcp', from_port: 443, to_port: 443, ipv6_cidr_blocks: ['2001:db8::/32'] })],
              egress: [],
              tags: { app: 'blue' },
              tags_all: { app: 'blue' },
            }),
            sensitive_attributes: [],
          },
        ],
      },
      {
        module: 'module.app["blue"]',
        mode: 'managed',
        type: 'aws_vpc_security_group_ingress_rule',
        name: 'this',
        each: 'map',
        provider: AWS,
        instances: [
          {
            index_key: 'https',
            schema_version: 0,
            attributes: vpcRule('sgr-0000000000000b101', SG_APP_BLUE, {
              ip_protocol: 'tcp',
              from_port: 443,
              to_port: 443,
              cidr_ipv6: '2001:DB8::/32',
              description: 'https v6',
            }),
            sensitive_attributes: [],
          },
          {
            index_key: 'from "lb"',
            schema_version: 0,
            attributes: vpcRule('sgr-0000000000000b102', SG_APP_BLUE, {
              ip_protocol: '6',
              from_port: 8443,
              to_port: 8443,
              referenced_security_group_id: SG_WORKERS,
            }),
            sensitive_attributes: [],
            status: 'tainted',
          },
        ],
      },
      {
        module: 'module.app["blue"]',
        mode: 'managed',
        type: 'aws_vpc_security_group_egress_rule',
        name: 'all',
        provider: AWS,
        instances: [
          {
            schema_version: 0,
            attributes: vpcRule('sgr-0000000000000b103', SG_APP_BLUE, { ip_protocol: '-1', prefix_list_id: 'pl-0s3' }),
            sensitive_attributes: [],
          },
        ],
      },
      // Legacy aws_security_group_rule with count.
      {
        mode: 'managed',
        type: 'aws_security_group',
        name: 'legacy',
        provider: AWS,
        instances: [
          {
            schema_version: 1,
            attributes: sgAttributes(SG_LEGACY, 'legacy', {
              region: undefined,
              // The computed mirror of the rules below.
              ingress: [inline({ protocol: 'udp', from_port: 53, to_port: 53, cidr_blocks: ['10.0.0.0/8', '172.16.0.0/12'] })],
            }),
            sensitive_attributes: [],
          },
        ],
      },
      {
        mode: 'managed',
        type: 'aws_security_group_rule',
        name: 'dns',
        each: 'list',
        provider: AWS,
        instances: [
          {
            index_key: 0,
            schema_version: 2,
            attributes: legacyRule('sgrule-1111111111', SG_LEGACY, {
              type: 'ingress',
              protocol: 'udp',
              from_port: 53,
              to_port: 53,
              cidr_blocks: ['10.0.0.0/8', '172.16.0.0/12'],
            }),
            sensitive_attributes: [],
          },
          {
            index_key: 1,
            schema_version: 2,
            attributes: legacyRule('sgrule-2222222222', SG_LEGACY, {
              type: 'egress',
              protocol: '-1',
              from_port: 0,
              to_port: 0,
              self: true,
              security_group_rule_id: 'sgr-0000000000000c102',
            }),
            sensitive_attributes: [],
          },
        ],
      },
      // Rules added to a group this stack does not own (created by something else).
      {
        mode: 'managed',
        type: 'aws_vpc_security_group_ingress_rule',
        name: 'eks_extra',
        provider: AWS,
        instances: [
          {
            schema_version: 0,
            attributes: vpcRule('sgr-0000000000000e101', SG_EXTERNAL, {
              ip_protocol: 'tcp',
              from_port: 10250,
              to_port: 10250,
              cidr_ipv4: '10.0.0.0/16',
            }),
            sensitive_attributes: [],
          },
        ],
      },
      // Unrelated resources are ignored.
      {
        mode: 'managed',
        type: 'aws_instance',
        name: 'bastion',
        provider: AWS,
        instances: [
          { schema_version: 1, attributes: { id: 'i-0123456789abcdef0', vpc_security_group_ids: [SG_BASTION] }, sensitive_attributes: [] },
        ],
      },
    ],
    check_results: [
      {
        object_kind: 'resource',
        config_addr: 'aws_security_group.bastion',
        status: 'pass',
        objects: [{ object_addr: 'aws_security_group.bastion', status: 'pass' }],
      },
    ],
  };
}

/** A second stack ("apps") that adds a rule resource to the network stack's workers group. */
export function appsState(): Json {
  return {
    version: 4,
    terraform_version: '1.9.8',
    serial: 3,
    lineage: '11111111-2222-3333-4444-555555555555',
    outputs: {},
    resources: [
      {
        module: 'module.svc',
        mode: 'managed',
        type: 'aws_vpc_security_group_ingress_rule',
        name: 'metrics',
        provider: AWS,
        instances: [
          {
            schema_version: 0,
            attributes: vpcRule('sgr-0000000000000a201', SG_WORKERS, {
              ip_protocol: 'tcp',
              from_port: 9100,
              to_port: 9100,
              cidr_ipv4: '10.20.0.0/16',
            }),
            sensitive_attributes: [],
          },
        ],
      },
    ],
    check_results: null,
  };
}

/** A state file written by Terraform 0.11 (format version 3). */
export const V3_STATE: Json = {
  version: 3,
  terraform_version: '0.11.14',
  serial: 12,
  lineage: 'a1b2c3d4-0000-0000-0000-000000000000',
  modules: [
    {
      path: ['root'],
      outputs: {},
      resources: {
        'aws_security_group.web': {
          type: 'aws_security_group',
          primary: { id: 'sg-0123456789abcdef0', attributes: { id: 'sg-0123456789abcdef0', 'ingress.#': '1' } },
        },
      },
    },
  ],
};
