/**
 * Synthetic Terraform state files (format version 4, CONTRACTS.md §E1) of a given number of
 * resources, written as Terraform writes them (2-space indentation), for the state index
 * benchmark: about 2.8 KB per resource; 20% `aws_security_group` (five inline ingress blocks
 * and one egress), 10% security group rule resources (`aws_vpc_security_group_ingress_rule`,
 * `_egress_rule`, legacy `aws_security_group_rule`) targeting those groups, 70% assorted other
 * types padded with realistic small attributes (strings, numbers, booleans, nulls, nested
 * blocks); a third in the root module, the rest in modules (some under for_each); count and
 * for_each instance keys; identity (Terraform ≥ 1.12), provider v6 `region`; a data source
 * and a deposed object now and then. Deterministic: the same count gives the same bytes.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';
const AWS = 'provider["registry.terraform.io/hashicorp/aws"]';
/** Average bytes per resource aimed at. */
export const BYTES_PER_RESOURCE = 2800;

const OTHER_TYPES = [
  'aws_instance',
  'aws_s3_bucket',
  'aws_iam_role',
  'aws_iam_role_policy_attachment',
  'aws_lambda_function',
  'aws_route53_record',
  'aws_subnet',
  'aws_db_instance',
  'aws_cloudwatch_log_group',
  'aws_ecs_service',
  'aws_kms_key',
  'aws_sqs_queue',
  'aws_sns_topic',
  'aws_lb_target_group',
];

type Json = Record<string, unknown>;

const hex = (i: number, width = 17): string => i.toString(16).padStart(width, '0');
export const securityGroupId = (i: number): string => `sg-${hex(i)}`;

/** The id of resource `i` when it is neither a group nor a rule resource. */
export function otherResourceId(i: number): string {
  const type = OTHER_TYPES[i % OTHER_TYPES.length] ?? 'aws_instance';
  return `${type.slice(4, 10)}-${hex(i)}`;
}

/** Resource `i`'s kind: 0–1 of every 10 a group, 2 a rule resource, 3–9 something else. */
export function isSecurityGroup(i: number): boolean {
  return i % 10 < 2;
}

function filler(i: number, count: number): Json {
  const out: Json = {};
  for (let k = 0; k < count; k++) {
    const key = `setting_${k}`;
    switch (k % 6) {
      case 0:
        out[key] = null;
        break;
      case 1:
        out[key] = (i * 7 + k) % 1000;
        break;
      case 2:
        out[key] = k % 4 === 2;
        break;
      case 3:
        out[key] = `value-${i}-${k}`;
        break;
      case 4:
        out[key] = [`item-${k}-a`, `item-${k}-b`];
        break;
      default:
        out[key] = [{ enabled: true, mode: 'standard', retention_in_days: 30 + k }];
    }
  }
  return out;
}

function inline(k: number, i: number): Json {
  return {
    cidr_blocks: [`10.${k}.${i % 250}.0/24`],
    description: `rule ${k}`,
    from_port: 443 + k,
    ipv6_cidr_blocks: [],
    prefix_list_ids: [],
    protocol: 'tcp',
    security_groups: [],
    self: false,
    to_port: 443 + k,
  };
}

function resource(i: number): Json {
  const module = i % 3 === 0 ? undefined : i % 3 === 1 ? `module.m${i % 50}` : `module.app["svc-${i % 40}"].module.net`;
  let type: string;
  let attributes: Json;
  let each: 'list' | 'map' | undefined;
  let indexKey: string | number | undefined;
  const kind = i % 10;
  if (kind < 2) {
    type = 'aws_security_group';
    const id = securityGroupId(i);
    if (i % 4 === 0) [each, indexKey] = ['list', 0];
    attributes = {
      arn: `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/${id}`,
      description: 'Managed by Terraform',
      egress: [{ ...inline(0, i), cidr_blocks: ['0.0.0.0/0'], description: '', from_port: 0, protocol: '-1', to_port: 0 }],
      id,
      ingress: [0, 1, 2, 3, 4].map((k) => inline(k, i)),
      name: `sg-${i}`,
      name_prefix: '',
      owner_id: ACCOUNT,
      region: REGION,
      revoke_rules_on_delete: false,
      tags: { Name: `sg-${i}`, team: 'payments' },
      tags_all: { Name: `sg-${i}`, env: 'prod', team: 'payments' },
      timeouts: null,
      vpc_id: 'vpc-0123456789abcdef0',
    };
  } else if (kind === 2) {
    const target = securityGroupId(i - 2);
    const ruleId = `sgr-${hex(i)}`;
    [each, indexKey] = ['map', `rule "${i % 7}"`];
    if (i % 30 === 2) {
      type = 'aws_security_group_rule';
      attributes = {
        cidr_blocks: [`10.8.${i % 250}.0/24`],
        description: null,
        from_port: 53,
        id: `sgrule-${i}`,
        ipv6_cidr_blocks: [],
        prefix_list_ids: [],
        protocol: 'udp',
        security_group_id: target,
        security_group_rule_id: ruleId,
        self: false,
        source_security_group_id: null,
        timeouts: null,
        to_port: 53,
        type: 'ingress',
      };
    } else {
      type = i % 30 === 12 ? 'aws_vpc_security_group_egress_rule' : 'aws_vpc_security_group_ingress_rule';
      attributes = {
        arn: `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group-rule/${ruleId}`,
        cidr_ipv4: `10.9.${i % 250}.0/24`,
        cidr_ipv6: null,
        description: 'metrics',
        from_port: 8000 + (i % 100),
        id: ruleId,
        ip_protocol: 'tcp',
        prefix_list_id: null,
        referenced_security_group_id: null,
        region: REGION,
        security_group_id: target,
        security_group_rule_id: ruleId,
        tags: null,
        tags_all: {},
        to_port: 8000 + (i % 100),
      };
    }
  } else {
    type = OTHER_TYPES[i % OTHER_TYPES.length] ?? 'aws_instance';
    if (i % 4 === 0) [each, indexKey] = ['list', i % 5];
    else if (i % 4 === 1) [each, indexKey] = ['map', `key-${i % 9}`];
    const id = otherResourceId(i);
    attributes = {
      arn: `arn:aws:${type.split('_')[1]}:${REGION}:${ACCOUNT}:${type}/${id}`,
      id,
      name: `${type}-${i}`,
      region: REGION,
      tags: { Name: `n-${i}` },
      tags_all: { Name: `n-${i}` },
    };
  }
  const instance: Json = {
    ...(indexKey !== undefined ? { index_key: indexKey } : {}),
    schema_version: 1,
    attributes,
    sensitive_attributes: [],
    identity_schema_version: 0,
    identity: { account_id: ACCOUNT, id: attributes['id'], region: REGION },
    private: 'eyJzY2hlbWFfdmVyc2lvbiI6IjEifQ==',
    dependencies: ['data.aws_vpc.main'],
  };
  const instances: Json[] = [instance];
  if (i % 997 === 5) instances.push({ ...instance, deposed: hex(i, 8), index_key: undefined });
  return {
    ...(module ? { module } : {}),
    mode: i % 1009 === 7 ? 'data' : 'managed',
    type,
    name: `r${i}`,
    ...(each ? { each } : {}),
    provider: AWS,
    instances,
  };
}

/** Resource `i` as Terraform writes it inside `resources`, padded to about BYTES_PER_RESOURCE. */
function resourceText(i: number): string {
  const r = resource(i);
  let text = JSON.stringify(r, null, 2);
  if (text.length < BYTES_PER_RESOURCE - 100) {
    const attributes = (r['instances'] as Json[])[0]?.['attributes'] as Json;
    // Each filler attribute costs about 80 bytes at this depth.
    Object.assign(attributes, filler(i, Math.floor((BYTES_PER_RESOURCE - text.length) / 80)));
    text = JSON.stringify(r, null, 2);
  }
  return text.replace(/^/gm, '    ');
}

/** Writes a state of `resources` resources to `path`; resolves with its size in bytes. */
export async function writeSyntheticState(path: string, resources: number): Promise<number> {
  const out = createWriteStream(path);
  let bytes = 0;
  const write = async (text: string) => {
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(
    `{\n  "version": 4,\n  "terraform_version": "1.12.2",\n  "serial": ${resources},\n  "lineage": "3f1e2d4c-5b6a-7980-1a2b-3c4d5e6f7a8b",\n` +
      `  "outputs": {\n    "vpc_id": {\n      "value": "vpc-0123456789abcdef0",\n      "type": "string"\n    }\n  },\n  "resources": [\n`,
  );
  for (let i = 0; i < resources; i++) await write(resourceText(i) + (i < resources - 1 ? ',\n' : '\n'));
  await write('  ],\n  "check_results": null\n}\n');
  out.end();
  await once(out, 'finish');
  return bytes;
}
