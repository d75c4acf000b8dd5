/**
 * What infra/ deploys to run the controller, checked without a terraform binary or an AWS
 * account (support/terraform-module.ts evaluates the modules from HashiCorp's syntax tree):
 * - modules/redis: noeviction, Multi-AZ, encryption at rest and in transit, AUTH, the
 *   REDIS_URL secret, a security group that admits 6379 from the controller only;
 * - modules/controller-service: the container definition as ECS receives it (decoded from
 *   jsonencode), its health check run with node against a local server, the execution
 *   role's policy, the service and its network rules;
 * - examples/complete wires them together; the Dockerfile builds what the service runs.
 * With a terraform binary on PATH, `terraform fmt -check` must pass on infra/.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, posix, relative, resolve } from 'node:path';
import picomatch from 'picomatch';
import { TERRAFORM_OPTIONS, terraformBinary } from './support/terraform-cli';
import {
  collectReferences,
  Instance,
  isJsonObject,
  isValueObject,
  Json,
  JsonObject,
  loadModule,
  ModuleEvaluator,
  PolicyDocument,
  PolicyStatement,
  TerraformModule,
  toJson,
  Value,
} from './support/terraform-module';

const ROOT = resolve(__dirname, '..', '..');
const INFRA = join(ROOT, 'infra');
const REDIS = join(INFRA, 'modules', 'redis');
const SERVICE = join(INFRA, 'modules', 'controller-service');
const EXAMPLE = join(INFRA, 'examples', 'complete');

// Obviously fake values only.
const AUTH_TOKEN = 'Fake-Token&#$^<>!0123456789';
const SG_CONTROLLER = 'sg-0c0c0c0c0c0c0c0c0';
const SG_BASTION = 'sg-0b0b0b0b0b0b0b0b0';
const SG_REDIS = 'sg-0e0e0e0e0e0e0e0e0';
const SG_ALB = 'sg-0a1b0a1b0a1b0a1b0';
const KMS_KEY = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const REDIS_URL_SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:driftwarden/redis-url-AbCdEf';
const PAGERDUTY_SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:driftwarden/pagerduty-GhIjKl';
const GITHUB_PARAMETER = 'arn:aws:ssm:eu-west-1:111122223333:parameter/driftwarden/github-token';
const TARGET_GROUP = 'arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/driftwarden/0123456789abcdef';
const CONFIG_YAML = [
  'mode: enforce',
  'redis: { url: env:REDIS_URL }',
  'incidents:',
  '  pagerduty: { token: env:PAGERDUTY_TOKEN }',
  'github: { token: env:GITHUB_TOKEN }',
  '',
].join('\n');

const REDIS_INPUTS = {
  vpc_id: 'vpc-0123456789abcdef0',
  subnet_ids: ['subnet-0aaaaaaaaaaaaaaaa', 'subnet-0bbbbbbbbbbbbbbbb'],
  source_security_group_ids: { controller: SG_CONTROLLER },
  auth_token: AUTH_TOKEN,
};

const SERVICE_INPUTS = {
  account_id: '111122223333',
  region: 'eu-west-1',
  cluster_arn: 'arn:aws:ecs:eu-west-1:111122223333:cluster/driftwarden',
  vpc_id: 'vpc-0123456789abcdef0',
  subnet_ids: ['subnet-0aaaaaaaaaaaaaaaa', 'subnet-0bbbbbbbbbbbbbbbb'],
  image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/driftwarden@sha256:0000000000000000000000000000000000000000000000000000000000000000',
  config_yaml: CONFIG_YAML,
  task_role_arn: 'arn:aws:iam::111122223333:role/driftwarden',
  redis_url_secret_arn: REDIS_URL_SECRET,
  redis_security_group_id: SG_REDIS,
  secrets: { PAGERDUTY_TOKEN: PAGERDUTY_SECRET, GITHUB_TOKEN: GITHUB_PARAMETER },
};

// ------------------------------------------------------------------------------------------

async function single(ev: ModuleEvaluator, type: string, name: string): Promise<Instance> {
  const r = await ev.resource(type, name);
  if (!(r instanceof Instance)) throw new TypeError(`${type}.${name} is not a single instance`);
  return r;
}

async function str(inst: Instance, attr: string): Promise<string> {
  const v = await inst.get(attr);
  if (typeof v !== 'string') throw new TypeError(`${inst.address}.${attr}: expected a string, got ${JSON.stringify(v)}`);
  return v;
}

/** A nested block's bodies (`network_configuration { ... }` evaluates to a list of objects). */
async function blocks(inst: Instance, attr: string): Promise<Array<Record<string, Value>>> {
  const v = await inst.get(attr);
  if (!Array.isArray(v) || !v.every(isValueObject)) throw new TypeError(`${inst.address}.${attr}: expected blocks`);
  return v.filter(isValueObject);
}

/** The content of `dynamic "<name>"` blocks of a resource without count/for_each. */
async function dynamicBlocks(ev: ModuleEvaluator, type: string, name: string, block: string): Promise<Array<Record<string, Value>>> {
  const body = ev.module.resources.get(`${type}.${name}`);
  if (!body) throw new Error(`no ${type}.${name}`);
  const out: Array<Record<string, Value>> = [];
  for (const b of await ev.expandBlocks({ dynamic: body.dynamic ?? {} }, block, new Map())) {
    const evaluated: Record<string, Value> = {};
    for (const [k, raw] of Object.entries(b.body)) evaluated[k] = await ev.evaluate(raw, b.scope);
    out.push(evaluated);
  }
  return out;
}

interface SecurityGroupRule {
  direction: 'ingress' | 'egress';
  address: string;
  security_group_id: Value;
  ip_protocol: Value;
  from_port: Value;
  to_port: Value;
  cidr_ipv4: Value;
  cidr_ipv6: Value;
  referenced_security_group_id: Value;
  prefix_list_id: Value;
}

/** Every aws_vpc_security_group_{ingress,egress}_rule instance, with unset attributes as null. */
async function securityGroupRules(ev: ModuleEvaluator): Promise<SecurityGroupRule[]> {
  const out: SecurityGroupRule[] = [];
  for (const direction of ['ingress', 'egress'] as const) {
    for (const inst of await ev.instancesOfType(`aws_vpc_security_group_${direction}_rule`)) {
      const get = async (a: string): Promise<Value> => (inst.has(a) ? inst.get(a) : null);
      out.push({
        direction,
        address: inst.address,
        security_group_id: await get('security_group_id'),
        ip_protocol: await get('ip_protocol'),
        from_port: await get('from_port'),
        to_port: await get('to_port'),
        cidr_ipv4: await get('cidr_ipv4'),
        cidr_ipv6: await get('cidr_ipv6'),
        referenced_security_group_id: await get('referenced_security_group_id'),
        prefix_list_id: await get('prefix_list_id'),
      });
    }
  }
  return out;
}

/** The rule as "direction proto port source/destination", for exact comparisons. */
function ruleSummary(r: SecurityGroupRule): string {
  const peer = r.referenced_security_group_id ?? r.cidr_ipv4 ?? r.cidr_ipv6 ?? r.prefix_list_id;
  const ports = r.from_port === r.to_port ? String(r.from_port) : `${String(r.from_port)}-${String(r.to_port)}`;
  return `${r.direction} ${String(r.ip_protocol)}/${ports} ${String(peer)}`;
}

function actionsOf(doc: PolicyDocument): string[] {
  return doc.Statement.flatMap((s) => s.Action ?? []);
}

function statementsFor(doc: PolicyDocument, action: string): PolicyStatement[] {
  return doc.Statement.filter((s) => (s.Action ?? []).includes(action));
}

function resourcesFor(doc: PolicyDocument, action: string): string[] {
  return statementsFor(doc, action).flatMap((s) => s.Resource ?? []);
}

function objectAt(v: Json | undefined, what: string): JsonObject {
  if (!isJsonObject(v)) throw new TypeError(`${what}: not an object`);
  return v;
}

function listAt(v: Json | undefined, what: string): Json[] {
  if (!Array.isArray(v)) throw new TypeError(`${what}: not a list`);
  return v;
}

function nameValues(v: Json | undefined, valueKey: 'value' | 'valueFrom', what: string): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [i, e] of listAt(v, what).entries()) {
    const o = objectAt(e, `${what}[${i}]`);
    if (typeof o.name !== 'string') throw new TypeError(`${what}[${i}].name`);
    expect(Object.hasOwn(out, o.name)).toBe(false); // no name twice
    expect(Object.keys(o).sort()).toEqual(['name', valueKey].sort());
    out[o.name] = o[valueKey];
  }
  return out;
}

/** The task definition's container definitions, decoded as ECS would decode them. */
async function containerDefinitions(ev: ModuleEvaluator): Promise<JsonObject[]> {
  const td = await single(ev, 'aws_ecs_task_definition', 'controller');
  const decoded = toJson(JSON.parse(await str(td, 'container_definitions')));
  return listAt(decoded, 'container_definitions').map((c, i) => objectAt(c, `container_definitions[${i}]`));
}

/** Runs the health check command's `node -e` script, pointed at `url` instead of port 8080. */
function runHealthCheck(script: string, url: string): Promise<number> {
  const pointed = script.replace('http://127.0.0.1:8080/healthz', url);
  expect(pointed).not.toBe(script);
  return new Promise((resolvePromise, reject) => {
    const child = execFile(process.execPath, ['-e', pointed], { timeout: 15_000 }, () => undefined);
    child.once('error', reject);
    child.once('exit', (code) => resolvePromise(code ?? -1));
  });
}

function listen(server: Server): Promise<number> {
  return new Promise((resolvePromise) => {
    server.listen(0, '127.0.0.1', () => resolvePromise((server.address() as AddressInfo).port));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolvePromise) => server.close(() => resolvePromise()));
}

// ------------------------------------------------------------------------------------------

describe('modules/redis', () => {
  let mod: TerraformModule;
  let ev: ModuleEvaluator;
  let group: Instance;

  beforeAll(async () => {
    mod = await loadModule(REDIS);
    ev = await ModuleEvaluator.create(mod, REDIS_INPUTS);
    group = await single(ev, 'aws_elasticache_replication_group', 'redis');
  });

  it('uses a parameter group with maxmemory-policy noeviction (BullMQ must never lose a key)', async () => {
    const params = await single(ev, 'aws_elasticache_parameter_group', 'redis');
    expect(await params.get('family')).toBe('redis7');
    expect(await params.get('parameter')).toEqual([{ name: 'maxmemory-policy', value: 'noeviction' }]);
    expect(await group.get('parameter_group_name')).toBe(await params.get('name'));
    // Nothing can add or override parameters behind the test's back.
    expect(mod.resources.get('aws_elasticache_parameter_group.redis')?.dynamic).toBeUndefined();
    expect(mod.resources.size).toBeGreaterThan(0);
    expect([...mod.resources.keys()].filter((k) => k.startsWith('aws_elasticache_parameter_group.'))).toEqual([
      'aws_elasticache_parameter_group.redis',
    ]);
  });

  it('is a Redis 7 replication group, cluster mode disabled, Multi-AZ with automatic failover on 2 nodes', async () => {
    expect(await group.get('engine')).toBe('redis');
    expect(await group.get('engine_version')).toBe('7.1');
    expect(await group.get('num_cache_clusters')).toBe(2);
    expect(group.has('num_node_groups')).toBe(false);
    expect(group.has('replicas_per_node_group')).toBe(false);
    expect(await group.get('automatic_failover_enabled')).toBe(true);
    expect(await group.get('multi_az_enabled')).toBe(true);
    expect(await group.get('port')).toBe(6379);
    expect(await group.get('subnet_group_name')).toBe('driftwarden');
    const subnets = await single(ev, 'aws_elasticache_subnet_group', 'redis');
    expect(await subnets.get('subnet_ids')).toEqual(REDIS_INPUTS.subnet_ids);
    const three = await ModuleEvaluator.create(mod, { ...REDIS_INPUTS, node_count: 3 });
    expect(await (await single(three, 'aws_elasticache_replication_group', 'redis')).get('num_cache_clusters')).toBe(3);
  });

  it('encrypts at rest and in transit and requires the AUTH token', async () => {
    expect(await group.get('at_rest_encryption_enabled')).toBe(true);
    expect(await group.get('transit_encryption_enabled')).toBe(true);
    expect(await group.get('auth_token')).toBe(AUTH_TOKEN);
    expect(await group.get('kms_key_id')).toBeNull();
    expect(mod.variables.get('auth_token')?.sensitive).toBe(true);
    const withKey = await ModuleEvaluator.create(mod, { ...REDIS_INPUTS, kms_key_arn: KMS_KEY });
    expect(await (await single(withKey, 'aws_elasticache_replication_group', 'redis')).get('kms_key_id')).toBe(KMS_KEY);
  });

  it('keeps daily snapshots for snapshot_retention_limit days (7 by default)', async () => {
    expect(await group.get('snapshot_retention_limit')).toBe(7);
    const longer = await ModuleEvaluator.create(mod, { ...REDIS_INPUTS, snapshot_retention_limit: 14 });
    expect(await (await single(longer, 'aws_elasticache_replication_group', 'redis')).get('snapshot_retention_limit')).toBe(14);
  });

  it('admits tcp/6379 from the given security groups only, and has no egress', async () => {
    expect(await group.get('security_group_ids')).toEqual(['<computed:aws_security_group.redis.id>']);
    const sg = await single(ev, 'aws_security_group', 'redis');
    expect(sg.has('ingress')).toBe(false); // no inline rules beside the rule resources
    expect(sg.has('egress')).toBe(false);
    expect(await sg.get('vpc_id')).toBe(REDIS_INPUTS.vpc_id);
    expect([...mod.resources.keys()].filter((k) => k.startsWith('aws_security_group_rule.'))).toEqual([]);

    const rules = await securityGroupRules(ev);
    expect(rules.map(ruleSummary)).toEqual([`ingress tcp/6379 ${SG_CONTROLLER}`]);
    for (const r of rules) expect(r.security_group_id).toBe('<computed:aws_security_group.redis.id>');

    const two = await ModuleEvaluator.create(mod, {
      ...REDIS_INPUTS,
      source_security_group_ids: { controller: SG_CONTROLLER, bastion: SG_BASTION },
    });
    expect((await securityGroupRules(two)).map(ruleSummary).sort()).toEqual(
      [`ingress tcp/6379 ${SG_BASTION}`, `ingress tcp/6379 ${SG_CONTROLLER}`].sort(),
    );
  });

  it('writes REDIS_URL as rediss://:<url-encoded token>@<primary endpoint>:6379 into a secret', async () => {
    const version = await single(ev, 'aws_secretsmanager_secret_version', 'redis_url');
    expect(await version.get('secret_id')).toBe('<computed:aws_secretsmanager_secret.redis_url.id>');
    const value = await str(version, 'secret_string');
    const endpoint = '<computed:aws_elasticache_replication_group.redis.primary_endpoint_address>';
    expect(value.startsWith('rediss://:')).toBe(true);
    expect(value.endsWith(`@${endpoint}:6379`)).toBe(true);
    // What ioredis reads from it: TLS, the token (decoded), the primary endpoint, 6379.
    const url = new URL(value.replace(endpoint, 'master.driftwarden.abc123.euw1.cache.amazonaws.com'));
    expect(url.protocol).toBe('rediss:');
    expect(url.username).toBe('');
    expect(decodeURIComponent(url.password)).toBe(AUTH_TOKEN);
    expect(url.hostname).toBe('master.driftwarden.abc123.euw1.cache.amazonaws.com');
    expect(url.port).toBe('6379');
    expect(url.pathname).toBe('');

    const secret = await single(ev, 'aws_secretsmanager_secret', 'redis_url');
    expect(await secret.get('name')).toBe('driftwarden/redis-url');
    expect(await secret.get('kms_key_id')).toBeNull();
    const withKey = await ModuleEvaluator.create(mod, { ...REDIS_INPUTS, secret_kms_key_arn: KMS_KEY });
    expect(await (await single(withKey, 'aws_secretsmanager_secret', 'redis_url')).get('kms_key_id')).toBe(KMS_KEY);
  });

  it('outputs the secret ARN (once it has its value), the endpoint, the port and the security group', async () => {
    // From the version: the service that uses it waits until the URL is written.
    expect(await ev.output('redis_url_secret_arn')).toBe('<computed:aws_secretsmanager_secret_version.redis_url.arn>');
    expect(await ev.output('primary_endpoint_address')).toBe('<computed:aws_elasticache_replication_group.redis.primary_endpoint_address>');
    expect(await ev.output('port')).toBe(6379);
    expect(await ev.output('security_group_id')).toBe('<computed:aws_security_group.redis.id>');
  });

  it('describes every variable and output, and validates the inputs that have rules', () => {
    for (const [name, v] of [...mod.variables, ...mod.outputs])
      expect({ name, description: typeof v.description }).toEqual({ name, description: 'string' });
    for (const name of [
      'name',
      'vpc_id',
      'subnet_ids',
      'source_security_group_ids',
      'auth_token',
      'node_count',
      'snapshot_retention_limit',
    ]) {
      expect({ name, validated: Array.isArray(mod.variables.get(name)?.validation) }).toEqual({ name, validated: true });
    }
  });
});

// ------------------------------------------------------------------------------------------

describe('modules/controller-service', () => {
  let mod: TerraformModule;
  let ev: ModuleEvaluator;
  let container: JsonObject;

  beforeAll(async () => {
    mod = await loadModule(SERVICE);
    ev = await ModuleEvaluator.create(mod, SERVICE_INPUTS);
    const defs = await containerDefinitions(ev);
    expect(defs).toHaveLength(1);
    container = defs[0];
  });

  describe('container definition (jsonencode, as ECS decodes it)', () => {
    it('runs the given image, essential, on port 8080', () => {
      expect(container.name).toBe('driftwarden');
      expect(container.image).toBe(SERVICE_INPUTS.image);
      expect(container.essential).toBe(true);
      expect(container.portMappings).toEqual([{ containerPort: 8080, hostPort: 8080, protocol: 'tcp' }]);
    });

    it('has a read-only root filesystem, a non-root user and no Linux capabilities', () => {
      expect(container.readonlyRootFilesystem).toBe(true);
      expect(typeof container.user).toBe('string');
      const [uid] = String(container.user).split(':');
      expect(uid).not.toMatch(/^(0|root)?$/);
      expect(container.user).toBe('1000:1000'); // the `node` user of the Dockerfile
      expect(objectAt(objectAt(container.linuxParameters, 'linuxParameters').capabilities, 'capabilities').drop).toEqual(['ALL']);
      expect(container.privileged).toBeUndefined();
      // The only writable path is the task-storage volume on /tmp.
      expect(container.mountPoints).toEqual([{ sourceVolume: 'tmp', containerPath: '/tmp', readOnly: false }]);
    });

    it('checks its health with node itself (no curl): GET http://127.0.0.1:8080/healthz', () => {
      const hc = objectAt(container.healthCheck, 'healthCheck');
      const command = listAt(hc.command, 'healthCheck.command');
      expect(command.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
      expect(command).toHaveLength(4);
      expect(command[3]).toContain("fetch('http://127.0.0.1:8080/healthz'");
      expect(command.join(' ')).not.toMatch(/curl|wget/);
      expect(hc).toMatchObject({ interval: 30, timeout: 5, retries: 3 });
      expect(Number(hc.startPeriod)).toBeGreaterThanOrEqual(30);
    });

    it('passes the whole driftwarden.yaml as DRIFTWARDEN_CONFIG_YAML, LOG_LEVEL and PORT, every value a string', () => {
      const env = nameValues(container.environment, 'value', 'environment');
      expect(env).toEqual({ DRIFTWARDEN_CONFIG_YAML: CONFIG_YAML, LOG_LEVEL: 'info', PORT: '8080' });
      expect(env.DRIFTWARDEN_CONFIG).toBeUndefined(); // the controller refuses both at once
    });

    it('sets DRIFTWARDEN_ROLES, LOG_LEVEL and extra variables when asked', async () => {
      const ev2 = await ModuleEvaluator.create(mod, {
        ...SERVICE_INPUTS,
        roles: ['api', 'worker'],
        log_level: 'debug',
        environment: { AWS_ENDPOINT_URL_SQS: 'https://sqs.eu-west-1.amazonaws.com' },
      });
      const [c] = await containerDefinitions(ev2);
      expect(nameValues(c.environment, 'value', 'environment')).toEqual({
        AWS_ENDPOINT_URL_SQS: 'https://sqs.eu-west-1.amazonaws.com',
        DRIFTWARDEN_CONFIG_YAML: CONFIG_YAML,
        DRIFTWARDEN_ROLES: 'api,worker',
        LOG_LEVEL: 'debug',
        PORT: '8080',
      });
    });

    it('maps each secret (and REDIS_URL) by ARN, and no secret is in the plain environment', () => {
      const secrets = nameValues(container.secrets, 'valueFrom', 'secrets');
      expect(secrets).toEqual({ GITHUB_TOKEN: GITHUB_PARAMETER, PAGERDUTY_TOKEN: PAGERDUTY_SECRET, REDIS_URL: REDIS_URL_SECRET });
      const env = nameValues(container.environment, 'value', 'environment');
      for (const name of Object.keys(secrets)) expect(Object.keys(env)).not.toContain(name);
      const envText = JSON.stringify(env);
      for (const arn of Object.values(secrets)) expect(envText).not.toContain(String(arn));
      expect(envText).not.toMatch(/rediss?:\/\/[^\s"]*@/); // no URL with a password
    });

    it('logs to its own log group in its region, without blocking the process', () => {
      expect(container.logConfiguration).toEqual({
        logDriver: 'awslogs',
        options: {
          'awslogs-group': '/ecs/driftwarden',
          'awslogs-region': 'eu-west-1',
          'awslogs-stream-prefix': 'controller',
          mode: 'non-blocking',
          'max-buffer-size': '25m',
        },
      });
    });
  });

  describe('the health check script, run with node', () => {
    let script: string;
    beforeAll(() => {
      const command = listAt(objectAt(container.healthCheck, 'healthCheck').command, 'command');
      script = String(command[3]);
    });

    it('exits 0 when /healthz answers 200, 1 on 503, and 1 when nothing listens', async () => {
      const seen: string[] = [];
      let status = 200;
      const server = createServer((req, res) => {
        seen.push(`${req.method} ${req.url}`);
        res.writeHead(status, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      });
      const port = await listen(server);
      try {
        expect(await runHealthCheck(script, `http://127.0.0.1:${port}/healthz`)).toBe(0);
        status = 503;
        expect(await runHealthCheck(script, `http://127.0.0.1:${port}/healthz`)).toBe(1);
      } finally {
        await close(server);
      }
      expect(seen).toEqual(['GET /healthz', 'GET /healthz']);
      // The port is closed now: connection refused.
      expect(await runHealthCheck(script, `http://127.0.0.1:${port}/healthz`)).toBe(1);
    });
  });

  describe('task definition', () => {
    it('is a Fargate awsvpc task with the controller role as task role and its own execution role', async () => {
      const td = await single(ev, 'aws_ecs_task_definition', 'controller');
      expect(await td.get('family')).toBe('driftwarden');
      expect(await td.get('requires_compatibilities')).toEqual(['FARGATE']);
      expect(await td.get('network_mode')).toBe('awsvpc');
      expect(await td.get('cpu')).toBe(512);
      expect(await td.get('memory')).toBe(1024);
      expect(await td.get('task_role_arn')).toBe(SERVICE_INPUTS.task_role_arn);
      expect(await td.get('execution_role_arn')).toBe('<computed:aws_iam_role.execution.arn>');
      expect(await td.get('runtime_platform')).toEqual([{ operating_system_family: 'LINUX', cpu_architecture: 'X86_64' }]);
      expect(await td.get('volume')).toEqual([{ name: 'tmp' }]);
    });

    it('runs on ARM64 (Graviton) with other cpu and memory when asked', async () => {
      const ev2 = await ModuleEvaluator.create(mod, { ...SERVICE_INPUTS, cpu_architecture: 'ARM64', cpu: 1024, memory: 2048 });
      const td = await single(ev2, 'aws_ecs_task_definition', 'controller');
      expect(await td.get('runtime_platform')).toEqual([{ operating_system_family: 'LINUX', cpu_architecture: 'ARM64' }]);
      expect(await td.get('cpu')).toBe(1024);
      expect(await td.get('memory')).toBe(2048);
    });
  });

  describe('task execution role', () => {
    let doc: PolicyDocument;
    beforeAll(async () => {
      doc = await ev.policyDocument('execution');
    });

    it('may read exactly the given secrets: GetSecretValue on the Secrets Manager ARNs, GetParameters on the SSM ones', () => {
      expect(resourcesFor(doc, 'secretsmanager:GetSecretValue').sort()).toEqual([PAGERDUTY_SECRET, REDIS_URL_SECRET].sort());
      expect(resourcesFor(doc, 'ssm:GetParameters')).toEqual([GITHUB_PARAMETER]);
      for (const s of doc.Statement) {
        expect(s.Effect).toBe('Allow');
        expect(s.NotAction).toBeUndefined();
        expect(s.NotResource).toBeUndefined();
        for (const a of s.Action ?? []) expect(a).not.toMatch(/[*?]/);
        for (const r of s.Resource ?? []) expect(r === '*' || r.endsWith(':*')).toBe(r.includes('*'));
      }
    });

    it('writes logs to its own log group only, and has no other permission by default', () => {
      expect([...new Set(actionsOf(doc))].sort()).toEqual([
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'secretsmanager:GetSecretValue',
        'ssm:GetParameters',
      ]);
      const group = '<computed:aws_cloudwatch_log_group.controller.arn>';
      for (const a of ['logs:CreateLogStream', 'logs:PutLogEvents']) {
        expect(resourcesFor(doc, a)).toEqual([group, `${group}:*`]);
      }
    });

    it('decrypts with the given keys only through Secrets Manager and SSM, and pulls only from the given ECR repositories', async () => {
      const repo = 'arn:aws:ecr:eu-west-1:111122223333:repository/driftwarden';
      const ev2 = await ModuleEvaluator.create(mod, { ...SERVICE_INPUTS, secrets_kms_key_arns: [KMS_KEY], ecr_repository_arns: [repo] });
      const doc2 = await ev2.policyDocument('execution');
      expect(statementsFor(doc2, 'kms:Decrypt')).toEqual([
        {
          Sid: 'DecryptSecretsThroughSecretsManagerAndSsm',
          Effect: 'Allow',
          Action: ['kms:Decrypt'],
          Resource: [KMS_KEY],
          Condition: { StringEquals: { 'kms:ViaService': ['secretsmanager.eu-west-1.amazonaws.com', 'ssm.eu-west-1.amazonaws.com'] } },
        },
      ]);
      expect(resourcesFor(doc2, 'ecr:GetAuthorizationToken')).toEqual(['*']); // no resource-level permissions
      for (const a of ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage']) {
        expect(resourcesFor(doc2, a)).toEqual([repo]);
      }
    });

    it('reads only SSM when every secret is a parameter (no empty Secrets Manager statement)', async () => {
      const ssmOnly = 'arn:aws:ssm:eu-west-1:111122223333:parameter/driftwarden/redis-url';
      const ev2 = await ModuleEvaluator.create(mod, { ...SERVICE_INPUTS, secrets: {}, redis_url_secret_arn: ssmOnly });
      const doc2 = await ev2.policyDocument('execution');
      expect(actionsOf(doc2)).not.toContain('secretsmanager:GetSecretValue');
      expect(resourcesFor(doc2, 'ssm:GetParameters')).toEqual([ssmOnly]);
      for (const s of doc2.Statement) expect(s.Resource?.length).toBeGreaterThan(0);
    });

    it('is assumable by ECS tasks of this account only, and carries exactly this policy', async () => {
      const trust = await ev.policyDocument('execution_trust');
      expect(trust.Statement).toEqual([
        {
          Sid: 'EcsTasksAssumeRole',
          Effect: 'Allow',
          Action: ['sts:AssumeRole'],
          Principal: { Service: ['ecs-tasks.amazonaws.com'] },
          Condition: { StringEquals: { 'aws:SourceAccount': ['111122223333'] } },
        },
      ]);
      const role = await single(ev, 'aws_iam_role', 'execution');
      expect(JSON.parse(await str(role, 'assume_role_policy'))).toEqual(trust);
      const attached = await single(ev, 'aws_iam_role_policy', 'execution');
      expect(JSON.parse(await str(attached, 'policy'))).toEqual(doc);
      expect(await attached.get('role')).toBe('<computed:aws_iam_role.execution.id>');
      // No managed policy (AmazonECSTaskExecutionRolePolicy allows every log group and repository).
      expect([...mod.resources.keys()].filter((k) => k.startsWith('aws_iam_role_policy_attachment.'))).toEqual([]);
    });
  });

  describe('log group', () => {
    it('keeps logs log_retention_days (30), optionally with a customer managed key', async () => {
      const group = await single(ev, 'aws_cloudwatch_log_group', 'controller');
      expect(await group.get('name')).toBe('/ecs/driftwarden');
      expect(await group.get('retention_in_days')).toBe(30);
      expect(await group.get('kms_key_id')).toBeNull();
      const ev2 = await ModuleEvaluator.create(mod, { ...SERVICE_INPUTS, log_retention_days: 90, log_kms_key_arn: KMS_KEY });
      const group2 = await single(ev2, 'aws_cloudwatch_log_group', 'controller');
      expect(await group2.get('retention_in_days')).toBe(90);
      expect(await group2.get('kms_key_id')).toBe(KMS_KEY);
    });
  });

  describe('service', () => {
    it('runs 2 Fargate replicas in the private subnets without a public IP', async () => {
      const svc = await single(ev, 'aws_ecs_service', 'controller');
      expect(await svc.get('desired_count')).toBe(2);
      expect(await svc.get('launch_type')).toBe('FARGATE');
      expect(await svc.get('cluster')).toBe(SERVICE_INPUTS.cluster_arn);
      expect(await svc.get('task_definition')).toBe('<computed:aws_ecs_task_definition.controller.arn>');
      expect(await blocks(svc, 'network_configuration')).toEqual([
        { subnets: SERVICE_INPUTS.subnet_ids, security_groups: ['<computed:aws_security_group.controller.id>'], assign_public_ip: false },
      ]);
      expect(await svc.get('enable_execute_command')).toBe(false);
      const three = await ModuleEvaluator.create(mod, { ...SERVICE_INPUTS, desired_count: 3 });
      expect(await (await single(three, 'aws_ecs_service', 'controller')).get('desired_count')).toBe(3);
    });

    it('rolls a failed deployment back (circuit breaker) and never drops below the running replicas', async () => {
      const svc = await single(ev, 'aws_ecs_service', 'controller');
      expect(await blocks(svc, 'deployment_circuit_breaker')).toEqual([{ enable: true, rollback: true }]);
      expect(await svc.get('deployment_minimum_healthy_percent')).toBe(100);
      expect(await svc.get('deployment_maximum_percent')).toBe(200);
      // The execution role has its policy before a task starts.
      expect(mod.resources.get('aws_ecs_service.controller')?.depends_on).toEqual(['${aws_iam_role_policy.execution}']);
    });

    it('has no load balancer by default, and registers port 8080 in the given target group otherwise', async () => {
      const svc = await single(ev, 'aws_ecs_service', 'controller');
      expect(await dynamicBlocks(ev, 'aws_ecs_service', 'controller', 'load_balancer')).toEqual([]);
      expect(await svc.get('health_check_grace_period_seconds')).toBeNull();
      const ev2 = await ModuleEvaluator.create(mod, {
        ...SERVICE_INPUTS,
        load_balancer: { target_group_arn: TARGET_GROUP, security_group_id: SG_ALB },
      });
      expect(await dynamicBlocks(ev2, 'aws_ecs_service', 'controller', 'load_balancer')).toEqual([
        { target_group_arn: TARGET_GROUP, container_name: 'driftwarden', container_port: 8080 },
      ]);
      expect(await (await single(ev2, 'aws_ecs_service', 'controller')).get('health_check_grace_period_seconds')).toBe(60);
    });
  });

  describe('security group', () => {
    it('allows egress tcp/443 to the internet and tcp/6379 to Redis only, and no ingress without a load balancer', async () => {
      const sg = await single(ev, 'aws_security_group', 'controller');
      expect(sg.has('ingress')).toBe(false);
      expect(sg.has('egress')).toBe(false);
      expect([...mod.resources.keys()].filter((k) => k.startsWith('aws_security_group_rule.'))).toEqual([]);
      const rules = await securityGroupRules(ev);
      expect(rules.map(ruleSummary).sort()).toEqual(['egress tcp/443 0.0.0.0/0', `egress tcp/6379 ${SG_REDIS}`].sort());
      for (const r of rules) expect(r.security_group_id).toBe('<computed:aws_security_group.controller.id>');
    });

    it('admits tcp/8080 from the load balancer security group only', async () => {
      const ev2 = await ModuleEvaluator.create(mod, {
        ...SERVICE_INPUTS,
        load_balancer: { target_group_arn: TARGET_GROUP, security_group_id: SG_ALB },
      });
      const rules = await securityGroupRules(ev2);
      expect(rules.filter((r) => r.direction === 'ingress').map(ruleSummary)).toEqual([`ingress tcp/8080 ${SG_ALB}`]);
    });

    it('narrows HTTPS egress to the given ranges', async () => {
      const ev2 = await ModuleEvaluator.create(mod, { ...SERVICE_INPUTS, https_egress_cidr_blocks: ['10.0.0.0/16', '10.1.0.0/16'] });
      expect((await securityGroupRules(ev2)).map(ruleSummary).sort()).toEqual(
        ['egress tcp/443 10.0.0.0/16', 'egress tcp/443 10.1.0.0/16', `egress tcp/6379 ${SG_REDIS}`].sort(),
      );
    });
  });

  it('describes every variable and output, and validates the inputs that have rules', () => {
    for (const [name, v] of [...mod.variables, ...mod.outputs])
      expect({ name, description: typeof v.description }).toEqual({ name, description: 'string' });
    for (const name of [
      'name',
      'account_id',
      'region',
      'cluster_arn',
      'subnet_ids',
      'image',
      'cpu',
      'memory',
      'cpu_architecture',
      'config_yaml',
      'roles',
      'log_level',
      'environment',
      'secrets',
      'redis_url_secret_arn',
      'task_role_arn',
      'container_user',
    ]) {
      expect({ name, validated: Array.isArray(mod.variables.get(name)?.validation) }).toEqual({ name, validated: true });
    }
  });
});

// ------------------------------------------------------------------------------------------

describe('examples/complete runs the controller', () => {
  let mod: TerraformModule;
  beforeAll(async () => {
    mod = await loadModule(EXAMPLE);
  });

  it('gives the service the controller role, the Redis secret and security group, and admits the service to Redis', () => {
    const service = mod.modules.get('controller_service');
    const redis = mod.modules.get('redis');
    expect(service?.source).toBe('../../modules/controller-service');
    expect(redis?.source).toBe('../../modules/redis');
    expect(service?.task_role_arn).toBe('${module.controller_iam.role_arn}');
    expect(service?.redis_url_secret_arn).toBe('${module.redis.redis_url_secret_arn}');
    expect(service?.redis_security_group_id).toBe('${module.redis.security_group_id}');
    expect(redis?.source_security_group_ids).toEqual({ controller: '${module.controller_service.security_group_id}' });
  });

  it('runs the service in the region and account the controller role trusts', () => {
    const service = mod.modules.get('controller_service');
    const iam = mod.modules.get('controller_iam');
    expect(iam?.regions).toEqual(['${var.region}']);
    expect(service?.region).toBe('${var.region}');
    expect(service?.account_id).toBe(iam?.account_id);
  });

  it("is given credentials by controller-iam's default trust policy: ECS tasks of the service's account and region", async () => {
    const iam = await ModuleEvaluator.create(await loadModule(join(INFRA, 'modules', 'controller-iam')), {
      account_id: SERVICE_INPUTS.account_id,
      regions: [SERVICE_INPUTS.region],
      queue_arn: 'arn:aws:sqs:eu-west-1:111122223333:driftwarden',
      config_bucket_name: 'config-bucket-111122223333',
      terraform_state_objects: [{ bucket: 'tf-state', key: 'network/terraform.tfstate' }],
    });
    const role = await single(iam, 'aws_iam_role', 'controller');
    const trust = toJson(JSON.parse(await str(role, 'assume_role_policy')));
    const [statement] = listAt(objectAt(trust, 'trust').Statement, 'Statement').map((x) => objectAt(x, 'statement'));
    expect(statement.Principal).toEqual({ Service: ['ecs-tasks.amazonaws.com'] });
    expect(statement.Action).toEqual(['sts:AssumeRole']);
    const condition = objectAt(statement.Condition, 'Condition');
    expect(objectAt(condition.StringEquals, 'StringEquals')['aws:SourceAccount']).toEqual([SERVICE_INPUTS.account_id]);
    // ECS passes the task's ARN as aws:SourceArn.
    const [pattern] = listAt(objectAt(condition.ArnLike, 'ArnLike')['aws:SourceArn'], 'aws:SourceArn').map(String);
    const glob = new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    );
    expect(
      glob.test(`arn:aws:ecs:${SERVICE_INPUTS.region}:${SERVICE_INPUTS.account_id}:task/driftwarden/0f1e2d3c4b5a69788796a5b4c3d2e1f0`),
    ).toBe(true);
    expect(glob.test(`arn:aws:ecs:us-east-1:${SERVICE_INPUTS.account_id}:task/driftwarden/0f1e2d3c4b5a69788796a5b4c3d2e1f0`)).toBe(false);
    expect(glob.test('arn:aws:ecs:eu-west-1:444455556666:task/driftwarden/0f1e2d3c4b5a69788796a5b4c3d2e1f0')).toBe(false);
  });

  it('passes driftwarden.yaml with redis.url, ingest.sqs.queueUrl, ingest.configDeliveryBuckets and principals.self set by the deployment', async () => {
    const service = mod.modules.get('controller_service');
    expect(service?.config_yaml).toBe('${local.driftwarden_config_yaml}');
    const config = mod.locals.get('driftwarden_config_yaml');
    if (typeof config !== 'string') throw new TypeError('no local.driftwarden_config_yaml');
    const refs = (await collectReferences(mod)).filter((r) => r.expression === config).map((r) => r.path.slice(0, 3).join('.'));
    expect(refs).toEqual(expect.arrayContaining(['module.event_intake.queue_url', 'module.controller_iam.principals_self']));
    expect(config).toMatch(/url\s*=\s*"env:REDIS_URL"/);
    expect(config).toMatch(/queueUrl\s*=\s*module\.event_intake\.queue_url/);
    // Oversized items' S3 copies are read from the Config bucket the IAM policy allows, and no other.
    expect(config).toMatch(/configDeliveryBuckets\s*=\s*\[var\.config_bucket_name\]/);
  });
});

// ------------------------------------------------------------------------------------------

interface DockerInstruction {
  keyword: string;
  args: string;
  stage: number;
}

/** Dockerfile instructions (continuation lines joined, comments and parser directives dropped). */
function parseDockerfile(text: string): DockerInstruction[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    if (/^\s*#/.test(raw) && current === '') continue;
    if (/^\s*#/.test(raw)) continue; // a comment inside a continued instruction
    const line = raw.replace(/\s+$/, '');
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    current += line;
    if (current.trim() !== '') logical.push(current.trim());
    current = '';
  }
  let stage = -1;
  return logical.map((l) => {
    const m = /^([A-Za-z]+)\s+([\s\S]*)$/.exec(l);
    if (!m) throw new Error(`Dockerfile: cannot parse ${l}`);
    const keyword = m[1].toUpperCase();
    if (keyword === 'FROM') stage += 1;
    return { keyword, args: m[2].trim(), stage };
  });
}

/** `COPY [--flag=...] src... dest` -> flags and paths (shell form only, as used here). */
function copyArgs(args: string): { flags: Record<string, string>; sources: string[]; dest: string } {
  const parts = args.split(/\s+/);
  const flags: Record<string, string> = {};
  while (parts[0]?.startsWith('--')) {
    const [k, v] = parts.shift()!.slice(2).split('=');
    flags[k] = v ?? '';
  }
  const dest = parts.pop();
  if (!dest || parts.length === 0) throw new Error(`COPY ${args}: no source`);
  return { flags, sources: parts, dest };
}

/** Whether .dockerignore excludes `path` (or a folder above it): Docker's patterns, last match wins. */
function dockerIgnored(path: string, patterns: string[]): boolean {
  const segments = posix.normalize(path).replace(/^\.\//, '').split('/');
  let ignored = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = (negated ? raw.slice(1) : raw).replace(/^\//, '');
    const isMatch = picomatch(pattern, { dot: true });
    for (let i = 1; i <= segments.length; i++) {
      if (isMatch(segments.slice(0, i).join('/'))) ignored = !negated;
    }
  }
  return ignored;
}

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const instructions = parseDockerfile(dockerfile);
  const ignorePatterns = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const pkg = toJson(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')));
  const scripts = objectAt(objectAt(pkg, 'package.json').scripts, 'scripts');
  const stages = Math.max(...instructions.map((i) => i.stage)) + 1;
  const final = instructions.filter((i) => i.stage === stages - 1);

  /** What nest build writes for a project: tsconfig outDir + the entry file relative to rootDir. */
  function nestOutput(project: string): string {
    const nest = toJson(JSON.parse(readFileSync(join(ROOT, 'nest-cli.json'), 'utf8')));
    const p = objectAt(objectAt(objectAt(nest, 'nest-cli.json').projects, 'projects')[project], project);
    const tsconfigPath = String(objectAt(p.compilerOptions, 'compilerOptions').tsConfigPath);
    const tsconfig = toJson(JSON.parse(readFileSync(join(ROOT, tsconfigPath), 'utf8')));
    const options = objectAt(objectAt(tsconfig, tsconfigPath).compilerOptions, 'compilerOptions');
    const base = join(ROOT, String(p.root));
    const outDir = resolve(base, String(options.outDir));
    const rootDir = resolve(base, String(options.rootDir));
    const entry = join(ROOT, String(p.sourceRoot), `${String(p.entryFile)}.js`);
    return relative(ROOT, join(outDir, relative(rootDir, entry)))
      .split('\\')
      .join('/');
  }

  it('builds on node:22-bookworm-slim (an LTS release) in every stage, a Node package.json engines allows', () => {
    const arg = instructions.find((i) => i.keyword === 'ARG' && i.args.startsWith('NODE_IMAGE='));
    expect(arg?.args).toBe('NODE_IMAGE=node:22-bookworm-slim');
    const froms = instructions
      .filter((i) => i.keyword === 'FROM')
      .map((i) => i.args.split(/\s+/)[0].replace('${NODE_IMAGE}', 'node:22-bookworm-slim'));
    expect(froms).toEqual(['node:22-bookworm-slim', 'node:22-bookworm-slim']);
    expect(String(objectAt(objectAt(pkg, 'package.json').engines, 'engines').node)).toMatch(/\|\| >=22\.\d+$/);
  });

  it('copies only files that exist and that .dockerignore lets through', () => {
    const copies = instructions.filter((i) => i.keyword === 'COPY').map((i) => copyArgs(i.args));
    const local = copies.filter((c) => c.flags.from === undefined).flatMap((c) => c.sources);
    expect(local.length).toBeGreaterThan(0);
    for (const src of local) {
      expect({ src, exists: existsSync(join(ROOT, src)) }).toEqual({ src, exists: true });
      expect({ src, ignored: dockerIgnored(src, ignorePatterns) }).toEqual({ src, ignored: false });
    }
    // The build needs these; secrets and local state never enter the context.
    for (const needed of ['package.json', 'package-lock.json', 'nest-cli.json', 'tsconfig.json', 'tsconfig.build.json', 'apps', 'libs']) {
      expect(local).toContain(needed);
    }
    for (const secret of ['.env', 'driftwarden.yaml', 'infra/examples/complete/terraform.tfstate', '.git', 'node_modules']) {
      expect({ secret, ignored: dockerIgnored(secret, ignorePatterns) }).toEqual({ secret, ignored: true });
    }
    // The runtime stage takes the build's output from the build stage.
    const fromBuild = copies.filter((c) => c.flags.from === 'build').flatMap((c) => c.sources);
    expect(fromBuild.sort()).toEqual(['/app/dist', '/app/node_modules', '/app/package.json']);
  });

  it('installs with npm ci from the lockfile, builds with npm run build and prunes dev dependencies', () => {
    const runs = instructions
      .filter((i) => i.keyword === 'RUN' && i.stage === 0)
      .map((i) => i.args)
      .join('\n');
    expect(runs).toMatch(/\bnpm ci\b/);
    expect(runs).not.toMatch(/\bnpm install\b/);
    expect(runs).toMatch(/\bnpm run build\b/);
    expect(runs).toMatch(/\bnpm prune --omit=dev\b/);
    // The controller, the CLI and the web console (served at /ui from dist/console).
    expect(scripts.build).toBe('nest build controller && nest build cli && vite build --config apps/console/vite.config.mts');
  });

  it('starts the controller where nest build writes it (nest-cli.json, tsconfig), as package.json start does', () => {
    const cmd = final.filter((i) => i.keyword === 'CMD').pop();
    const argv: unknown = JSON.parse(cmd?.args ?? 'null');
    const controller = nestOutput('controller');
    expect(controller).toBe('dist/apps/controller/src/main.js');
    // The controller runs with the young generation it was measured with, wherever it is started.
    expect(argv).toEqual(['node', '--max-semi-space-size=32', controller]);
    expect(scripts.start).toBe(`node --max-semi-space-size=32 ${controller}`);
    expect(scripts.bench).toMatch(/ node --max-semi-space-size=32 dist\/bench\/src\/main\.js$/);
    // bin/driftwarden.js (copied for one-off CLI tasks) loads the CLI's build output.
    expect(nestOutput('cli')).toBe('dist/apps/cli/src/main.js');
    expect(readFileSync(join(ROOT, 'bin', 'driftwarden.js'), 'utf8')).toContain("'dist', 'apps', 'cli', 'src', 'main.js'");
  });

  it('runs as the non-root node user, exposes 8080 and checks health like the task definition', async () => {
    const users = final.filter((i) => i.keyword === 'USER').map((i) => i.args);
    expect(users).toEqual(['node']);
    const userIndex = final.findIndex((i) => i.keyword === 'USER');
    const cmdIndex = final.findIndex((i) => i.keyword === 'CMD');
    expect(userIndex).toBeGreaterThan(-1);
    expect(userIndex).toBeLessThan(cmdIndex);
    // Nothing after USER switches back to root.
    expect(final.slice(userIndex + 1).map((i) => i.keyword)).not.toContain('RUN');
    expect(final.filter((i) => i.keyword === 'EXPOSE').map((i) => i.args)).toEqual(['8080']);

    const ev = await ModuleEvaluator.create(await loadModule(SERVICE), SERVICE_INPUTS);
    const [container] = await containerDefinitions(ev);
    const taskCheck = listAt(objectAt(container.healthCheck, 'healthCheck').command, 'command');
    const imageCheck = final.find((i) => i.keyword === 'HEALTHCHECK')?.args ?? '';
    const argv: unknown = JSON.parse(imageCheck.replace(/^.*?CMD\s+/, ''));
    expect(argv).toEqual(taskCheck.slice(1));
  });
});

// ------------------------------------------------------------------------------------------

describe('terraform fmt', () => {
  const terraform = terraformBinary();
  (terraform ? it : it.skip)(
    `infra/ is formatted (terraform fmt -check -recursive)${terraform ? '' : ' — skipped: no terraform binary on PATH'}`,
    () => {
      const r = spawnSync(terraform ?? 'terraform', ['fmt', '-check', '-recursive', '-diff', 'infra'], { ...TERRAFORM_OPTIONS, cwd: ROOT });
      expect(r.error).toBeUndefined();
      expect({ status: r.status, diff: r.stdout }).toEqual({ status: 0, diff: '' });
    },
  );
});
