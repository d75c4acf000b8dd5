/**
 * What the backport end-to-end tests run on, wired the way the demo wires it
 * (apps/cli/src/demo/demo-world.ts): a sandbox AWS account (EC2 over HTTP, Config and
 * CloudTrail events to the controller), the GitHub sandbox (a real HTTP server over a real git
 * repository, every request and answer validated against GitHub's OpenAPI description), a
 * PagerDuty fake, and the real controller in enforce mode on a real Redis.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GitHubBackport, StackRepo } from '@driftwarden/backport';
import type { DriftRecord } from '@driftwarden/domain';
import {
  createGitHubRepoClient,
  gitHubClientOptionsFromConfig,
  signGitHubPayload,
  type GitHubLogger,
  type OctokitGitHubRepoClient,
} from '@driftwarden/github';
import * as sandbox from '@driftwarden/github/testing';
import { SandboxAccount, terraformState, type GroupInfo } from '@driftwarden/sandbox/testing';
import { PagerDutyFake } from '@driftwarden/incidents/testing';
import { http, type HttpResult } from '../support/http';
import { dropPrefix, eventually, startTestController, TOKENS, uniquePrefix, type TestController } from '../support/test-controller';
import { ACCOUNT, GROUPS, REGION, REPO_FILES, VPC, writeTree, type GroupFixture, type StackName } from './fixtures';

export const GITHUB_TOKEN = 'gh-sandbox-token';
export const WEBHOOK_SECRET = 'gh-webhook-secret';
export const PAGERDUTY_SECRET = 'pd-webhook-secret';
export const OWNER = 'acme';
export const REPO = 'infra';

/** The GitHub client's warnings (rate limits) are expected here: kept, not printed. */
export const quietLogger: GitHubLogger & { messages: string[] } = {
  messages: [],
  debug: () => undefined,
  info: () => undefined,
  warn(message: string) {
    this.messages.push(message);
  },
  error(message: string) {
    this.messages.push(message);
  },
};

export type GroupKey = keyof typeof GROUPS;

interface AuditEntry {
  at: string;
  type: string;
  driftId?: string;
  reason?: string;
  details?: Record<string, unknown>;
}

/** A GitHub sandbox over a new repository holding the test fixtures (validation on). */
export async function startGitHub(dir: string): Promise<sandbox.GitHubSandbox> {
  return sandbox.GitHubSandbox.start({
    owner: OWNER,
    repo: REPO,
    validate: true,
    fromDirectory: writeTree(join(dir, 'repo'), REPO_FILES),
    tokens: [GITHUB_TOKEN],
  });
}

/** `git --git-dir <the sandbox's repository> …` → stdout (no user or system git config). */
export function git(gh: sandbox.GitHubSandbox, ...args: string[]): string {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith('GIT_')) env[key] = value;
  return execFileSync('git', ['--git-dir', gh.gitDir, ...args], {
    env: { ...env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
    encoding: 'utf8',
  });
}

export function backportBranchOf(groupId: string): string {
  return `driftwarden/backport/${groupId}`;
}

/** `git diff main...<branch>` without the `index <blob>..<blob>` line (blob ids say nothing more than the text). */
export function branchDiff(gh: sandbox.GitHubSandbox, branch: string): string {
  return git(gh, 'diff', `main...${branch}`)
    .split('\n')
    .filter((line) => !line.startsWith('index '))
    .join('\n');
}

/** The stacks of the controller config, with their repository. */
export function stacksConfig(stateFiles: Record<StackName, string>): Array<Record<string, unknown>> {
  return (Object.keys(stateFiles) as StackName[]).map((name) => ({
    name,
    accounts: [ACCOUNT],
    regions: [REGION],
    state: { file: stateFiles[name] },
    repo: { owner: OWNER, name: REPO, baseBranch: 'main', path: `terraform/${name}` },
  }));
}

/** What the controller's core module builds from `stacks[].repo` (apps/controller/src/core/core.module.ts). */
export function stackRepos(): StackRepo[] {
  return (['network', 'dynamic', 'foreach', 'edge'] as StackName[]).map((name) => ({
    stack: name,
    repo: { owner: OWNER, name: REPO },
    baseBranch: 'main',
    path: `terraform/${name}`,
  }));
}

/**
 * The GitHub adapter as the controller builds it from `github:` config, with the waits made
 * tiny (GitHub's 1 s spacing of writes and real-second backoffs would make each backport last
 * about ten seconds).
 */
export function fastClient(apiUrl: string): OctokitGitHubRepoClient {
  return createGitHubRepoClient(
    gitHubClientOptionsFromConfig(
      { apiUrl, token: GITHUB_TOKEN, webhookSecret: WEBHOOK_SECRET },
      { writeSpacingMs: 0, backoffUnitMs: 1, requestTimeoutMs: 5_000, logger: quietLogger },
    ),
  );
}

/**
 * Holds the next `parties` requests matching `match` until all of them have arrived, so that
 * racing clients are seen by GitHub at the same step (released anyway after `timeoutMs`).
 */
export function barrier(
  gh: sandbox.GitHubSandbox,
  match: sandbox.SandboxMatch,
  parties: number,
  timeoutMs = 5_000,
): { arrived: () => number } {
  let arrived = 0;
  let release: () => void = () => undefined;
  const all = new Promise<void>((resolve) => {
    release = resolve;
  });
  const timer = setTimeout(() => release(), timeoutMs);
  gh.beforeNext(
    match,
    async () => {
      arrived += 1;
      if (arrived >= parties) {
        clearTimeout(timer);
        release();
      }
      await all;
    },
    parties,
  );
  return { arrived: () => arrived };
}

/**
 * Answers the next `times` requests matching `match` one at a time, each after the previous
 * one was answered. GitHub checks "one open PR per head" atomically; the sandbox checks it
 * before an `await` and records the PR after it (github-sandbox.server.ts, createPull), so
 * concurrent POST /pulls must be serialized for the sandbox to answer like GitHub.
 */
export function oneAtATime(gh: sandbox.GitHubSandbox, match: { method: string; route: string }, times: number): void {
  const from = gh.calls.length;
  let order = 0;
  const answered = () => gh.calls.slice(from).filter((c) => c.method === match.method && c.route === match.route && c.status !== 0).length;
  gh.beforeNext(
    match,
    async () => {
      const mine = order;
      order += 1;
      await eventually(async () => answered() >= mine, `the ${match.method} ${match.route} before this one to be answered`, 5_000);
    },
    times,
  );
}

/** Holds the next request matching `match` until `ready()` (then lets it through; fails the request's wait after `timeoutMs`). */
export function holdUntil(
  gh: sandbox.GitHubSandbox,
  match: { method: string; route: string },
  ready: () => boolean,
  what: string,
  timeoutMs = 5_000,
): void {
  gh.beforeNext(match, async () => {
    await eventually(async () => ready(), what, timeoutMs);
  });
}

export interface WorldOptions {
  /** Backport adapter given to the controller(s); default: the one the controller builds from `github:` config. */
  backport?: (github: sandbox.GitHubSandbox) => GitHubBackport;
  /** How many controllers share the Redis prefix (each receives every event). Default 1. */
  replicas?: number;
  /** Groups of the sandbox account (default: all fixtures). */
  groups?: GroupKey[];
  pagerduty?: boolean;
  /** Notes on the PagerDuty incident's timeline (`incidents.notes.pagerduty`, with a From user). */
  notes?: boolean;
}

/** The PagerDuty user notes are written as (`incidents.pagerduty.from`). */
export const NOTES_FROM = 'driftwarden-bot@acme.example';

export class BackportWorld {
  readonly dir = mkdtempSync(join(tmpdir(), 'dw-backport-'));
  readonly prefix = uniquePrefix();
  account!: SandboxAccount;
  github!: sandbox.GitHubSandbox;
  pagerduty: PagerDutyFake | null = null;
  controllers: TestController[] = [];
  private startReplicas: () => Promise<void> = async () => undefined;
  readonly groups: Partial<Record<GroupKey, GroupInfo>> = {};

  get ctl(): TestController {
    return this.controllers[0];
  }

  async start(options: WorldOptions = {}): Promise<void> {
    this.github = await startGitHub(this.dir);
    this.account = await SandboxAccount.start({ account: ACCOUNT, region: REGION });
    const keys = options.groups ?? (Object.keys(GROUPS) as GroupKey[]);
    for (const key of keys) {
      const g: GroupFixture = GROUPS[key];
      this.groups[key] = this.account.addGroup({ groupId: g.id, groupName: g.key, vpcId: VPC, tags: { team: g.team } }, g.rules);
    }
    const stateFiles = {} as Record<StackName, string>;
    for (const stack of ['network', 'dynamic', 'foreach', 'edge'] as StackName[]) {
      const file = join(this.dir, `${stack}.tfstate`);
      const inStack = keys.filter((k) => GROUPS[k].stack === stack);
      writeFileSync(
        file,
        JSON.stringify(
          terraformState(
            inStack.map((k) => {
              const g: GroupFixture = GROUPS[k];
              return { ...(this.groups[k] as GroupInfo), name: g.name, ...(g.module ? { module: g.module } : {}), rules: g.rules };
            }),
          ),
        ),
      );
      stateFiles[stack] = file;
    }
    if (options.pagerduty) this.pagerduty = await new PagerDutyFake().start();

    const extra: Record<string, unknown> = {
      stacks: stacksConfig(stateFiles),
      github: { apiUrl: this.github.url, token: GITHUB_TOKEN, webhookSecret: WEBHOOK_SECRET },
      ...(this.pagerduty
        ? {
            incidents: {
              pollIntervalSeconds: 1,
              maxStalenessSeconds: 30,
              cooldownMinutes: 0,
              pagerduty: {
                token: 'pd-fake-token',
                apiUrl: this.pagerduty.url,
                webhookSecrets: [PAGERDUTY_SECRET],
                major: { priorities: ['P1'] },
                scopes: { PSVC001: { tags: { team: 'checkout' } } },
                ...(options.notes ? { from: NOTES_FROM } : {}),
              },
              ...(options.notes ? { notes: { pagerduty: true } } : {}),
            },
          }
        : {}),
    };
    // The real EC2 adapter reaches the sandbox account (no write is expected: backports only).
    process.env['AWS_ENDPOINT_URL_EC2'] = this.account.url;
    const backport = options.backport?.(this.github);
    this.startReplicas = async () => {
      for (let i = 0; i < (options.replicas ?? 1); i += 1) {
        this.controllers.push(
          await startTestController({
            prefix: this.prefix,
            mode: 'enforce',
            settleSeconds: 1,
            ...(backport ? { overrides: { backport } } : {}),
            extra,
          }),
        );
      }
    };
    await this.startReplicas();
    this.github.setWebhook({ url: `${this.ctl.url}/v1/webhooks/github`, secret: WEBHOOK_SECRET });
    // Every change in the account reaches every replica (EventBridge fan-out, or a retried delivery).
    this.account.setSink(async (events) => {
      const answers = await Promise.all(
        this.controllers.map((c) => http(c.url, 'POST', '/v1/events', { token: TOKENS.ingest, body: events })),
      );
      for (const a of answers) if (a.status !== 202) throw new Error(`events rejected: ${JSON.stringify(a.body)}`);
    });
  }

  /** A total Redis loss: every controller stops, every key of the prefix goes, the controllers start again on the same config. */
  async restartAfterRedisLoss(): Promise<void> {
    await Promise.all(this.controllers.map((c) => c.close()));
    this.controllers.length = 0;
    await dropPrefix(this.prefix);
    await this.startReplicas();
    this.github.setWebhook({ url: `${this.ctl.url}/v1/webhooks/github`, secret: WEBHOOK_SECRET });
  }

  async stop(): Promise<void> {
    await Promise.all(this.controllers.map((c) => c.close()));
    await this.account?.close().catch(() => undefined);
    await this.pagerduty?.stop().catch(() => undefined);
    await this.github?.close().catch(() => undefined);
    delete process.env['AWS_ENDPOINT_URL_EC2'];
    await dropPrefix(this.prefix);
    rmSync(this.dir, { recursive: true, force: true });
  }

  groupId(key: GroupKey): string {
    return GROUPS[key].id;
  }

  api<T>(
    method: string,
    path: string,
    opts: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
  ): Promise<HttpResult<T>> {
    return http<T>(this.ctl.url, method, path, { token: TOKENS.viewer, ...opts });
  }

  async drifts(key: GroupKey): Promise<DriftRecord[]> {
    const page = await this.api<{ items: DriftRecord[] }>('GET', `/v1/drifts?resource=${this.groupId(key)}&limit=50`);
    return page.body.items;
  }

  async drift(id: string): Promise<DriftRecord> {
    return (await this.api<DriftRecord>('GET', `/v1/drifts/${id}`)).body;
  }

  /** Waits for a drift of this group matching `where`; on timeout, says what was seen. */
  async driftOf(key: GroupKey, where: (d: DriftRecord) => boolean, what: string, timeoutMs = 15_000): Promise<DriftRecord> {
    let seen: unknown = null;
    try {
      return await eventually(
        async () => {
          const list = await this.drifts(key);
          seen = list.map((d) => ({ id: d.id, status: d.status, decision: d.decision, links: d.links }));
          return list.find(where);
        },
        what,
        timeoutMs,
      );
    } catch (e) {
      const audit = await this.audit();
      const mine = audit.filter((x) => JSON.stringify(x).includes(this.groupId(key)) || x.type.startsWith('backport'));
      throw new Error(
        `${(e as Error).message}; drifts: ${JSON.stringify(seen)}; audit: ${JSON.stringify(mine).slice(0, 3000)}; github: ${JSON.stringify(this.github.calls.slice(-20))}`,
        { cause: e },
      );
    }
  }

  async audit(type?: string, driftId?: string): Promise<AuditEntry[]> {
    const query = new URLSearchParams({ limit: '1000', ...(type ? { type } : {}), ...(driftId ? { drift: driftId } : {}) });
    return (await this.api<{ items: AuditEntry[] }>('GET', `/v1/audit?${query.toString()}`)).body.items;
  }

  /** A signed `pull_request` webhook as GitHub sends it (or forged, with `secret`/`signature`). */
  async postGitHubWebhook(
    payload: unknown,
    opts: { secret?: string | null; delivery?: string; raw?: string; signature?: string; event?: string; sha1Only?: boolean } = {},
  ): Promise<HttpResult<Record<string, unknown>>> {
    const raw = opts.raw ?? JSON.stringify(payload);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/test',
      'x-github-event': opts.event ?? 'pull_request',
      'x-github-delivery': opts.delivery ?? randomUUID(),
    };
    const secret = opts.secret === undefined ? WEBHOOK_SECRET : opts.secret;
    if (opts.signature !== undefined) headers['x-hub-signature-256'] = opts.signature;
    else if (secret !== null && !opts.sha1Only) headers['x-hub-signature-256'] = await signGitHubPayload(JSON.stringify(payload), secret);
    if (opts.sha1Only) headers['x-hub-signature'] = `sha1=${'0'.repeat(40)}`;
    return http<Record<string, unknown>>(this.ctl.url, 'POST', '/v1/webhooks/github', { raw, headers });
  }

  /** Pull requests whose head is this group's backport branch. */
  pullsOf(key: GroupKey): sandbox.SandboxPull[] {
    return this.github.pullRequests().filter((p) => p.head === backportBranchOf(this.groupId(key)));
  }

  /** Issues whose body carries this group's hidden marker. */
  issuesOf(key: GroupKey): sandbox.SandboxIssue[] {
    return this.github.allIssues().filter((i) => (i.body ?? '').includes(`resource=${this.groupId(key)} -->`));
  }
}
