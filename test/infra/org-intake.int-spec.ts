/**
 * Org-wide intake (issue 17 §1), checked without an AWS account like the rest of infra/:
 * HashiCorp's parser reads the modules, support/terraform-module.ts evaluates them (child
 * modules included), support/event-pattern.ts matches their event patterns against the sample
 * events of examples/events, and their IAM documents are checked statement by statement.
 *
 * - modules/intake-events: the one list of kinds, Config types and CloudTrail calls;
 * - modules/org-intake-member: rules on each member account's and region's default bus that
 *   forward to the central bus, with a role that may only put events there;
 * - modules/org-intake-central: the central bus (PutEvents from the organization only) and
 *   event-intake's queue and rules on it;
 * - examples/org (Terraform, for_each over regions, a provider per account) and
 *   examples/org-stackset (the member side as a service-managed StackSet).
 * With a terraform binary and the hashicorp/aws provider on this machine, `terraform validate`
 * runs on each of them; otherwise those tests are skipped and say why.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { registeredKinds } from '@driftwarden/kinds';
import { SECURITY_GROUP_CALLS } from '@driftwarden/kinds/security-group';

const SG_MUTATIONS: ReadonlySet<string> = new Set(SECURITY_GROUP_CALLS);
import { validatePattern } from './support/event-pattern';
import {
  eventRules,
  EventObject,
  iamGlobMatches,
  INFRA,
  matchingRules,
  objectAt,
  readEvent,
  Rule,
  SAMPLES,
  str,
  withDetail,
} from './support/infra-helpers';
import {
  awsProviderMinimum,
  inInitialisedCopy,
  awsProviderVersions,
  terraformBinary,
  terraformProviderDir,
  versionAtLeast,
} from './support/terraform-cli';
import {
  Instance,
  isJsonObject,
  isValueObject,
  Json,
  listTerraformFiles,
  loadModule,
  ModuleEvaluator,
  PolicyDocument,
  TerraformModule,
  toJson,
  Value,
} from './support/terraform-module';

const EVENTS = join(INFRA, 'modules', 'intake-events');
const MEMBER = join(INFRA, 'modules', 'org-intake-member');
const CENTRAL = join(INFRA, 'modules', 'org-intake-central');
const ORG_EXAMPLE = join(INFRA, 'examples', 'org');
const STACKSET_EXAMPLE = join(INFRA, 'examples', 'org-stackset');

const ORG_ID = 'o-a1b2c3d4e5';
const BUS_ARN = 'arn:aws:events:eu-west-1:111122223333:event-bus/driftwarden-org';
const MEMBER_INPUTS = { central_event_bus_arn: BUS_ARN, region: 'us-east-1' };

/** The rule keys every org module creates: Config notifications, then one CloudTrail rule per service. */
const RULE_KEYS = [
  'autoscaling_api_call',
  'config_item_change',
  'config_item_oversized',
  'config_rules_compliance_change',
  'ec2_api_call',
  's3_api_call',
];

/**
 * Where each sample of examples/events belongs, written from what the event is (CONTRACTS.md
 * A1/A5/A6/A8 and issue 13's kinds), not from the rules. Every sample must be listed.
 */
const ROUTES: Record<string, string[]> = {
  'config-item-change.json': ['config_item_change'],
  'config-item-change-org-member.json': ['config_item_change'],
  'config-item-deleted.json': ['config_item_change'],
  'config-item-discovered.json': ['config_item_change'],
  'config-item-oversized.json': ['config_item_oversized'],
  'config-rules-compliance-change.json': ['config_rules_compliance_change'],
  'cloudtrail-authorize-ingress.json': ['ec2_api_call'],
  'cloudtrail-create-network-acl-entry.json': ['ec2_api_call'],
  'cloudtrail-modify-instance-metadata-options.json': ['ec2_api_call'],
  'cloudtrail-put-bucket-public-access-block.json': ['s3_api_call'],
  'cloudtrail-update-auto-scaling-group.json': ['autoscaling_api_call'],
  // An SNS envelope is not an EventBridge event.
  'sns-config-item-change.json': [],
};

interface Kind {
  resource_type: string;
  service: string;
  api_calls: string[];
}

function asKinds(v: Value): Record<string, Kind> {
  if (!isValueObject(v)) throw new TypeError('kinds is not an object');
  const out: Record<string, Kind> = {};
  for (const [name, k] of Object.entries(v)) {
    if (!isValueObject(k) || typeof k.resource_type !== 'string' || typeof k.service !== 'string' || !Array.isArray(k.api_calls)) {
      throw new TypeError(`kinds.${name} is malformed`);
    }
    out[name] = {
      resource_type: k.resource_type,
      service: k.service,
      api_calls: k.api_calls.map((c) => str(c, `kinds.${name}.api_calls`)),
    };
  }
  return out;
}

/** A CloudTrail sample of `service` with another eventName (and whatever `edit` changes). */
function callOf(sample: EventObject, eventName: string, edit: (d: EventObject) => void = () => undefined): EventObject {
  return withDetail(sample, (d) => {
    d.eventName = eventName;
    edit(d);
  });
}

const CALL_SAMPLES: Record<string, string> = {
  ec2: 'cloudtrail-authorize-ingress.json',
  s3: 'cloudtrail-put-bucket-public-access-block.json',
  autoscaling: 'cloudtrail-update-auto-scaling-group.json',
};

/** A Config item change of `resourceType` (from the sample, retyped). */
function itemOf(resourceType: string): EventObject {
  return withDetail(readEvent('config-item-change.json'), (d) => {
    objectAt(d, 'configurationItem').resourceType = resourceType;
  });
}

function patternsByKey(rules: Rule[]): Record<string, Record<string, unknown>> {
  return Object.fromEntries(rules.map((r) => [r.key, r.pattern]));
}

async function single(ev: ModuleEvaluator, type: string, name: string): Promise<Instance> {
  const v = await ev.resource(type, name);
  if (!(v instanceof Instance)) throw new TypeError(`${type}.${name} is not a single instance`);
  return v;
}

function allowStatementsHaveNoWildcardAction(doc: PolicyDocument): void {
  for (const s of doc.Statement) {
    expect(s.NotAction).toBeUndefined();
    if (s.Effect === 'Allow') for (const a of s.Action ?? []) expect(a).not.toMatch(/[*?]/);
  }
}

// ------------------------------------------------------------------------------------------

describe('modules/intake-events: the kinds, their Config types and CloudTrail calls, in one place', () => {
  let mod: TerraformModule;
  let ev: ModuleEvaluator;
  let kinds: Record<string, Kind>;

  beforeAll(async () => {
    mod = await loadModule(EVENTS);
    ev = await ModuleEvaluator.create(mod);
    kinds = asKinds(await ev.output('kinds'));
  });

  it('creates nothing and needs no provider: it only computes', () => {
    expect(mod.resources.size + mod.data.size + mod.modules.size + mod.providers.size).toBe(0);
    expect(mod.terraform.flatMap((t) => Object.keys(t))).toEqual(['required_version']);
  });

  it('lists security-group calls exactly as the security-group kind does (SECURITY_GROUP_CALLS)', () => {
    expect(kinds.security_group).toEqual({ resource_type: 'AWS::EC2::SecurityGroup', service: 'ec2', api_calls: [...SG_MUTATIONS] });
  });

  it('lists every registered kind with exactly the CloudTrail calls it attributes (libs/kinds registry)', () => {
    for (const { kind } of registeredKinds()) {
      const listed = Object.values(kinds).filter((k) => kind.configTypes.includes(k.resource_type));
      expect({ kind: kind.name, calls: listed.flatMap((k) => k.api_calls).sort() }).toEqual({
        kind: kind.name,
        calls: [...kind.cloudTrailEventNames].sort(),
      });
    }
  });

  it("covers issue 13's four kinds, with CloudTrail's names for the calls", () => {
    expect(kinds.network_acl).toEqual({
      resource_type: 'AWS::EC2::NetworkAcl',
      service: 'ec2',
      api_calls: [
        'CreateNetworkAclEntry',
        'ReplaceNetworkAclEntry',
        'DeleteNetworkAclEntry',
        'ReplaceNetworkAclAssociation',
        'CreateNetworkAcl',
        'DeleteNetworkAcl',
      ],
    });
    // The SDK's PutPublicAccessBlock/DeletePublicAccessBlock on a bucket appear in CloudTrail as
    // PutBucketPublicAccessBlock/DeleteBucketPublicAccessBlock (S3 user guide, "Amazon S3
    // bucket-level actions tracked by CloudTrail logging"): a pattern on the SDK names never fires.
    expect(kinds.s3_bucket_public_access_block).toEqual({
      resource_type: 'AWS::S3::Bucket',
      service: 's3',
      api_calls: ['PutBucketPublicAccessBlock', 'DeleteBucketPublicAccessBlock'],
    });
    expect(kinds.autoscaling_group_capacity.resource_type).toBe('AWS::AutoScaling::AutoScalingGroup');
    expect(kinds.autoscaling_group_capacity.service).toBe('autoscaling');
    expect(kinds.autoscaling_group_capacity.api_calls).toEqual(
      expect.arrayContaining([
        'UpdateAutoScalingGroup',
        'SetDesiredCapacity',
        'TerminateInstanceInAutoScalingGroup',
        'DetachInstances',
        'EnterStandby',
      ]),
    );
    expect(kinds.instance_protection).toEqual({
      resource_type: 'AWS::EC2::Instance',
      service: 'ec2',
      api_calls: ['ModifyInstanceMetadataOptions', 'ModifyInstanceAttribute', 'ModifyNetworkInterfaceAttribute'],
    });
    expect(Object.keys(kinds).sort()).toEqual([
      'autoscaling_group_capacity',
      'instance_protection',
      'network_acl',
      's3_bucket_public_access_block',
      'security_group',
    ]);
  });

  it('groups the calls by service, with the EventBridge source and CloudTrail eventSource of each', async () => {
    const apiCalls = await ev.output('api_calls');
    expect(isValueObject(apiCalls) && Object.keys(apiCalls).sort()).toEqual(['autoscaling', 'ec2', 's3']);
    const byService = toJson(apiCalls);
    if (!isJsonObject(byService)) throw new TypeError('api_calls');
    expect(byService.ec2).toMatchObject({ source: 'aws.ec2', event_source: 'ec2.amazonaws.com' });
    expect(byService.s3).toMatchObject({ source: 'aws.s3', event_source: 's3.amazonaws.com' });
    expect(byService.autoscaling).toMatchObject({ source: 'aws.autoscaling', event_source: 'autoscaling.amazonaws.com' });
    for (const [service, s] of Object.entries(byService)) {
      if (!isJsonObject(s) || !Array.isArray(s.event_names)) throw new TypeError(service);
      const expected = Object.values(kinds)
        .filter((k) => k.service === service)
        .flatMap((k) => k.api_calls);
      expect({ service, names: s.event_names }).toEqual({ service, names: expected });
      expect(new Set(s.event_names).size).toBe(s.event_names.length);
    }
  });

  it('forwards the Config types of every kind, then the extra types asked for (validated)', async () => {
    const kindTypes = Object.values(kinds).map((k) => k.resource_type);
    expect(await ev.output('resource_types')).toEqual([...new Set(kindTypes)]);
    const extra = await ModuleEvaluator.create(mod, { extra_resource_types: ['AWS::RDS::DBInstance', 'AWS::EC2::SecurityGroup'] });
    expect(await extra.output('resource_types')).toEqual([...new Set(kindTypes), 'AWS::RDS::DBInstance']);
    expect(await extra.validationErrors()).toEqual([]);
    const bad = await ModuleEvaluator.create(mod, { extra_resource_types: ['rds instance'] });
    expect((await bad.validationErrors()).map((e) => e.variable)).toEqual(['extra_resource_types']);
  });

  it('is the only place in infra/ that names a CloudTrail call', () => {
    const files = listTerraformFiles(INFRA).map((f) => ({ rel: relative(INFRA, f), text: readFileSync(f, 'utf8') }));
    for (const name of Object.values(kinds).flatMap((k) => k.api_calls)) {
      const where = files.filter((f) => f.text.includes(`"${name}"`)).map((f) => f.rel);
      expect({ name, where }).toEqual({ name, where: ['modules/intake-events/main.tf'] });
    }
  });

  it('builds valid EventBridge patterns, the JSON and the object forms alike', async () => {
    const json = toJson(await ev.output('event_patterns'));
    const objects = toJson(await ev.output('event_pattern_objects'));
    if (!isJsonObject(json) || !isJsonObject(objects)) throw new TypeError('patterns');
    expect(Object.keys(json).sort()).toEqual(RULE_KEYS);
    for (const [key, text] of Object.entries(json)) {
      const pattern: unknown = JSON.parse(str(text, key));
      expect(pattern).toEqual(objects[key]);
      if (!isJsonObject(toJson(pattern))) throw new TypeError(key);
      expect(() => validatePattern(pattern as Record<string, unknown>, [])).not.toThrow();
    }
  });
});

// ------------------------------------------------------------------------------------------

describe('modules/org-intake-member: forwards one account and region to the central bus', () => {
  let mod: TerraformModule;
  let ev: ModuleEvaluator;
  let rules: Rule[];
  let kinds: Record<string, Kind>;

  beforeAll(async () => {
    mod = await loadModule(MEMBER);
    ev = await ModuleEvaluator.create(mod, MEMBER_INPUTS);
    rules = await eventRules(ev);
    kinds = asKinds(await (await ev.childModule('events')).output('kinds'));
  });

  it('requires hashicorp/aws >= 6.0 (the per-resource region that lets for_each cover every region)', () => {
    const aws = mod.terraform
      .flatMap((t) => (Array.isArray(t.required_providers) ? t.required_providers : []))
      .map((p) => (isJsonObject(p) ? p.aws : undefined))
      .find(isJsonObject);
    expect(aws).toEqual({ source: 'hashicorp/aws', version: '>= 6.0' });
  });

  it('validates its inputs', async () => {
    expect(await ev.validationErrors()).toEqual([]);
    const bad = await ModuleEvaluator.create(mod, {
      central_event_bus_arn: 'arn:aws:sqs:eu-west-1:111122223333:driftwarden',
      region: 'EU (Ireland)',
      name: 'a-name-that-is-far-too-long-for-rules',
      extra_resource_types: ['bucket'],
      role_path: 'driftwarden',
    });
    expect((await bad.validationErrors()).map((e) => e.variable).sort()).toEqual([
      'central_event_bus_arn',
      'extra_resource_types',
      'name',
      'region',
      'role_path',
    ]);
  });

  it("has one rule per Config notification kind and per service, on the region's default bus", async () => {
    expect(rules.map((r) => r.key).sort()).toEqual(RULE_KEYS);
    for (const r of rules) {
      expect(r.busName).toBe('default');
      expect(r.name).toBe(`driftwarden-org-${r.key.replace(/_/g, '-')}`);
      expect(r.name.length).toBeLessThanOrEqual(64);
      expect(() => validatePattern(r.pattern, [])).not.toThrow();
    }
    const forward = await ev.resource('aws_cloudwatch_event_rule', 'forward');
    if (!isValueObject(forward)) throw new TypeError('for_each rules');
    for (const inst of Object.values(forward)) {
      if (!(inst instanceof Instance)) throw new TypeError('rule');
      expect(await inst.get('region')).toBe('us-east-1');
    }
  });

  it.each(Object.entries(ROUTES))('routes examples/events/%s to %j', (file, expected) => {
    expect(matchingRules(rules, readEvent(file))).toEqual(expected);
  });

  it('classifies every sample of examples/events above', () => {
    expect(
      readdirSync(SAMPLES)
        .filter((f) => f.endsWith('.json'))
        .sort(),
    ).toEqual(Object.keys(ROUTES).sort());
  });

  it("forwards every call of every kind to its service's rule, and each kind's Config items", () => {
    for (const [name, kind] of Object.entries(kinds)) {
      for (const call of kind.api_calls) {
        const event = callOf(readEvent(CALL_SAMPLES[kind.service]), call);
        expect({ kind: name, call, rules: matchingRules(rules, event) }).toEqual({ kind: name, call, rules: [`${kind.service}_api_call`] });
      }
      expect({ kind: name, rules: matchingRules(rules, itemOf(kind.resource_type)) }).toEqual({
        kind: name,
        rules: ['config_item_change'],
      });
    }
  });

  it('forwards no failed call, no read, no SDK operation name CloudTrail never logs, and no unrelated type', () => {
    for (const [service, file] of Object.entries(CALL_SAMPLES)) {
      const failed = withDetail(readEvent(file), (d) => {
        d.errorCode = service === 'ec2' ? 'Client.DryRunOperation' : 'AccessDenied';
        d.errorMessage = 'failed';
      });
      expect({ service, rules: matchingRules(rules, failed) }).toEqual({ service, rules: [] });
    }
    const reads: Array<[string, string]> = [
      ['ec2', 'DescribeNetworkAcls'],
      ['ec2', 'DescribeInstances'],
      ['ec2', 'RunInstances'],
      ['s3', 'GetBucketPublicAccessBlock'],
      ['s3', 'PutPublicAccessBlock'],
      ['s3', 'DeletePublicAccessBlock'],
      ['s3', 'PutBucketPolicy'],
      ['autoscaling', 'DescribeAutoScalingGroups'],
    ];
    for (const [service, call] of reads) {
      const event = callOf(readEvent(CALL_SAMPLES[service]), call, (d) => {
        d.readOnly = call.startsWith('Describe') || call.startsWith('Get');
      });
      expect({ call, rules: matchingRules(rules, event) }).toEqual({ call, rules: [] });
    }
    // A service's call does not come in under another service's source.
    const mislabelled = { ...readEvent('cloudtrail-put-bucket-public-access-block.json'), source: 'aws.ec2' };
    expect(matchingRules(rules, mislabelled)).toEqual([]);
    expect(matchingRules(rules, itemOf('AWS::RDS::DBInstance'))).toEqual([]);
  });

  it('forwards extra Config types when asked, and drops the optional rules when disabled', async () => {
    const extra = await eventRules(await ModuleEvaluator.create(mod, { ...MEMBER_INPUTS, extra_resource_types: ['AWS::RDS::DBInstance'] }));
    expect(matchingRules(extra, itemOf('AWS::RDS::DBInstance'))).toEqual(['config_item_change']);
    const minimal = await eventRules(
      await ModuleEvaluator.create(mod, { ...MEMBER_INPUTS, enable_compliance_rule: false, enable_cloudtrail_rules: false }),
    );
    expect(minimal.map((r) => r.key).sort()).toEqual(['config_item_change', 'config_item_oversized']);
    expect(matchingRules(minimal, readEvent('cloudtrail-authorize-ingress.json'))).toEqual([]);
  });

  it('targets the central bus from every rule, through the forwarding role', async () => {
    const targets = await ev.resource('aws_cloudwatch_event_target', 'forward');
    if (!isValueObject(targets)) throw new TypeError('for_each targets');
    expect(Object.keys(targets).sort()).toEqual(RULE_KEYS);
    for (const [key, t] of Object.entries(targets)) {
      if (!(t instanceof Instance)) throw new TypeError('target');
      expect(await t.get('rule')).toBe(rules.find((r) => r.key === key)?.name);
      expect(await t.get('arn')).toBe(BUS_ARN);
      expect(await t.get('role_arn')).toBe('<computed:aws_iam_role.forward.arn>');
      expect(await t.get('event_bus_name')).toBe('default');
      expect(await t.get('region')).toBe('us-east-1');
    }
  });

  it('lets the role do exactly events:PutEvents on the central bus, nothing else', async () => {
    const doc = await ev.policyDocument('forward');
    expect(doc.Statement).toEqual([{ Sid: 'PutEventsOnCentralBus', Effect: 'Allow', Action: ['events:PutEvents'], Resource: [BUS_ARN] }]);
    allowStatementsHaveNoWildcardAction(doc);
    const attached = await single(ev, 'aws_iam_role_policy', 'forward');
    expect(JSON.parse(str(await attached.get('policy'), 'policy'))).toEqual(doc);
    expect(await attached.get('role')).toBe('<computed:aws_iam_role.forward.id>');
  });

  it('lets only EventBridge assume the role, and only for these rules; one role per region', async () => {
    const trust = await ev.policyDocument('trust');
    expect(trust.Statement).toEqual([
      {
        Sid: 'EventBridgeRules',
        Effect: 'Allow',
        Action: ['sts:AssumeRole'],
        Principal: { Service: ['events.amazonaws.com'] },
        Condition: { ArnEquals: { 'aws:SourceArn': rules.map((r) => `<computed:${r.address}.arn>`) } },
      },
    ]);
    const role = await single(ev, 'aws_iam_role', 'forward');
    expect(await role.get('name')).toBe('driftwarden-org-forwarder-us-east-1');
    // The central bus admits this role by default (org-intake-central forwarder_role_arns).
    const central = await ModuleEvaluator.create(await loadModule(CENTRAL), { organization_id: ORG_ID });
    const admitted = (await central.policyDocument('bus')).Statement[0].Condition?.ArnLike['aws:PrincipalArn'] ?? [];
    const roleArn = `arn:aws:iam::444455556666:role/${str(await role.get('name'), 'name')}`;
    expect(admitted.some((p) => iamGlobMatches(p, roleArn))).toBe(true);
    expect(JSON.parse(str(await role.get('assume_role_policy'), 'assume_role_policy'))).toEqual(trust);
  });
});

// ------------------------------------------------------------------------------------------

describe('modules/org-intake-central: the central bus and the controller queue', () => {
  let mod: TerraformModule;
  let ev: ModuleEvaluator;
  let intake: ModuleEvaluator;
  let rules: Rule[];

  beforeAll(async () => {
    mod = await loadModule(CENTRAL);
    ev = await ModuleEvaluator.create(mod, { organization_id: ORG_ID });
    intake = await ev.childModule('intake');
    rules = await eventRules(intake);
  });

  it('validates its inputs, and event-intake accepts what it is given', async () => {
    expect(await ev.validationErrors()).toEqual([]);
    expect(await intake.validationErrors()).toEqual([]);
    const bad = await ModuleEvaluator.create(mod, {
      organization_id: '123456789012',
      event_bus_name: 'default',
      extra_resource_types: ['x'],
      forwarder_role_arns: ['driftwarden-org-forwarder-*'],
    });
    expect((await bad.validationErrors()).map((e) => e.variable).sort()).toEqual([
      'event_bus_name',
      'extra_resource_types',
      'forwarder_role_arns',
      'organization_id',
    ]);
  });

  it('creates a custom bus whose policy admits PutEvents from the organization only', async () => {
    const bus = await single(ev, 'aws_cloudwatch_event_bus', 'org');
    expect(await bus.get('name')).toBe('driftwarden-org');
    const policy = await ev.policyDocument('bus');
    expect(policy.Statement).toEqual([
      {
        Sid: 'OrganizationPutEvents',
        Effect: 'Allow',
        Action: ['events:PutEvents'],
        Resource: ['<computed:aws_cloudwatch_event_bus.org.arn>'],
        Principal: '*',
        Condition: {
          StringEquals: { 'aws:PrincipalOrgID': [ORG_ID] },
          // And of the organization's principals, only the forwarding roles.
          ArnLike: { 'aws:PrincipalArn': ['arn:aws:iam::*:role/driftwarden-org-forwarder-*'] },
        },
      },
    ]);
    allowStatementsHaveNoWildcardAction(policy);
    const forwarder = 'arn:aws:iam::444455556666:role/driftwarden-org-forwarder-us-east-1';
    expect(iamGlobMatches('arn:aws:iam::*:role/driftwarden-org-forwarder-*', forwarder)).toBe(true);
    expect(iamGlobMatches('arn:aws:iam::*:role/driftwarden-org-forwarder-*', 'arn:aws:iam::444455556666:role/developer')).toBe(false);
    const anyone = await (await ModuleEvaluator.create(mod, { organization_id: ORG_ID, forwarder_role_arns: [] })).policyDocument('bus');
    expect(anyone.Statement[0].Condition).toEqual({ StringEquals: { 'aws:PrincipalOrgID': [ORG_ID] } });
    const attached = await single(ev, 'aws_cloudwatch_event_bus_policy', 'org');
    expect(await attached.get('event_bus_name')).toBe('driftwarden-org');
    expect(JSON.parse(str(await attached.get('policy'), 'policy'))).toEqual(policy);
    expect(JSON.parse(str(await ev.output('bus_policy_json'), 'bus_policy_json'))).toEqual(policy);
    expect(await ev.output('event_bus_arn')).toBe('<computed:aws_cloudwatch_event_bus.org.arn>');
  });

  it("puts event-intake's rules on that bus, with the same patterns the members forward", async () => {
    expect(rules.map((r) => r.key).sort()).toEqual(RULE_KEYS);
    for (const r of rules) expect(r.busName).toBe('driftwarden-org');
    const member = await eventRules(await ModuleEvaluator.create(await loadModule(MEMBER), MEMBER_INPUTS));
    expect(patternsByKey(rules)).toEqual(patternsByKey(member));
  });

  it.each(Object.entries(ROUTES))('delivers examples/events/%s to %j', (file, expected) => {
    expect(matchingRules(rules, readEvent(file))).toEqual(expected);
  });

  it('delivers an event forwarded from any account and region of the organization: it keeps both', () => {
    const forwarded = readEvent('config-item-change-org-member.json');
    expect([forwarded.account, forwarded.region]).toEqual(['444455556666', 'us-east-1']);
    expect(matchingRules(rules, forwarded)).toEqual(['config_item_change']);
    // The rules do not filter on account or region: the stacks of driftwarden.yaml do.
    for (const r of rules) expect(Object.keys(r.pattern).sort()).toEqual(['detail', 'detail-type', 'source']);
  });

  it('feeds the queue from every rule of the bus, and only those rules may send to it', async () => {
    const targets = await intake.resource('aws_cloudwatch_event_target', 'intake');
    if (!isValueObject(targets)) throw new TypeError('for_each targets');
    expect(Object.keys(targets).sort()).toEqual(RULE_KEYS);
    for (const t of Object.values(targets)) {
      if (!(t instanceof Instance)) throw new TypeError('target');
      expect(await t.get('arn')).toBe('<computed:module.intake.aws_sqs_queue.intake.arn>');
      expect(await t.get('event_bus_name')).toBe('driftwarden-org');
    }
    const policy = await intake.policyDocument('intake_queue');
    const allow = policy.Statement.filter((s) => s.Effect === 'Allow');
    expect(allow).toHaveLength(1);
    expect(allow[0].Principal).toEqual({ Service: ['events.amazonaws.com'] });
    expect([...(allow[0].Condition?.ArnEquals['aws:SourceArn'] ?? [])].sort()).toEqual(
      rules.map((r) => `<computed:${r.address}.arn>`).sort(),
    );
    allowStatementsHaveNoWildcardAction(policy);
    // The one wildcard is the Deny of every request without TLS.
    expect(policy.Statement.filter((s) => (s.Action ?? []).some((a) => a.includes('*')))).toEqual([
      expect.objectContaining({ Effect: 'Deny', Action: ['sqs:*'], Condition: { Bool: { 'aws:SecureTransport': ['false'] } } }),
    ]);
    expect(await ev.output('queue_url')).toBe('<computed:module.intake.aws_sqs_queue.intake.id>');
    expect(await ev.output('queue_arn')).toBe('<computed:module.intake.aws_sqs_queue.intake.arn>');
  });

  it('drops the optional rules when disabled', async () => {
    const off = await ModuleEvaluator.create(mod, {
      organization_id: ORG_ID,
      enable_compliance_rule: false,
      enable_cloudtrail_rules: false,
    });
    expect((await eventRules(await off.childModule('intake'))).map((r) => r.key).sort()).toEqual([
      'config_item_change',
      'config_item_oversized',
    ]);
  });
});

// ------------------------------------------------------------------------------------------

describe('examples/org: every account and region forwards, every account has its remediator role', () => {
  let mod: TerraformModule;
  beforeAll(async () => {
    mod = await loadModule(ORG_EXAMPLE);
  });

  const accountProviders: Array<[string, string | undefined]> = [
    ['tooling', undefined],
    ['prod', '${aws.prod}'],
    ['staging', '${aws.staging}'],
  ];

  it('has a provider per account (aliases) and the region-independent tooling provider', () => {
    expect([...mod.providers.values()].map((p) => p.alias ?? null)).toEqual([null, 'prod', 'staging']);
  });

  it.each(accountProviders)('%s: org-intake-member for_each region, after the central bus', (account, provider) => {
    const member = mod.modules.get(`member_${account}`);
    expect(member).toMatchObject({
      source: '../../modules/org-intake-member',
      for_each: '${toset(var.regions)}',
      region: '${each.key}',
      central_event_bus_arn: '${module.central.event_bus_arn}',
      depends_on: ['${module.central}'],
    });
    expect(member?.providers).toEqual(provider ? { aws: provider } : undefined);
  });

  it.each(accountProviders)("%s: the remediator role, trusted by the controller's role", (account, provider) => {
    const remediator = mod.modules.get(`remediator_${account}`);
    expect(remediator).toMatchObject({
      source: '../../modules/remediator-role',
      controller_role_arn: '${module.controller_iam.role_arn}',
      external_id: '${var.external_id}',
      role_name: '${local.remediator_role_name}',
      regions: '${var.regions}',
    });
    expect(remediator?.providers).toEqual(provider ? { aws: provider } : undefined);
  });

  it("wires the central queue into the controller's role, and every account's remediator role too", async () => {
    const iam = mod.modules.get('controller_iam');
    expect(iam?.queue_arn).toBe('${module.central.queue_arn}');
    expect(mod.modules.get('central')).toMatchObject({
      source: '../../modules/org-intake-central',
      organization_id: '${var.organization_id}',
    });
    // The roles the controller may assume are the remediator roles of exactly these accounts.
    const ev = await ModuleEvaluator.create(mod, {
      organization_id: ORG_ID,
      prod_account_id: '444455556666',
      staging_account_id: '777788889999',
      external_id: 'dw-external-0001',
      config_bucket_name: 'config-bucket-111122223333',
      terraform_state_objects: [{ bucket: 'tf-state', key: 'network/terraform.tfstate' }],
    });
    expect(await ev.local('account_ids')).toEqual([
      '<computed:data.aws_caller_identity.tooling.account_id>',
      '444455556666',
      '777788889999',
    ]);
    const roleArns = await ev.evaluate(iam?.remediation_role_arns ?? null, new Map());
    expect(roleArns).toEqual(
      ['<computed:data.aws_caller_identity.tooling.account_id>', '444455556666', '777788889999'].map(
        (id) => `arn:<computed:data.aws_partition.current.partition>:iam::${id}:role/driftwarden-remediator`,
      ),
    );
    const config = mod.outputs.get('driftwarden_config')?.value;
    expect(config).toMatch(/queueUrl\s*=\s*module\.central\.queue_url/);
    expect(config).toMatch(
      /roleArn\s*=\s*"arn:\$\{data\.aws_partition\.current\.partition\}:iam::\{account\}:role\/\$\{local\.remediator_role_name\}"/,
    );
    for (const a of ['controller_iam', 'remediator_tooling', 'remediator_prod', 'remediator_staging'])
      expect(config).toContain(`module.${a}.principals_self`);
  });
});

// ------------------------------------------------------------------------------------------

describe('examples/org-stackset: the member side as a CloudFormation StackSet, from the same list', () => {
  let template: { [key: string]: Json };
  let memberRules: Rule[];

  beforeAll(async () => {
    const ev = await ModuleEvaluator.create(await loadModule(STACKSET_EXAMPLE), {
      organization_id: ORG_ID,
      organizational_unit_ids: ['ou-ab12-cdef3456'],
    });
    const t = toJson(await ev.local('member_template'));
    if (!isJsonObject(t)) throw new TypeError('member_template');
    template = t;
    memberRules = await eventRules(await ModuleEvaluator.create(await loadModule(MEMBER), MEMBER_INPUTS));
  });

  const resources = (): { [key: string]: Json } => {
    const r = template.Resources;
    if (!isJsonObject(r)) throw new TypeError('Resources');
    return r;
  };
  const properties = (logicalId: string): { [key: string]: Json } => {
    const r = resources()[logicalId];
    if (!isJsonObject(r) || !isJsonObject(r.Properties)) throw new TypeError(logicalId);
    return r.Properties;
  };
  const BUS = '<computed:module.central.aws_cloudwatch_event_bus.org.arn>';

  it("has org-intake-member's rules, with its patterns, targeting the central bus through the role", () => {
    const ruleIds = Object.keys(resources()).filter((k) => k !== 'ForwarderRole');
    expect(ruleIds.sort()).toEqual(RULE_KEYS.map((k) => `Rule${k.replace(/_/g, '')}`).sort());
    for (const r of memberRules) {
      const p = properties(`Rule${r.key.replace(/_/g, '')}`);
      expect(resources()[`Rule${r.key.replace(/_/g, '')}`]).toMatchObject({ Type: 'AWS::Events::Rule' });
      expect(p).toMatchObject({ Name: r.name, EventBusName: 'default', State: 'ENABLED', EventPattern: r.pattern });
      expect(p.Targets).toEqual([{ Id: 'driftwarden-central-bus', Arn: BUS, RoleArn: { 'Fn::GetAtt': ['ForwarderRole', 'Arn'] } }]);
    }
  });

  it('gives its role exactly events:PutEvents on the central bus, assumable by EventBridge for those rules only', () => {
    const role = properties('ForwarderRole');
    expect(resources().ForwarderRole).toMatchObject({ Type: 'AWS::IAM::Role' });
    expect(role.RoleName).toEqual({ 'Fn::Sub': 'driftwarden-org-forwarder-${AWS::Region}' });
    // Admitted by the central bus's default forwarder_role_arns.
    expect(
      iamGlobMatches(
        'arn:aws:iam::*:role/driftwarden-org-forwarder-*',
        'arn:aws:iam::444455556666:role/driftwarden-org-forwarder-eu-west-1',
      ),
    ).toBe(true);
    expect(role.Policies).toEqual([
      {
        PolicyName: 'driftwarden-put-events',
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Sid: 'PutEventsOnCentralBus', Effect: 'Allow', Action: 'events:PutEvents', Resource: BUS }],
        },
      },
    ]);
    const trust = role.AssumeRolePolicyDocument;
    if (!isJsonObject(trust) || !Array.isArray(trust.Statement) || !isJsonObject(trust.Statement[0])) throw new TypeError('trust');
    const statement = trust.Statement[0];
    expect(statement).toMatchObject({ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sts:AssumeRole' });
    const arns = toJson(statement.Condition);
    expect(arns).toEqual({
      ArnEquals: {
        'aws:SourceArn': memberRules
          .map((r) => r.name)
          .sort()
          .map((name) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/${name}` })),
      },
    });
  });

  it.each(Object.entries(ROUTES))('its rules route examples/events/%s to %j', (file, expected) => {
    const rules: Rule[] = memberRules.map((r) => {
      const pattern = properties(`Rule${r.key.replace(/_/g, '')}`).EventPattern;
      if (!isJsonObject(pattern)) throw new TypeError(r.key);
      return { ...r, pattern };
    });
    expect(matchingRules(rules, readEvent(file))).toEqual(expected);
  });
});

// ------------------------------------------------------------------------------------------

describe('terraform validate (needs a terraform binary and the hashicorp/aws provider on this machine)', () => {
  const terraform = terraformBinary();
  const plugins = terraformProviderDir();
  const skipped = !terraform
    ? ' — skipped: no terraform binary on PATH'
    : !plugins
      ? ' — skipped: no hashicorp/aws provider here (set DRIFTWARDEN_TERRAFORM_PLUGIN_DIR to a directory holding registry.terraform.io/hashicorp/aws >= 6.0)'
      : '';
  const dirs = [
    // Every module and example (the first ones need hashicorp/aws >= 5.0, the org ones >= 6.0).
    'modules/event-intake',
    'modules/controller-iam',
    'modules/remediator-role',
    'modules/kind-permissions',
    'modules/redis',
    'modules/controller-service',
    'modules/audit-export',
    'examples/complete',
    'modules/intake-events',
    'modules/org-intake-member',
    'modules/org-intake-central',
    'examples/org',
    'examples/org-stackset',
  ];

  // A configuration needing a newer provider than the one here is skipped, saying so.
  const versions = plugins ? awsProviderVersions(plugins) : [];
  const cases = dirs.map((dir): [string, string] => {
    const minimum = awsProviderMinimum(join(INFRA, dir));
    return [
      dir,
      versions.some((v) => versionAtLeast(v, minimum))
        ? ''
        : ` — skipped: needs hashicorp/aws >= ${minimum}, this machine has ${versions.join(', ') || 'none'}`,
    ];
  });
  for (const [dir, tooOld] of cases) (skipped || tooOld ? it.skip : it)(`${dir}${skipped || tooOld}`, () => validate(dir));

  function validate(dir: string): Promise<void> {
    return inInitialisedCopy(
      { terraform: terraform ?? 'terraform', plugins: plugins ?? '', infra: INFRA, dir: join('infra', dir) },
      (run) => {
        const result: unknown = JSON.parse(run(['validate', '-json']).stdout);
        expect(result).toMatchObject({ valid: true, error_count: 0 });
      },
    );
  }
});

/**
 * A policy as the provider renders it or the reader evaluates it, in one form: every field kept,
 * action and resource lists and condition values sorted (a lone value as a list), statements by sid.
 */
function normalisedPolicy(doc: PolicyDocument | Record<string, unknown>): unknown[] {
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : [String(v)]).sort();
  const statements = (doc as { Statement: Array<Record<string, unknown>> }).Statement;
  return statements
    .map((s) =>
      Object.fromEntries(
        Object.entries(s).map(([key, value]) => {
          if (['Action', 'NotAction', 'Resource', 'NotResource'].includes(key)) return [key, list(value)];
          if (key !== 'Condition') return [key, value];
          const conditions = Object.entries(value as Record<string, Record<string, unknown>>).map(([test, vars]) => [
            test,
            Object.fromEntries(Object.entries(vars).map(([variable, values]) => [variable, list(values)])),
          ]);
          return [key, Object.fromEntries(conditions)];
        }),
      ),
    )
    .sort((a, b) => String(a['Sid']).localeCompare(String(b['Sid'])));
}

describe('terraform plan, offline (needs a terraform binary and the hashicorp/aws provider on this machine)', () => {
  const terraform = terraformBinary();
  const plugins = terraformProviderDir();
  const skipped = !terraform
    ? ' — skipped: no terraform binary on PATH'
    : !plugins || !awsProviderVersions(plugins).some((v) => versionAtLeast(v, '5.0'))
      ? ' — skipped: no hashicorp/aws >= 5.0 here (set DRIFTWARDEN_TERRAFORM_PLUGIN_DIR to a directory holding registry.terraform.io/hashicorp/aws)'
      : '';

  (skipped ? it.skip : it)(
    `plans every module that needs hashicorp/aws 5 with real values (test/infra/fixtures/plan), and the roles' policies are what the test reader evaluates${skipped}`,
    async () => {
      // The fixture beside a copy of infra/ (its module sources are ../infra/modules/…).
      const beside = { plan: join(__dirname, 'fixtures', 'plan') };
      await inInitialisedCopy(
        { terraform: terraform ?? 'terraform', plugins: plugins ?? '', infra: INFRA, dir: 'plan', beside },
        async (run) => {
          const plan = run(['plan', '-input=false', '-no-color', '-out=plan.bin']);
          if (plan.status !== 0) throw new Error(`terraform plan failed: ${plan.stdout}\n${plan.stderr}`);
          const show = JSON.parse(run(['show', '-json', 'plan.bin']).stdout) as {
            resource_changes: Array<{
              address: string;
              mode: string;
              change: { actions: string[]; after: Record<string, unknown> | null };
            }>;
          };
          const managed = show.resource_changes.filter((r) => r.mode === 'managed');
          expect(managed.length).toBeGreaterThan(30);
          expect(managed.filter((r) => r.change.actions.join() !== 'create').map((r) => r.address)).toEqual([]);
          const policy = (address: string) => {
            const change = show.resource_changes.find((r) => r.address === address);
            if (typeof change?.change.after?.['policy'] !== 'string') throw new Error(`${address}: no policy known at plan`);
            return JSON.parse(change.change.after['policy']) as Record<string, unknown>;
          };

          const controller = await (
            await ModuleEvaluator.create(await loadModule(join(INFRA, 'modules', 'controller-iam')), {
              account_id: '111122223333',
              regions: ['eu-west-1'],
              queue_arn: 'arn:aws:sqs:eu-west-1:111122223333:driftwarden',
              config_bucket_name: 'config-bucket-111122223333',
              terraform_state_objects: [{ bucket: 'tf-state', key: 'network/terraform.tfstate' }],
              remediation_role_arns: ['arn:aws:iam::444455556666:role/driftwarden-remediator'],
              ec2_write_required_tags: { 'driftwarden:managed': 'true' },
            })
          ).policyDocument('controller');
          expect(normalisedPolicy(policy('module.controller_iam.aws_iam_role_policy.controller'))).toEqual(normalisedPolicy(controller));

          const remediator = await (
            await ModuleEvaluator.create(await loadModule(join(INFRA, 'modules', 'remediator-role')), {
              account_id: '444455556666',
              regions: ['eu-west-1', 'us-east-1'],
              controller_role_arn: 'arn:aws:iam::111122223333:role/driftwarden',
              external_id: 'dw-external-0001',
            })
          ).policyDocument('remediator');
          expect(normalisedPolicy(policy('module.remediator_role.aws_iam_role_policy.remediator'))).toEqual(normalisedPolicy(remediator));
        },
      );
    },
    120_000,
  );
});
