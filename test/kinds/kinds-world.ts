/**
 * What the Friday stories of the `asg` and `instance` kinds run on, wired as the demo wires the
 * controller: the sandbox account's Auto Scaling groups and EC2 instances over HTTP (the real
 * executors reach them through AWS_ENDPOINT_URL_AUTO_SCALING and AWS_ENDPOINT_URL_EC2), Config and
 * CloudTrail events for every change, the GitHub sandbox over a real git repository holding the
 * stack's code (read for lifecycle.ignore_changes and edited by the backport), and the real
 * controller in enforce mode on a real Redis.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { DriftRecord } from '@driftwarden/domain';
import * as gh from '@driftwarden/github/testing';
import { Ec2Sandbox } from '@driftwarden/ec2/testing';
import { AsgSandboxAccount, InstanceEvents, terraformState, withResources, type EventSink } from '@driftwarden/sandbox/testing';
import { http, type HttpResult } from '../support/http';
import { dropPrefix, eventually, startTestController, TOKENS, uniquePrefix, type TestController } from '../support/test-controller';

export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';
export const PRINCIPALS = {
  oncall: `arn:aws:sts::${ACCOUNT}:assumed-role/developer/dana`,
  attacker: `arn:aws:sts::${ACCOUNT}:assumed-role/developer/mallory`,
  developer: `arn:aws:sts::${ACCOUNT}:assumed-role/developer/bob`,
};

export interface KindsWorldOptions {
  /** Repository files (path → text), the stack's code under `terraform/shop/`. */
  files: Record<string, string>;
  /** Terraform state resources of stack `shop` (after `setup`). */
  stateResources(world: KindsWorld): Record<string, unknown>[];
  /** The sandbox parts to start before the controller (they get the sink). */
  setup(world: KindsWorld): Promise<void>;
  /** Extra endpoint variables for the executors. */
  env(world: KindsWorld): Record<string, string>;
}

export class KindsWorld {
  readonly dir = mkdtempSync(join(tmpdir(), 'dw-kinds-'));
  readonly prefix = uniquePrefix();
  github!: gh.GitHubSandbox;
  asg!: AsgSandboxAccount;
  ec2: Ec2Sandbox | null = null;
  instances: InstanceEvents | null = null;
  ctl!: TestController;
  private env: Record<string, string> = {};
  readonly sinks: ((sink: EventSink) => void)[] = [];

  async start(opts: KindsWorldOptions): Promise<void> {
    const repo = join(this.dir, 'repo');
    for (const [path, text] of Object.entries(opts.files)) {
      mkdirSync(dirname(join(repo, path)), { recursive: true });
      writeFileSync(join(repo, path), text);
    }
    this.github = await gh.GitHubSandbox.start({
      owner: 'acme',
      repo: 'infra',
      validate: true,
      fromDirectory: repo,
      tokens: ['gh-sandbox-token'],
    });
    this.asg = await AsgSandboxAccount.start({ account: ACCOUNT, region: REGION });
    this.sinks.push((s) => this.asg.setSink(s));
    await opts.setup(this);
    const stateFile = join(this.dir, 'shop.tfstate');
    writeFileSync(stateFile, JSON.stringify(withResources(terraformState([]), opts.stateResources(this))));
    this.env = {
      AWS_ENDPOINT_URL_AUTO_SCALING: this.asg.url,
      ...(this.ec2 ? { AWS_ENDPOINT_URL_EC2: this.ec2.url } : {}),
      ...opts.env(this),
    };
    for (const [k, v] of Object.entries(this.env)) process.env[k] = v;
    this.ctl = await startTestController({
      prefix: this.prefix,
      mode: 'enforce',
      settleSeconds: 1,
      extra: {
        stacks: [
          {
            name: 'shop',
            accounts: [ACCOUNT],
            regions: [REGION],
            state: { file: stateFile },
            repo: { owner: 'acme', name: 'infra', baseBranch: 'main', path: 'terraform/shop' },
          },
        ],
        github: { apiUrl: this.github.url, token: 'gh-sandbox-token', webhookSecret: 'gh-webhook-secret' },
      },
    });
    const sink: EventSink = async (events) => {
      const res = await http(this.ctl.url, 'POST', '/v1/events', { token: TOKENS.ingest, body: events });
      if (res.status !== 202) throw new Error(`events rejected: ${JSON.stringify(res.body)}`);
    };
    for (const set of this.sinks) set(sink);
  }

  /** An EC2 sandbox for instances (in `setup`): its Config and CloudTrail events go to the controller too. */
  async startEc2(): Promise<Ec2Sandbox> {
    const key = process.env['AWS_ACCESS_KEY_ID'] ?? 'AKIDSANDBOX';
    this.ec2 = await Ec2Sandbox.start({
      accountId: ACCOUNT,
      region: REGION,
      principals: { [key]: `arn:aws:sts::${ACCOUNT}:assumed-role/driftwarden/controller` },
    });
    const events = new InstanceEvents(this.ec2, REGION);
    this.instances = events;
    this.sinks.push((s) => events.setSink(s));
    return this.ec2;
  }

  async stop(): Promise<void> {
    await this.ctl?.close();
    this.instances?.close();
    await this.ec2?.close().catch(() => undefined);
    await this.asg?.close().catch(() => undefined);
    await this.github?.close().catch(() => undefined);
    for (const k of Object.keys(this.env)) delete process.env[k];
    await dropPrefix(this.prefix);
    rmSync(this.dir, { recursive: true, force: true });
  }

  api<T>(method: string, path: string, opts: { token?: string; body?: unknown } = {}): Promise<HttpResult<T>> {
    return http<T>(this.ctl.url, method, path, { token: TOKENS.viewer, ...opts });
  }

  async freeze(reason: string): Promise<string> {
    const res = await this.api<{ id: string }>('POST', '/v1/freezes', { token: TOKENS.operator, body: { reason, ttl: '1h' } });
    if (res.status !== 201) throw new Error(`freeze refused: ${JSON.stringify(res.body)}`);
    await eventually(async () => (await this.api<{ frozen: boolean }>('GET', '/v1/freeze')).body.frozen, 'the freeze');
    return res.body.id;
  }

  async lift(id: string): Promise<void> {
    await this.api('DELETE', `/v1/freezes/${id}`, { token: TOKENS.operator });
    await eventually(async () => !(await this.api<{ frozen: boolean }>('GET', '/v1/freeze')).body.frozen, 'the end of the freeze', 20_000);
  }

  /** Waits for a drift of `resourceId` matching `where`; on timeout, says what was seen. */
  async driftOf(resourceId: string, where: (d: DriftRecord) => boolean, what: string, timeoutMs = 20_000): Promise<DriftRecord> {
    let seen: unknown = null;
    try {
      return await eventually(
        async () => {
          const page = await this.api<{ items: DriftRecord[] }>('GET', `/v1/drifts?resource=${encodeURIComponent(resourceId)}&limit=50`);
          seen =
            page.body.items?.map((d) => ({
              id: d.id,
              status: d.status,
              decision: d.decision,
              differences: d.differences?.map((x) => [x.id, x.decision.action]),
            })) ?? page.body;
          return page.body.items?.find(where);
        },
        what,
        timeoutMs,
      );
    } catch (e) {
      const all = await this.api<{ items: DriftRecord[] }>('GET', '/v1/drifts?limit=20');
      const audit = await this.api<{ items: unknown[] }>('GET', '/v1/audit?limit=30');
      throw new Error(
        `${(e as Error).message}; drifts: ${JSON.stringify(seen)}; all: ${JSON.stringify(all.body.items?.map((d) => [d.resource.id, d.status, d.decision]))}; audit: ${JSON.stringify(audit.body.items).slice(0, 4000)}`,
        { cause: e },
      );
    }
  }
}
