import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { deleteKeysWithPrefix } from '@driftwarden/redis';
import * as github from '@driftwarden/github/testing';
import {
  AsgSandboxAccount,
  SandboxAccount,
  asgStateResource,
  publicAccessBlockStateResource,
  terraformState,
  withResources,
  type GroupInfo,
} from '@driftwarden/sandbox/testing';
import { PagerDutyFake } from '@driftwarden/incidents/testing';
import type { PermissionRule } from '@driftwarden/kinds/security-group';

export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';
const VPC = 'vpc-0123456789abcdef0';

const tcp = (port: number, cidr: string): PermissionRule => ({
  direction: 'ingress',
  protocol: 'tcp',
  fromPort: port,
  toPort: port,
  peer: { kind: 'ipv4', cidr },
});
const EGRESS_ALL: PermissionRule = {
  direction: 'egress',
  protocol: '-1',
  fromPort: null,
  toPort: null,
  peer: { kind: 'ipv4', cidr: '0.0.0.0/0' },
};
export const RULES = {
  httpsInternal: tcp(443, '10.0.0.0/8'),
  httpsPublic: tcp(443, '0.0.0.0/0'),
  partner8080: tcp(8080, '0.0.0.0/0'),
  amqp: tcp(5672, '10.0.0.0/8'),
  ssh: tcp(22, '0.0.0.0/0'),
  rabbitAdmin: tcp(15672, '0.0.0.0/0'),
};

/** The demo stack: must declare exactly what examples/demo/infra/terraform/network/main.tf declares. */
export const GROUPS: { name: string; id: string; team: string; rules: PermissionRule[] }[] = [
  { name: 'web', id: 'sg-0a11c0ffee0000001', team: 'payments', rules: [RULES.httpsInternal, EGRESS_ALL] },
  { name: 'workers', id: 'sg-0b22c0ffee0000002', team: 'checkout', rules: [RULES.httpsInternal, RULES.partner8080, EGRESS_ALL] },
  { name: 'queue', id: 'sg-0c33c0ffee0000003', team: 'checkout', rules: [RULES.amqp] },
  { name: 'edge', id: 'sg-0d44c0ffee0000004', team: 'payments', rules: [RULES.httpsPublic] },
];

/** The demo's bucket: its public access block is declared in examples/demo/infra/terraform/network/storage.tf. */
export const BUCKET = {
  name: 'acme-invoices',
  resource: 'invoices',
  block: { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true },
};

/** The checkout service's Auto Scaling group (examples/demo/infra/terraform/network/autoscaling.tf). */
export const CHECKOUT_ASG = { name: 'checkout', minSize: 4, maxSize: 20, desiredCapacity: 4, team: 'checkout' };

export const PRINCIPALS = {
  attacker: `arn:aws:sts::${ACCOUNT}:assumed-role/developer/mallory`,
  breakGlass: `arn:aws:sts::${ACCOUNT}:assumed-role/BreakGlassAdmin/alice@example.com`,
  oncall: `arn:aws:sts::${ACCOUNT}:assumed-role/developer/dana`,
  developer: `arn:aws:sts::${ACCOUNT}:assumed-role/developer/bob`,
};

export function findRepoRoot(from: string = __dirname): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'examples', 'demo', 'infra'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find examples/demo/infra: run the demo from the driftwarden checkout');
    dir = up;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolvePort(typeof addr === 'object' && addr ? addr.port : 0));
    });
    srv.on('error', reject);
  });
}

const token = () => randomBytes(18).toString('base64url');
const sha = (t: string) => createHash('sha256').update(t).digest('hex');

export interface DemoTimings {
  settleSeconds: number;
  cooldownSeconds: number;
  pollSeconds: number;
}

/**
 * Everything the demo runs on this machine: the sandbox AWS account, a scripted PagerDuty,
 * a GitHub stand-in backed by a real git repository, and the real controller as its own
 * process, all on a real Redis under a key prefix of their own.
 */
export class DemoWorld {
  readonly tokens = { ingest: token(), operator: token(), viewer: token() };
  readonly secrets = { pagerduty: token(), github: token(), pdApi: token(), ghApi: token(), oncall: token() };
  /** What the on-call webhook received (the controller's notifications), signature checked. */
  readonly notifications: { body: Record<string, unknown>; signed: boolean }[] = [];
  private oncall: Server | null = null;
  private oncallUrl = '';
  readonly prefix = `dw-demo-${randomBytes(3).toString('hex')}`;
  readonly dir = mkdtempSync(join(tmpdir(), 'driftwarden-demo-'));
  account!: SandboxAccount;
  /** The sandbox account's Auto Scaling groups (AWS_ENDPOINT_URL_AUTO_SCALING). */
  asg!: AsgSandboxAccount;
  /** The checkout group's ARN (Config's resource id for it). */
  checkoutArn = '';
  pagerduty!: PagerDutyFake;
  github!: github.GitHubSandbox;
  groups: Record<string, GroupInfo> = {};
  controllerUrl = '';
  private controller: ChildProcess | null = null;
  private controllerLog = '';

  constructor(
    readonly repoRoot: string,
    readonly redisUrl: string,
    readonly timings: DemoTimings,
  ) {}

  async start(): Promise<void> {
    this.account = await SandboxAccount.start({ account: ACCOUNT, region: REGION });
    for (const g of GROUPS) {
      this.groups[g.name] = this.account.addGroup({ groupId: g.id, groupName: g.name, vpcId: VPC, tags: { team: g.team } }, g.rules);
    }
    const bucket = this.account.addBucket(BUCKET.name, BUCKET.block);
    this.asg = await AsgSandboxAccount.start({ account: ACCOUNT, region: REGION });
    const { team, ...capacity } = CHECKOUT_ASG;
    this.checkoutArn = this.asg.addGroup({ ...capacity, tags: { team } });
    this.pagerduty = await new PagerDutyFake({ token: this.secrets.pdApi, contracts: 'optional' }).start();
    this.github = await github.GitHubSandbox.start({
      owner: 'acme',
      repo: 'infra',
      fromDirectory: join(this.repoRoot, 'examples', 'demo', 'infra'),
      tokens: [this.secrets.ghApi],
    });

    await this.startOncall();

    const statePath = join(this.dir, 'network.tfstate');
    writeFileSync(
      statePath,
      JSON.stringify(
        withResources(
          terraformState(
            GROUPS.map((g) => ({ ...this.groups[g.name], name: g.name, rules: g.rules })),
            7,
            [publicAccessBlockStateResource(bucket, BUCKET.resource, BUCKET.block)],
          ),
          [asgStateResource({ ...capacity, groupName: CHECKOUT_ASG.name, arn: this.checkoutArn })],
        ),
        null,
        2,
      ),
    );
    const port = await freePort();
    this.controllerUrl = `http://127.0.0.1:${port}`;
    this.github.setWebhook({ url: `${this.controllerUrl}/v1/webhooks/github`, secret: this.secrets.github });
    const configPath = join(this.dir, 'driftwarden.yaml');
    writeFileSync(configPath, this.config(statePath, port));

    const main = join(this.repoRoot, 'dist', 'apps', 'controller', 'src', 'main.js');
    if (!existsSync(main)) throw new Error(`the controller is not built (${main}): run npm run build`);
    this.controller = spawn(process.execPath, [main], {
      env: {
        PATH: process.env['PATH'] ?? '',
        DRIFTWARDEN_CONFIG: configPath,
        LOG_LEVEL: 'warn',
        PAGERDUTY_TOKEN: this.secrets.pdApi,
        PAGERDUTY_WEBHOOK_SECRET: this.secrets.pagerduty,
        GITHUB_TOKEN: this.secrets.ghApi,
        GITHUB_WEBHOOK_SECRET: this.secrets.github,
        ONCALL_WEBHOOK_URL: this.oncallUrl,
        ONCALL_WEBHOOK_SECRET: this.secrets.oncall,
        // The sandbox account: EC2 and S3 answer locally; nothing else may reach AWS.
        AWS_ENDPOINT_URL_EC2: this.account.url,
        AWS_ENDPOINT_URL_S3: this.account.s3.url,
        AWS_ENDPOINT_URL_AUTO_SCALING: this.asg.url,
        AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
        AWS_ACCESS_KEY_ID: process.env['AWS_ACCESS_KEY_ID'] ?? 'AKIDSANDBOX',
        AWS_SECRET_ACCESS_KEY: 'sandbox-secret',
        AWS_REGION: REGION,
        AWS_EC2_METADATA_DISABLED: 'true',
        NODE_NO_WARNINGS: '1',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.controller.stderr?.on('data', (d: Buffer) => {
      this.controllerLog = (this.controllerLog + d.toString('utf8')).slice(-8000);
    });
    // Config and CloudTrail events of every change in the sandbox account go to the controller.
    const sink = async (events: Record<string, unknown>[]) => {
      const res = await fetch(`${this.controllerUrl}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.tokens.ingest}` },
        body: JSON.stringify(events),
        signal: AbortSignal.timeout(10_000),
      });
      if (res.status !== 202) throw new Error(`the controller refused events: ${res.status} ${await res.text()}`);
    };
    this.account.setSink(sink);
    this.asg.setSink(sink);
    await this.waitReady();
  }

  private config(statePath: string, port: number): string {
    return [
      `mode: enforce`,
      `redis: { url: ${JSON.stringify(this.redisUrl)}, prefix: ${this.prefix} }`,
      `api:`,
      `  port: ${port}`,
      `  tokens:`,
      `    - { name: eventbridge, sha256: "${sha(this.tokens.ingest)}", role: ingest }`,
      `    - { name: oncall, sha256: "${sha(this.tokens.operator)}", role: operator, identity: carol@example.com }`,
      `    - { name: dashboard, sha256: "${sha(this.tokens.viewer)}", role: viewer }`,
      `ingest: { coalesceMilliseconds: 200 }`,
      `attribution: { cloudTrailWaitSeconds: 0, lookupEvents: false }`,
      `incidents:`,
      `  pollIntervalSeconds: ${this.timings.pollSeconds}`,
      `  maxStalenessSeconds: ${this.timings.pollSeconds * 10}`,
      `  cooldownMinutes: ${this.timings.cooldownSeconds / 60}`,
      `  lookbackMinutes: 15`,
      `  pagerduty:`,
      `    token: env:PAGERDUTY_TOKEN`,
      `    apiUrl: ${this.pagerduty.url}`,
      `    webhookSecrets: [env:PAGERDUTY_WEBHOOK_SECRET]`,
      `    major: { priorities: [P1, P2] }`,
      `    scopes: { PCHECKOUT: { tags: { team: checkout } } }`,
      `principals:`,
      `  iac: ["arn:aws:sts::*:assumed-role/terraform-apply/*"]`,
      `  breakGlass: ["arn:aws:sts::*:assumed-role/BreakGlass*/*"]`,
      `  self: ["arn:aws:sts::*:assumed-role/driftwarden/*"]`,
      `stacks:`,
      `  - name: network`,
      `    accounts: ["${ACCOUNT}"]`,
      `    regions: [${REGION}]`,
      `    state: { file: ${JSON.stringify(statePath)} }`,
      `    repo: { owner: acme, name: infra, baseBranch: main, path: terraform/network }`,
      `guardrails: { settleSeconds: ${this.timings.settleSeconds}, approvalTtlMinutes: 60 }`,
      `github: { apiUrl: ${JSON.stringify(this.github.url)}, token: env:GITHUB_TOKEN, webhookSecret: env:GITHUB_WEBHOOK_SECRET }`,
      `notifications:`,
      `  linkBaseUrl: ${JSON.stringify(this.controllerUrl)}`,
      `  webhooks: [{ name: oncall, url: env:ONCALL_WEBHOOK_URL, secret: env:ONCALL_WEBHOOK_SECRET }]`,
      ``,
    ].join('\n');
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (this.controller?.exitCode !== null && this.controller?.exitCode !== undefined) {
        throw new Error(`the controller exited (${this.controller.exitCode}): ${this.controllerLog.trim()}`);
      }
      try {
        const res = await fetch(`${this.controllerUrl}/readyz`, { signal: AbortSignal.timeout(1000) });
        if (res.ok) return;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline) throw new Error(`the controller did not become ready: ${this.controllerLog.trim()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async api<T>(
    method: string,
    path: string,
    body?: unknown,
    tokenName: keyof DemoWorld['tokens'] = 'viewer',
  ): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.controllerUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.tokens[tokenName]}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  }

  /** The on-call channel: an HTTP endpoint that checks each message's HMAC signature. */
  private async startOncall(): Promise<void> {
    const server = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const expected = Buffer.from(`sha256=${createHmac('sha256', this.secrets.oncall).update(raw).digest('hex')}`);
        const got = Buffer.from(String(req.headers['x-driftwarden-signature'] ?? ''));
        let body: Record<string, unknown> = {};
        try {
          body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
        } catch {
          /* kept empty: the step that waits for it fails */
        }
        this.notifications.push({ body, signed: got.length === expected.length && timingSafeEqual(got, expected) });
        res.writeHead(204);
        res.end();
      });
    });
    await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
    const addr = server.address();
    this.oncall = server;
    this.oncallUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/hooks/oncall`;
  }

  async stop(): Promise<void> {
    if (this.controller && this.controller.exitCode === null) {
      this.controller.kill('SIGTERM');
      await new Promise((r) => this.controller?.once('exit', r));
    }
    if (this.oncall) {
      this.oncall.closeAllConnections();
      await new Promise((r) => this.oncall?.close(r));
    }
    await this.account?.close().catch(() => undefined);
    await this.asg?.close().catch(() => undefined);
    await this.pagerduty?.stop().catch(() => undefined);
    await this.github?.close().catch(() => undefined);
    // Only our own key prefix is touched.
    const redis = new Redis(this.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      await deleteKeysWithPrefix(redis, this.prefix);
    } finally {
      redis.disconnect();
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
