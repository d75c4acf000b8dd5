/**
 * infra/ without a terraform binary: every .tf file goes through HashiCorp's HCL parser
 * (@cdktf/hcl2json), the modules' expressions are evaluated from the parser's syntax tree
 * (support/terraform-module.ts), and what they would deploy is checked:
 * - the EventBridge rules route each sample event of examples/events to exactly the rule
 *   meant for it, and nothing unrelated (support/event-pattern.ts is an EventBridge matcher);
 * - the queues and the queue policy (only EventBridge, only these rules);
 * - the controller's IAM policy is exactly the calls it makes, scoped.
 */
import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { registeredKinds } from '@driftwarden/kinds';
import { SECURITY_GROUP_CALLS } from '@driftwarden/kinds/security-group';

const SG_MUTATIONS: ReadonlySet<string> = new Set(SECURITY_GROUP_CALLS);
import { matchesPattern, validatePattern } from './support/event-pattern';
import {
  actionsOf,
  eventRules,
  EventObject,
  iamGlobMatches,
  INFRA,
  matchingRules,
  objectAt,
  readEvent,
  resourcesFor,
  Rule,
  SAMPLES,
  statementsFor,
  str,
  withDetail,
} from './support/infra-helpers';
import {
  Instance,
  isJsonObject,
  isValueObject,
  listTerraformFiles,
  loadModule,
  ModuleEvaluator,
  parseTerraformFile,
  PolicyDocument,
  collectReferences,
  TerraformModule,
  Value,
} from './support/terraform-module';
const EVENT_INTAKE = join(INFRA, 'modules', 'event-intake');
const CONTROLLER_IAM = join(INFRA, 'modules', 'controller-iam');
const REMEDIATOR_ROLE = join(INFRA, 'modules', 'remediator-role');
const REDIS = join(INFRA, 'modules', 'redis');
const CONTROLLER_SERVICE = join(INFRA, 'modules', 'controller-service');
/** What the controller calls in a resource's account (all of it, in another account, through the remediator role). */
const REMOTE_ACCOUNT_ACTIONS = [
  'cloudtrail:LookupEvents',
  'config:BatchGetResourceConfig',
  // Exactly what each registered kind's executor calls.
  ...registeredKinds().flatMap((k) => k.iamActions),
].sort();
const EXAMPLE = join(INFRA, 'examples', 'complete');

// ------------------------------------------------------------------------------------------

describe('infra/ Terraform', () => {
  const files = listTerraformFiles(INFRA);

  describe("HashiCorp's HCL parser accepts every .tf file", () => {
    it('finds the modules and the example', () => {
      const rel = files.map((f) => relative(INFRA, f));
      expect(rel).toEqual(
        expect.arrayContaining([
          'modules/event-intake/main.tf',
          'modules/event-intake/variables.tf',
          'modules/event-intake/outputs.tf',
          'modules/event-intake/versions.tf',
          'modules/controller-iam/main.tf',
          'modules/controller-iam/variables.tf',
          'modules/controller-iam/outputs.tf',
          'modules/controller-iam/versions.tf',
          'modules/remediator-role/main.tf',
          'modules/remediator-role/variables.tf',
          'modules/remediator-role/outputs.tf',
          'modules/remediator-role/versions.tf',
          'modules/kind-permissions/main.tf',
          'modules/kind-permissions/variables.tf',
          'modules/kind-permissions/outputs.tf',
          'modules/kind-permissions/versions.tf',
          'modules/redis/main.tf',
          'modules/redis/variables.tf',
          'modules/redis/outputs.tf',
          'modules/redis/versions.tf',
          'modules/controller-service/main.tf',
          'modules/controller-service/variables.tf',
          'modules/controller-service/outputs.tf',
          'modules/controller-service/versions.tf',
          'examples/complete/main.tf',
          'modules/intake-events/main.tf',
          'modules/intake-events/variables.tf',
          'modules/intake-events/outputs.tf',
          'modules/intake-events/versions.tf',
          'modules/org-intake-member/main.tf',
          'modules/org-intake-member/variables.tf',
          'modules/org-intake-member/outputs.tf',
          'modules/org-intake-member/versions.tf',
          'modules/org-intake-central/main.tf',
          'modules/org-intake-central/variables.tf',
          'modules/org-intake-central/outputs.tf',
          'modules/org-intake-central/versions.tf',
          'examples/org/main.tf',
          'examples/org-stackset/main.tf',
        ]),
      );
    });

    it.each(files.map((f) => [relative(INFRA, f), f]))('%s', async (_rel, file) => {
      const doc = await parseTerraformFile(file);
      expect(Object.keys(doc).length).toBeGreaterThan(0);
    });

    it('rejects HCL with a syntax error (the parser really parses)', async () => {
      await expect(parse('broken.tf', 'resource "aws_sqs_queue" "q" {\n  name = \n}\n')).rejects.toThrow();
    });
  });

  describe('every reference resolves (a stand-in for `terraform validate`)', () => {
    const modules: Array<[string, string]> = [
      ['modules/event-intake', EVENT_INTAKE],
      ['modules/controller-iam', CONTROLLER_IAM],
      ['modules/remediator-role', REMEDIATOR_ROLE],
      ['modules/kind-permissions', join(INFRA, 'modules', 'kind-permissions')],
      ['modules/redis', REDIS],
      ['modules/controller-service', CONTROLLER_SERVICE],
      ['modules/intake-events', join(INFRA, 'modules', 'intake-events')],
      ['modules/org-intake-member', join(INFRA, 'modules', 'org-intake-member')],
      ['modules/org-intake-central', join(INFRA, 'modules', 'org-intake-central')],
      ['examples/complete', EXAMPLE],
      ['examples/org', join(INFRA, 'examples', 'org')],
      ['examples/org-stackset', join(INFRA, 'examples', 'org-stackset')],
    ];

    it.each(modules)('%s', async (_name, dir) => {
      const mod = await loadModule(dir);
      const problems: string[] = [];
      const children = new Map<string, TerraformModule>();
      for (const [name, body] of mod.modules) {
        if (typeof body.source !== 'string') throw new TypeError(`module ${name}: no source`);
        children.set(name, await loadModule(resolve(dir, body.source)));
      }
      for (const { path, expression } of await collectReferences(mod)) {
        const [root, a, b] = path;
        const bad = (why: string): void => {
          problems.push(`${path.join('.')}: ${why} (in ${expression.slice(0, 80)})`);
        };
        if (root === 'var') {
          if (!mod.variables.has(a)) bad('undeclared variable');
        } else if (root === 'local') {
          if (!mod.locals.has(a)) bad('undeclared local');
        } else if (root === 'data') {
          if (!mod.data.has(`${a}.${b}`)) bad('undeclared data source');
        } else if (root === 'module') {
          const child = children.get(a);
          if (!child) bad('undeclared module');
          else if (b !== undefined && !child.outputs.has(b)) bad(`module ${a} has no output "${b}"`); // no b: depends_on
        } else if ([...mod.providers.entries()].some(([key, p]) => key.split('#')[0] === root && p.alias === a)) {
          // providers = { aws = aws.prod }: a provider alias of this module
        } else if (!mod.resources.has(`${root}.${a}`)) {
          bad('undeclared resource (or unknown name)');
        }
      }
      for (const [name, body] of mod.modules) {
        const child = children.get(name);
        if (!child) continue;
        const meta = new Set(['source', 'version', 'providers', 'count', 'for_each', 'depends_on']);
        for (const arg of Object.keys(body)) {
          if (!meta.has(arg) && !child.variables.has(arg)) problems.push(`module ${name}: no variable "${arg}"`);
        }
        for (const [v, decl] of child.variables) {
          if (!Object.hasOwn(decl, 'default') && !Object.hasOwn(body, v)) {
            problems.push(`module ${name}: required variable "${v}" not set`);
          }
        }
      }
      expect(problems).toEqual([]);
    });

    it.each([
      ['event-intake', EVENT_INTAKE],
      ['controller-iam', CONTROLLER_IAM],
      ['remediator-role', REMEDIATOR_ROLE],
      ['kind-permissions', join(INFRA, 'modules', 'kind-permissions')],
      ['redis', REDIS],
      ['controller-service', CONTROLLER_SERVICE],
      ['org-intake-central', join(INFRA, 'modules', 'org-intake-central')],
    ])('%s requires hashicorp/aws >= 5.0', async (_name, dir) => {
      const mod = await loadModule(dir);
      const providers = mod.terraform.flatMap((t) => {
        const rp = t.required_providers;
        return Array.isArray(rp) ? rp : [];
      });
      const aws = providers.map((p) => (isJsonObject(p) ? p.aws : undefined)).find(isJsonObject);
      expect(aws).toEqual({ source: 'hashicorp/aws', version: '>= 5.0' });
    });
  });

  // ----------------------------------------------------------------------------------------

  describe('modules/event-intake', () => {
    let mod: TerraformModule;
    let ev: ModuleEvaluator;
    let rules: Rule[];

    const ciChange = readEvent('config-item-change.json');
    const ciOversized = readEvent('config-item-oversized.json');
    const compliance = readEvent('config-rules-compliance-change.json');
    const authorize = readEvent('cloudtrail-authorize-ingress.json');

    beforeAll(async () => {
      mod = await loadModule(EVENT_INTAKE);
      ev = await ModuleEvaluator.create(mod);
      rules = await eventRules(ev);
    });

    it('has one rule per event kind, on the default bus, written as jsonencode of an HCL object', () => {
      expect(rules.map((r) => r.key).sort()).toEqual([
        'config_item_change',
        'config_item_oversized',
        'config_rules_compliance_change',
        'security_group_api_call',
      ]);
      for (const r of rules) {
        expect(r.busName).toBe('default');
        expect(r.source).toMatch(/^\$\{jsonencode\(\{[\s\S]*\}\)\}$/);
        expect(() => validatePattern(r.pattern, [])).not.toThrow();
      }
      expect(rules.map((r) => r.name).sort()).toEqual([
        'driftwarden-config-item-change',
        'driftwarden-config-item-oversized',
        'driftwarden-config-rules-compliance-change',
        'driftwarden-security-group-api-call',
      ]);
    });

    it.each([
      ['config-item-change.json', 'config_item_change'],
      ['config-item-oversized.json', 'config_item_oversized'],
      ['config-rules-compliance-change.json', 'config_rules_compliance_change'],
      ['cloudtrail-authorize-ingress.json', 'security_group_api_call'],
    ])('routes examples/events/%s to exactly %s', (file, rule) => {
      expect(matchingRules(rules, readEvent(file))).toEqual([rule]);
    });

    it('routes every EventBridge sample in examples/events to the one rule for its kind, and no other sample', () => {
      // The rule each kind of event is meant for, from CONTRACTS.md A1/A5/A6/A8 and the
      // attribution code's list of security-group calls (not from the rules). This single-account
      // intake forwards security-group calls only; the other kinds' are org-intake's.
      const intended = (event: EventObject): string[] => {
        const detail = event.detail;
        if (typeof event['detail-type'] !== 'string' || !isJsonObject(detail)) return []; // SNS envelope, bare notification
        switch (event['detail-type']) {
          case 'Config Configuration Item Change':
            return detail.messageType === 'OversizedConfigurationItemChangeNotification'
              ? ['config_item_oversized']
              : ['config_item_change'];
          case 'Config Rules Compliance Change':
            return ['config_rules_compliance_change'];
          case 'AWS API Call via CloudTrail':
            return typeof detail.eventName === 'string' && SG_MUTATIONS.has(detail.eventName) ? ['security_group_api_call'] : [];
          default:
            return [];
        }
      };
      const samples = readdirSync(SAMPLES).filter((f) => f.endsWith('.json'));
      expect(samples.length).toBeGreaterThanOrEqual(4);
      for (const f of samples) {
        const event = readEvent(f);
        expect({ f, rules: matchingRules(rules, event) }).toEqual({ f, rules: intended(event) });
      }
    });

    it('routes no event about an unrelated resource type', () => {
      const s3Change = withDetail(ciChange, (d) => {
        objectAt(d, 'configurationItem').resourceType = 'AWS::S3::Bucket';
      });
      const s3Oversized = withDetail(ciOversized, (d) => {
        objectAt(d, 'configurationItemSummary').resourceType = 'AWS::S3::Bucket';
      });
      const s3Compliance = withDetail(compliance, (d) => {
        d.resourceType = 'AWS::S3::Bucket';
      });
      expect(matchingRules(rules, s3Change)).toEqual([]);
      expect(matchingRules(rules, s3Oversized)).toEqual([]);
      expect(matchingRules(rules, s3Compliance)).toEqual([]);
    });

    it('needs the oversized rule: the item-change rule cannot see an oversized notification', () => {
      const itemRule = rules.find((r) => r.key === 'config_item_change');
      expect(itemRule && matchesPattern(itemRule.pattern, ciOversized)).toBe(false);
    });

    it('ignores other Config detail-types and sources', () => {
      const snapshot = { ...ciChange, 'detail-type': 'Config Configuration Snapshot Delivery Status' };
      const configApiCall = { ...authorize, source: 'aws.config' };
      expect(matchingRules(rules, snapshot)).toEqual([]);
      expect(matchingRules(rules, configApiCall)).toEqual([]);
    });

    it('routes every security-group call of CONTRACTS.md A8, including ModifySecurityGroupRules', () => {
      for (const eventName of [
        'AuthorizeSecurityGroupIngress',
        'AuthorizeSecurityGroupEgress',
        'RevokeSecurityGroupIngress',
        'RevokeSecurityGroupEgress',
        'ModifySecurityGroupRules',
        'UpdateSecurityGroupRuleDescriptionsIngress',
        'UpdateSecurityGroupRuleDescriptionsEgress',
        'CreateSecurityGroup',
        'DeleteSecurityGroup',
      ]) {
        const call = withDetail(authorize, (d) => {
          d.eventName = eventName;
        });
        expect({ eventName, rules: matchingRules(rules, call) }).toEqual({ eventName, rules: ['security_group_api_call'] });
      }
    });

    it('does not route read-only or unrelated CloudTrail calls', () => {
      for (const eventName of ['DescribeSecurityGroups', 'DescribeSecurityGroupRules', 'RunInstances', 'CreateTags']) {
        const call = withDetail(authorize, (d) => {
          d.eventName = eventName;
          d.readOnly = eventName.startsWith('Describe');
          delete d.responseElements;
        });
        expect({ eventName, rules: matchingRules(rules, call) }).toEqual({ eventName, rules: [] });
      }
      const otherService = withDetail(authorize, (d) => {
        d.eventSource = 'rds.amazonaws.com';
      });
      expect(matchingRules(rules, otherService)).toEqual([]);
    });

    it('does not route failed calls, which changed nothing (errorCode present)', () => {
      for (const errorCode of ['Client.UnauthorizedOperation', 'Client.DryRunOperation', 'Client.InvalidPermission.Duplicate']) {
        const failed = withDetail(authorize, (d) => {
          d.errorCode = errorCode;
          d.errorMessage = 'failed';
          d.responseElements = null;
        });
        expect(matchingRules(rules, failed)).toEqual([]);
      }
    });

    it('follows var.resource_types', async () => {
      const ev2 = await ModuleEvaluator.create(mod, { resource_types: ['AWS::EC2::SecurityGroup', 'AWS::EC2::NetworkAcl'] });
      const rules2 = await eventRules(ev2);
      const nacl = withDetail(ciChange, (d) => {
        objectAt(d, 'configurationItem').resourceType = 'AWS::EC2::NetworkAcl';
      });
      const bucket = withDetail(ciChange, (d) => {
        objectAt(d, 'configurationItem').resourceType = 'AWS::S3::Bucket';
      });
      expect(matchingRules(rules2, nacl)).toEqual(['config_item_change']);
      expect(matchingRules(rules2, ciChange)).toEqual(['config_item_change']);
      expect(matchingRules(rules2, bucket)).toEqual([]);
      expect(matchingRules(rules, nacl)).toEqual([]);
    });

    it('drops the optional rules when disabled', async () => {
      const ev2 = await ModuleEvaluator.create(mod, { enable_compliance_rule: false, enable_cloudtrail_rule: false });
      const rules2 = await eventRules(ev2);
      expect(rules2.map((r) => r.key).sort()).toEqual(['config_item_change', 'config_item_oversized']);
      expect(matchingRules(rules2, compliance)).toEqual([]);
      expect(matchingRules(rules2, authorize)).toEqual([]);
      const targets = await ev2.resource('aws_cloudwatch_event_target', 'intake');
      expect(isValueObject(targets) && Object.keys(targets).sort()).toEqual(['config_item_change', 'config_item_oversized']);
      const policy = await ev2.policyDocument('intake_queue');
      const allow = policy.Statement.find((s) => s.Effect === 'Allow');
      expect(allow?.Condition?.ArnEquals?.['aws:SourceArn']).toHaveLength(2);
    });

    it('puts its rules on another bus, with further rules, when asked (org-intake-central does)', async () => {
      const pattern = JSON.stringify({ source: ['aws.s3'], 'detail-type': ['AWS API Call via CloudTrail'] });
      const ev2 = await ModuleEvaluator.create(mod, { event_bus_name: 'driftwarden-org', additional_rules: { s3_api_call: pattern } });
      expect(await ev2.validationErrors()).toEqual([]);
      const rules2 = await eventRules(ev2);
      expect(rules2.map((r) => [r.key, r.name, r.busName]).sort()).toEqual([
        ['config_item_change', 'driftwarden-config-item-change', 'driftwarden-org'],
        ['config_item_oversized', 'driftwarden-config-item-oversized', 'driftwarden-org'],
        ['config_rules_compliance_change', 'driftwarden-config-rules-compliance-change', 'driftwarden-org'],
        ['s3_api_call', 'driftwarden-s3-api-call', 'driftwarden-org'],
        ['security_group_api_call', 'driftwarden-security-group-api-call', 'driftwarden-org'],
      ]);
      expect(rules2.find((r) => r.key === 's3_api_call')?.pattern).toEqual(JSON.parse(pattern));
      const targets = await ev2.resource('aws_cloudwatch_event_target', 'intake');
      expect(isValueObject(targets) && Object.keys(targets).sort()).toEqual(rules2.map((r) => r.key).sort());
      const allow = (await ev2.policyDocument('intake_queue')).Statement.find((s) => s.Effect === 'Allow');
      expect(allow?.Condition?.ArnEquals['aws:SourceArn']).toContain('<computed:aws_cloudwatch_event_rule.additional["s3_api_call"].arn>');
      expect(await ev2.output('rule_arns')).toMatchObject({
        s3_api_call: '<computed:aws_cloudwatch_event_rule.additional["s3_api_call"].arn>',
      });
      // By default: the default bus, and no further rule.
      expect(rules.every((r) => r.busName === 'default')).toBe(true);
      expect(await ev.validationErrors()).toEqual([]);
    });

    it('refuses further rules that would clash with its own or make invalid names', async () => {
      for (const key of ['security_group_api_call', 'S3-calls', 'a_key_that_is_much_too_long_for_a_rule']) {
        const ev2 = await ModuleEvaluator.create(mod, { additional_rules: { [key]: '{"source":["aws.s3"]}' } });
        expect({ key, errors: (await ev2.validationErrors()).map((e) => e.variable) }).toEqual({ key, errors: ['additional_rules'] });
      }
      const bus = await ModuleEvaluator.create(mod, { event_bus_name: 'no spaces' });
      expect((await bus.validationErrors()).map((e) => e.variable)).toEqual(['event_bus_name']);
    });

    describe('queues', () => {
      async function attr(name: string, attribute: string, e: ModuleEvaluator = ev): Promise<Value> {
        const q = await e.resource('aws_sqs_queue', name);
        if (!(q instanceof Instance)) throw new TypeError(`aws_sqs_queue.${name} is not a single instance`);
        return q.get(attribute);
      }

      it('long-polls, times out visibility after 120 s, and is encrypted (SSE-SQS by default)', async () => {
        expect(await attr('intake', 'name')).toBe('driftwarden');
        expect(await attr('intake', 'receive_wait_time_seconds')).toBe(20);
        expect(await attr('intake', 'visibility_timeout_seconds')).toBe(120);
        expect(await attr('intake', 'sqs_managed_sse_enabled')).toBe(true);
        expect(await attr('intake', 'kms_master_key_id')).toBeNull();
        expect(await attr('dead_letter', 'sqs_managed_sse_enabled')).toBe(true);
      });

      it('uses a customer managed key instead when one is given', async () => {
        const key = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
        const ev2 = await ModuleEvaluator.create(mod, { kms_master_key_id: key });
        expect(await attr('intake', 'sqs_managed_sse_enabled', ev2)).toBeNull();
        expect(await attr('intake', 'kms_master_key_id', ev2)).toBe(key);
        expect(await attr('dead_letter', 'kms_master_key_id', ev2)).toBe(key);
      });

      it('moves a message to the dead-letter queue after 5 receives; the DLQ keeps it 14 days', async () => {
        const redrive: unknown = JSON.parse(str(await attr('intake', 'redrive_policy'), 'redrive_policy'));
        expect(redrive).toEqual({ deadLetterTargetArn: '<computed:aws_sqs_queue.dead_letter.arn>', maxReceiveCount: 5 });
        expect(await attr('dead_letter', 'message_retention_seconds')).toBe(14 * 24 * 3600);
        const ev2 = await ModuleEvaluator.create(mod, { max_receive_count: 3, visibility_timeout_seconds: 300 });
        const redrive2: unknown = JSON.parse(str(await attr('intake', 'redrive_policy', ev2), 'redrive_policy'));
        expect(redrive2).toEqual({ deadLetterTargetArn: '<computed:aws_sqs_queue.dead_letter.arn>', maxReceiveCount: 3 });
        expect(await attr('intake', 'visibility_timeout_seconds', ev2)).toBe(300);
      });

      it('lets only the intake queue redrive into the DLQ', async () => {
        const allow = await ev.resource('aws_sqs_queue_redrive_allow_policy', 'dead_letter');
        if (!(allow instanceof Instance)) throw new TypeError('expected one redrive allow policy');
        const doc: unknown = JSON.parse(str(await allow.get('redrive_allow_policy'), 'redrive_allow_policy'));
        expect(doc).toEqual({ redrivePermission: 'byQueue', sourceQueueArns: ['<computed:aws_sqs_queue.intake.arn>'] });
      });

      it('targets the intake queue from every rule, with the DLQ for undeliverable events', async () => {
        const targets = await ev.resource('aws_cloudwatch_event_target', 'intake');
        if (!isValueObject(targets)) throw new TypeError('expected for_each targets');
        expect(Object.keys(targets).sort()).toEqual(rules.map((r) => r.key).sort());
        for (const [key, t] of Object.entries(targets)) {
          if (!(t instanceof Instance)) throw new TypeError('target is not an instance');
          expect(await t.get('rule')).toBe(rules.find((r) => r.key === key)?.name);
          expect(await t.get('arn')).toBe('<computed:aws_sqs_queue.intake.arn>');
          expect(await t.get('event_bus_name')).toBe('default');
          expect(await t.get('dead_letter_config')).toEqual([{ arn: '<computed:aws_sqs_queue.dead_letter.arn>' }]);
        }
      });

      it.each([
        ['intake_queue', 'intake', 'intake'],
        ['dead_letter_queue', 'dead_letter', 'dead_letter'],
      ])('%s policy: only EventBridge may send, only for these rules, only over TLS', async (doc, queue, policyResource) => {
        const policy = await ev.policyDocument(doc);
        const queueArn = `<computed:aws_sqs_queue.${queue}.arn>`;
        const allows = policy.Statement.filter((s) => s.Effect === 'Allow');
        expect(allows).toEqual([
          {
            Sid: expect.any(String),
            Effect: 'Allow',
            Action: ['sqs:SendMessage'],
            Resource: [queueArn],
            Principal: { Service: ['events.amazonaws.com'] },
            Condition: {
              ArnEquals: { 'aws:SourceArn': expect.arrayContaining(rules.map((r) => `<computed:${r.address}.arn>`)) },
            },
          },
        ]);
        expect(allows[0].Condition?.ArnEquals['aws:SourceArn']).toHaveLength(rules.length);
        const denies = policy.Statement.filter((s) => s.Effect === 'Deny');
        expect(denies).toEqual([
          expect.objectContaining({ Principal: '*', Resource: [queueArn], Condition: { Bool: { 'aws:SecureTransport': ['false'] } } }),
        ]);
        // The queue policy resource attaches exactly this document.
        const attached = await ev.resource('aws_sqs_queue_policy', policyResource);
        if (!(attached instanceof Instance)) throw new TypeError('expected one queue policy');
        expect(JSON.parse(str(await attached.get('policy'), 'policy'))).toEqual(policy);
        expect(await attached.get('queue_url')).toBe(`<computed:aws_sqs_queue.${queue}.id>`);
      });
    });

    it('outputs the queue URL (the queue id) for ingest.sqs.queueUrl and the ARN for controller-iam', async () => {
      expect(await ev.output('queue_url')).toBe('<computed:aws_sqs_queue.intake.id>');
      expect(await ev.output('queue_arn')).toBe('<computed:aws_sqs_queue.intake.arn>');
      expect(await ev.output('rule_arns')).toEqual(Object.fromEntries(rules.map((r) => [r.key, `<computed:${r.address}.arn>`])));
    });
  });

  // ----------------------------------------------------------------------------------------

  describe('modules/remediator-role (cross-account, aws.assumeRole)', () => {
    const inputs = {
      account_id: '444455556666',
      regions: ['eu-west-1', 'us-east-1'],
      controller_role_arn: 'arn:aws:iam::111122223333:role/driftwarden',
      external_id: 'dw-external-0001',
    };
    let mod: TerraformModule;
    let doc: PolicyDocument;
    beforeAll(async () => {
      mod = await loadModule(REMEDIATOR_ROLE);
      doc = await (await ModuleEvaluator.create(mod, inputs)).policyDocument('remediator');
    });

    it('grants exactly the calls the controller makes in another account, EC2 writes on security groups of that account only', () => {
      expect([...new Set(actionsOf(doc))].sort()).toEqual(REMOTE_ACCOUNT_ACTIONS);
      for (const s of doc.Statement) {
        expect(s.Effect).toBe('Allow');
        for (const a of s.Action ?? []) expect(a).not.toMatch(/[*?]/);
      }
      expect(resourcesFor(doc, 'ec2:RevokeSecurityGroupIngress')).toEqual([
        'arn:aws:ec2:eu-west-1:444455556666:security-group/*',
        'arn:aws:ec2:us-east-1:444455556666:security-group/*',
      ]);
      for (const a of ['cloudtrail:LookupEvents', 'config:BatchGetResourceConfig', 'ec2:DescribeSecurityGroups'])
        expect(resourcesFor(doc, a)).toEqual(['*']);
    });

    it("grants the resource kinds' statements exactly as the controller's own role does (one list: modules/kind-permissions)", async () => {
      const kinds = await (
        await ModuleEvaluator.create(await loadModule(join(INFRA, 'modules', 'kind-permissions')), {
          account_id: inputs.account_id,
          regions: inputs.regions,
        })
      ).policyDocument('kinds');
      expect(kinds.Statement.map((s) => s.Sid)).toEqual(
        expect.arrayContaining(['RemediateSecurityGroupRules', 'RemediateNetworkAclEntries', 'RemediateAutoScalingCapacity']),
      );
      const controller = await (
        await ModuleEvaluator.create(await loadModule(CONTROLLER_IAM), {
          account_id: inputs.account_id,
          regions: inputs.regions,
          queue_arn: 'arn:aws:sqs:eu-west-1:444455556666:driftwarden',
          config_bucket_name: 'config-bucket-444455556666',
          terraform_state_objects: [{ bucket: 'tf-state', key: 'network/terraform.tfstate' }],
        })
      ).policyDocument('controller');
      for (const statement of kinds.Statement) {
        expect(doc.Statement).toContainEqual(statement);
        expect(controller.Statement).toContainEqual(statement);
      }
    });

    it('accepts an external id of 2 to 1,224 allowed characters and refuses others (as Terraform checks it: RE2 has no repeat count over 1000)', async () => {
      const errors = async (external_id: string) =>
        (await (await ModuleEvaluator.create(mod, { ...inputs, external_id })).validationErrors()).map((e) => e.variable);
      for (const ok of ['dw-external-0001', 'ab', 'x'.repeat(1224), 'A+=,.@:/_-9']) expect(await errors(ok)).toEqual([]);
      for (const bad of ['a', 'x'.repeat(1225), 'has space', 'semi;colon']) expect(await errors(bad)).toEqual(['external_id']);
    });

    it('is trusted by the controller role only, and only with the external id', async () => {
      const trust = await (await ModuleEvaluator.create(mod, inputs)).policyDocument('trust');
      expect(trust.Statement).toEqual([
        {
          Sid: 'DriftwardenController',
          Effect: 'Allow',
          Action: ['sts:AssumeRole'],
          Principal: { AWS: ['arn:aws:iam::111122223333:role/driftwarden'] },
          Condition: { StringEquals: { 'sts:ExternalId': ['dw-external-0001'] } },
        },
      ]);
    });

    it('narrows EC2 writes by resource tags when asked, and names the sessions for principals.self', async () => {
      const ev = await ModuleEvaluator.create(mod, { ...inputs, ec2_write_required_tags: { 'driftwarden:managed': 'true' } });
      const tagged = await ev.policyDocument('remediator');
      for (const s of statementsFor(tagged, 'ec2:AuthorizeSecurityGroupIngress'))
        expect(s.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/driftwarden:managed': ['true'] } });
      expect(await ev.output('principals_self')).toBe('arn:aws:sts::444455556666:assumed-role/driftwarden-remediator/*');
    });
  });

  describe('modules/controller-iam', () => {
    const inputs = {
      account_id: '111122223333',
      regions: ['eu-west-1'],
      queue_arn: 'arn:aws:sqs:eu-west-1:111122223333:driftwarden',
      config_bucket_name: 'config-bucket-111122223333',
      terraform_state_objects: [
        { bucket: 'tf-state', key: 'network/terraform.tfstate' },
        { bucket: 'tf-state-apps', key: 'env:/prod/apps/terraform.tfstate' },
      ],
    };
    let mod: TerraformModule;
    let doc: PolicyDocument;

    const EXPECTED_ACTIONS = [
      ...REMOTE_ACCOUNT_ACTIONS,
      's3:GetObject',
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:ReceiveMessage',
    ].sort();
    const EC2_WRITES = [
      'ec2:AuthorizeSecurityGroupIngress',
      'ec2:AuthorizeSecurityGroupEgress',
      'ec2:RevokeSecurityGroupIngress',
      'ec2:RevokeSecurityGroupEgress',
    ];
    // Actions without resource-level permissions (Service Authorization Reference).
    const NO_RESOURCE_LEVEL = [
      'autoscaling:DescribeAutoScalingGroups',
      'cloudtrail:LookupEvents',
      'ec2:DescribeInstanceAttribute',
      'ec2:DescribeInstances',
      'config:BatchGetResourceConfig',
      'ec2:DescribeSecurityGroupRules',
      'ec2:DescribeSecurityGroups',
      'ec2:DescribeNetworkAcls',
    ];

    beforeAll(async () => {
      mod = await loadModule(CONTROLLER_IAM);
      doc = await (await ModuleEvaluator.create(mod, inputs)).policyDocument('controller');
    });

    it('grants exactly the actions the controller calls', () => {
      expect([...new Set(actionsOf(doc))].sort()).toEqual(EXPECTED_ACTIONS);
    });

    it('has no wildcard, Delete or Create action, no NotAction/NotResource, and only Allow', () => {
      for (const s of doc.Statement) {
        expect(s.Effect).toBe('Allow');
        expect(s.NotAction).toBeUndefined();
        expect(s.NotResource).toBeUndefined();
        for (const a of s.Action ?? []) expect(a).not.toMatch(/[*?]/);
      }
      // Nothing that creates or deletes a resource; sqs:DeleteMessage acknowledges a message, and a
      // network ACL's entries are created and deleted inside the ACL (never the ACL itself).
      expect(
        actionsOf(doc)
          .filter((a) => /:(Delete|Create)/.test(a))
          .sort(),
      ).toEqual(['ec2:CreateNetworkAclEntry', 'ec2:DeleteNetworkAclEntry', 'sqs:DeleteMessage']);
      // EC2: security-group rules, network ACL entries, and the instance kind's metadata options and attributes (never Run/Stop/Terminate).
      expect(
        actionsOf(doc).filter(
          (a) =>
            a.startsWith('ec2:') &&
            !/^ec2:((Describe|Authorize|Revoke)SecurityGroup|DescribeNetworkAcls$|(Create|Replace|Delete)NetworkAclEntry$|DescribeInstance|ModifyInstance(MetadataOptions|Attribute)$)/.test(
              a,
            ),
        ),
      ).toEqual([]);
      expect(actionsOf(doc)).not.toContain('ec2:DeleteNetworkAcl');
      expect(actionsOf(doc)).not.toContain('ec2:ReplaceNetworkAclAssociation');
      expect(actionsOf(doc)).not.toContain('s3:ListBucket');
      expect(actionsOf(doc)).not.toContain('ec2:ModifySecurityGroupRules');
    });

    it('uses Resource "*" only for actions without resource-level permissions', () => {
      for (const s of doc.Statement) {
        if ((s.Resource ?? []).some((r) => r.includes('*') && !r.startsWith('arn:'))) {
          expect(s.Resource).toEqual(['*']);
          for (const a of s.Action ?? []) expect(NO_RESOURCE_LEVEL).toContain(a);
        }
      }
      for (const a of NO_RESOURCE_LEVEL) expect(resourcesFor(doc, a)).toEqual(['*']);
    });

    it('consumes only the intake queue', () => {
      for (const a of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes']) {
        expect(resourcesFor(doc, a)).toEqual([inputs.queue_arn]);
      }
    });

    it('scopes EC2 writes to security groups of the account and regions', () => {
      for (const a of EC2_WRITES) {
        const resources = resourcesFor(doc, a);
        expect(resources).toEqual(['arn:aws:ec2:eu-west-1:111122223333:security-group/*']);
        expect(resources.some((r) => iamGlobMatches(r, 'arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0abc1234def567890'))).toBe(
          true,
        );
        expect(resources.some((r) => iamGlobMatches(r, 'arn:aws:ec2:eu-west-1:111122223333:instance/i-0abc'))).toBe(false);
        expect(resources.some((r) => iamGlobMatches(r, 'arn:aws:ec2:us-east-1:111122223333:security-group/sg-0abc'))).toBe(false);
        expect(resources.some((r) => iamGlobMatches(r, 'arn:aws:ec2:eu-west-1:444455556666:security-group/sg-0abc'))).toBe(false);
        for (const s of statementsFor(doc, a)) expect(s.Condition).toBeUndefined();
      }
    });

    it('scopes network ACL entry writes to network ACLs of the account and regions, and public access block calls to its buckets', () => {
      for (const a of ['ec2:CreateNetworkAclEntry', 'ec2:ReplaceNetworkAclEntry', 'ec2:DeleteNetworkAclEntry']) {
        const resources = resourcesFor(doc, a);
        expect(resources).toEqual(['arn:aws:ec2:eu-west-1:111122223333:network-acl/*']);
        expect(resources.some((r) => iamGlobMatches(r, 'arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0abc'))).toBe(false);
        expect(resources.some((r) => iamGlobMatches(r, 'arn:aws:ec2:eu-west-1:444455556666:network-acl/acl-0abc'))).toBe(false);
      }
      for (const a of ['s3:GetBucketPublicAccessBlock', 's3:PutBucketPublicAccessBlock']) {
        expect(resourcesFor(doc, a)).toEqual(['arn:aws:s3:::*']);
        for (const st of statementsFor(doc, a)) expect(st.Condition).toEqual({ StringEquals: { 's3:ResourceAccount': ['111122223333'] } });
      }
      expect(actionsOf(doc)).not.toContain('s3:DeleteBucketPublicAccessBlock');
    });

    it('adds a resource-tag condition to EC2 writes when ec2_write_required_tags is set', async () => {
      const tagged = await (
        await ModuleEvaluator.create(mod, { ...inputs, ec2_write_required_tags: { 'driftwarden:managed': 'true', team: 'net' } })
      ).policyDocument('controller');
      for (const a of EC2_WRITES) {
        for (const s of statementsFor(tagged, a)) {
          expect(s.Condition).toEqual({
            StringEquals: { 'aws:ResourceTag/driftwarden:managed': ['true'], 'aws:ResourceTag/team': ['net'] },
          });
        }
      }
      // Reads are not narrowed by tags.
      for (const s of statementsFor(tagged, 'ec2:DescribeSecurityGroups')) expect(s.Condition).toBeUndefined();
    });

    it('reads only Config oversized items and the Terraform state objects from S3', () => {
      const oversizedKey = (() => {
        const detail = objectAt(readEvent('config-item-oversized.json'), 'detail');
        const location = objectAt(detail, 's3DeliverySummary').s3BucketLocation;
        if (typeof location !== 'string') throw new TypeError('no s3BucketLocation');
        return `arn:aws:s3:::${location}`; // "bucket/key"
      })();
      const resources = resourcesFor(doc, 's3:GetObject');
      expect(resources.sort()).toEqual(
        [
          'arn:aws:s3:::config-bucket-111122223333/AWSLogs/111122223333/Config/eu-west-1/*/OversizedChangeNotification/*',
          'arn:aws:s3:::tf-state/network/terraform.tfstate',
          'arn:aws:s3:::tf-state-apps/env:/prod/apps/terraform.tfstate',
        ].sort(),
      );
      expect(resources.some((r) => iamGlobMatches(r, oversizedKey))).toBe(true);
      expect(
        resources.some((r) =>
          iamGlobMatches(
            r,
            'arn:aws:s3:::config-bucket-111122223333/AWSLogs/111122223333/Config/eu-west-1/2025/3/4/ConfigHistory/x.json.gz',
          ),
        ),
      ).toBe(false);
      expect(resources.some((r) => iamGlobMatches(r, 'arn:aws:s3:::tf-state/other/terraform.tfstate'))).toBe(false);
    });

    it('covers every region, and the Config delivery prefix', async () => {
      const multi = await (
        await ModuleEvaluator.create(mod, { ...inputs, regions: ['eu-west-1', 'us-east-1'], config_bucket_key_prefix: 'org/' })
      ).policyDocument('controller');
      expect(resourcesFor(multi, 'ec2:RevokeSecurityGroupIngress')).toEqual([
        'arn:aws:ec2:eu-west-1:111122223333:security-group/*',
        'arn:aws:ec2:us-east-1:111122223333:security-group/*',
      ]);
      expect(resourcesFor(multi, 's3:GetObject')).toEqual(
        expect.arrayContaining([
          'arn:aws:s3:::config-bucket-111122223333/org/AWSLogs/111122223333/Config/us-east-1/*/OversizedChangeNotification/*',
        ]),
      );
    });

    it('grants kms:Decrypt only for the given keys, only through SQS and S3', async () => {
      expect(actionsOf(doc)).not.toContain('kms:Decrypt');
      const key = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
      const withKms = await (await ModuleEvaluator.create(mod, { ...inputs, kms_key_arns: [key] })).policyDocument('controller');
      expect([...new Set(actionsOf(withKms))].sort()).toEqual([...EXPECTED_ACTIONS, 'kms:Decrypt'].sort());
      expect(statementsFor(withKms, 'kms:Decrypt')).toEqual([
        {
          Sid: 'DecryptThroughSqsAndS3',
          Effect: 'Allow',
          Action: ['kms:Decrypt'],
          Resource: [key],
          Condition: { StringEquals: { 'kms:ViaService': ['sqs.eu-west-1.amazonaws.com', 's3.eu-west-1.amazonaws.com'] } },
        },
      ]);
    });

    it('grants config:BatchGetAggregateResourceConfig only on the given aggregators (none by default)', async () => {
      expect(actionsOf(doc)).not.toContain('config:BatchGetAggregateResourceConfig');
      const aggregator = 'arn:aws:config:eu-west-1:111122223333:config-aggregator/config-aggregator-abcd1234';
      const withAggregator = await (
        await ModuleEvaluator.create(mod, { ...inputs, config_aggregator_arns: [aggregator] })
      ).policyDocument('controller');
      expect([...new Set(actionsOf(withAggregator))].sort()).toEqual(
        [...EXPECTED_ACTIONS, 'config:BatchGetAggregateResourceConfig'].sort(),
      );
      expect(statementsFor(withAggregator, 'config:BatchGetAggregateResourceConfig')).toEqual([
        { Sid: 'ReadConfigAggregator', Effect: 'Allow', Action: ['config:BatchGetAggregateResourceConfig'], Resource: [aggregator] },
      ]);
    });

    it('grants sts:AssumeRole only for the given cross-account remediation roles (none by default)', async () => {
      expect(actionsOf(doc)).not.toContain('sts:AssumeRole');
      const roles = ['arn:aws:iam::444455556666:role/driftwarden-remediator', 'arn:aws:iam::777788889999:role/driftwarden-remediator'];
      const cross = await (await ModuleEvaluator.create(mod, { ...inputs, remediation_role_arns: roles })).policyDocument('controller');
      expect([...new Set(actionsOf(cross))].sort()).toEqual([...EXPECTED_ACTIONS, 'sts:AssumeRole'].sort());
      expect(statementsFor(cross, 'sts:AssumeRole')).toEqual([
        { Sid: 'AssumeRemediationRoles', Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: roles },
      ]);
    });

    it('attaches exactly this policy to the role', async () => {
      const ev = await ModuleEvaluator.create(mod, inputs);
      const attached = await ev.resource('aws_iam_role_policy', 'controller');
      if (!(attached instanceof Instance)) throw new TypeError('expected one role policy');
      expect(JSON.parse(str(await attached.get('policy'), 'policy'))).toEqual(doc);
      expect(await attached.get('role')).toBe('<computed:aws_iam_role.controller.id>');
      expect(JSON.parse(str(await ev.output('policy_json'), 'policy_json'))).toEqual(doc);
    });

    it('is assumable by ECS tasks of this account by default, or by the given trust policy', async () => {
      const ev = await ModuleEvaluator.create(mod, inputs);
      const role = await ev.resource('aws_iam_role', 'controller');
      if (!(role instanceof Instance)) throw new TypeError('expected one role');
      expect(await role.get('name')).toBe('driftwarden');
      const trust: unknown = JSON.parse(str(await role.get('assume_role_policy'), 'assume_role_policy'));
      expect(trust).toEqual({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'EcsTasksAssumeRole',
            Effect: 'Allow',
            Action: ['sts:AssumeRole'],
            Principal: { Service: ['ecs-tasks.amazonaws.com'] },
            Condition: {
              StringEquals: { 'aws:SourceAccount': ['111122223333'] },
              ArnLike: { 'aws:SourceArn': ['arn:aws:ecs:eu-west-1:111122223333:*'] },
            },
          },
        ],
      });
      const irsa = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRoleWithWebIdentity' }] });
      const ev2 = await ModuleEvaluator.create(mod, { ...inputs, assume_role_policy: irsa });
      const role2 = await ev2.resource('aws_iam_role', 'controller');
      if (!(role2 instanceof Instance)) throw new TypeError('expected one role');
      expect(await role2.get('assume_role_policy')).toBe(irsa);
    });

    it('outputs principals.self matching the role sessions, and nothing else', async () => {
      const self = str(await (await ModuleEvaluator.create(mod, inputs)).output('principals_self'), 'principals_self');
      expect(self).toBe('arn:aws:sts::111122223333:assumed-role/driftwarden/*');
      // An ECS task role session is named after the task id.
      expect(iamGlobMatches(self, 'arn:aws:sts::111122223333:assumed-role/driftwarden/0f1e2d3c4b5a69788796a5b4c3d2e1f0')).toBe(true);
      expect(iamGlobMatches(self, 'arn:aws:sts::111122223333:assumed-role/BreakGlassAdmin/alice@example.com')).toBe(false);
      expect(iamGlobMatches(self, 'arn:aws:sts::111122223333:assumed-role/driftwarden-other/x')).toBe(false);
      // DESIGN.md's generic pattern matches the same sessions.
      expect(iamGlobMatches('arn:aws:sts::*:assumed-role/driftwarden/*', 'arn:aws:sts::111122223333:assumed-role/driftwarden/0f1e')).toBe(
        true,
      );
      const renamed = await (await ModuleEvaluator.create(mod, { ...inputs, role_name: 'driftwarden-prod' })).output('principals_self');
      expect(renamed).toBe('arn:aws:sts::111122223333:assumed-role/driftwarden-prod/*');
    });
  });

  // ----------------------------------------------------------------------------------------

  describe('examples/complete', () => {
    it('wires the intake queue into the IAM policy and the outputs into driftwarden.yaml keys', async () => {
      const mod = await loadModule(EXAMPLE);
      const intake = mod.modules.get('event_intake');
      const iam = mod.modules.get('controller_iam');
      expect(intake?.source).toBe('../../modules/event-intake');
      expect(iam?.source).toBe('../../modules/controller-iam');
      expect(iam?.queue_arn).toBe('${module.event_intake.queue_arn}');
      const config = mod.outputs.get('driftwarden_config')?.value;
      expect(typeof config).toBe('string');
      const refs = (await collectReferences(mod)).filter((r) => r.expression === config).map((r) => r.path.join('.'));
      expect(refs.sort()).toEqual(['module.controller_iam.principals_self', 'module.event_intake.queue_url', 'var.config_bucket_name']);
      expect(config).toMatch(/queueUrl\s*=\s*module\.event_intake\.queue_url/);
      expect(config).toMatch(/self\s*=\s*\[module\.controller_iam\.principals_self\]/);
      expect(config).toMatch(/configDeliveryBuckets\s*=\s*\[var\.config_bucket_name\]/);
    });
  });
});
