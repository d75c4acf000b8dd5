/**
 * What the observed-resource tests run on: the real controller (enforce mode) on a real Redis, a
 * Terraform state holding EBS volumes (a type no kind models), the GitHub sandbox (a real HTTP
 * server over a real git repository, every request and answer validated against GitHub's OpenAPI
 * description), and every AWS endpoint pointed at a recorder that answers 500 and remembers each
 * request: the observed path must make no AWS call at all, let alone a write.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitHubBackport, type StackRepo } from '@driftwarden/backport';
import type { DriftRecord } from '@driftwarden/domain';
import * as sandbox from '@driftwarden/github/testing';
import { fastClient, GITHUB_TOKEN, OWNER, REPO, WEBHOOK_SECRET } from '../backport/backport-world';
import { writeTree } from '../backport/fixtures';
import { http, type HttpResult } from '../support/http';
import { testQueue } from '../support/redis';
import { dropPrefix, eventually, startTestController, TOKENS, uniquePrefix, type TestController } from '../support/test-controller';

export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';
export const VOLUME_TYPE = 'AWS::EC2::Volume';
/** Managed by stack `data` (in its state). */
export const VOL_DATA = 'vol-0a1b2c3d4e5f60718';
export const VOL_LOGS = 'vol-0b1c2d3e4f5a60719';
/** In no stack's state. */
export const VOL_STRAY = 'vol-0c1d2e3f4a5b6071a';
export const DEVELOPER = `arn:aws:sts::${ACCOUNT}:assumed-role/developer/dave`;
export const BREAK_GLASS = `arn:aws:sts::${ACCOUNT}:assumed-role/BreakGlassAdmin/alice@example.com`;

export const MAIN_TF = `resource "aws_ebs_volume" "data" {
  availability_zone = "eu-west-1a"
  size              = 100
  type              = "gp3"
}

resource "aws_ebs_volume" "logs" {
  availability_zone = "eu-west-1a"
  size              = 50
  type              = "gp3"
}
`;

export const DATA_STACK: StackRepo = { stack: 'data', repo: { owner: OWNER, name: REPO }, baseBranch: 'main', path: 'terraform/data' };

function volumeArn(id: string): string {
  return `arn:aws:ec2:${REGION}:${ACCOUNT}:volume/${id}`;
}

/** State format 4 with the two volumes (and a data source, which is never managed). */
export function stateJson(): string {
  const volume = (name: string, id: string, size: number) => ({
    mode: 'managed',
    type: 'aws_ebs_volume',
    name,
    provider: 'provider["registry.terraform.io/hashicorp/aws"]',
    instances: [
      {
        schema_version: 0,
        attributes: { id, arn: volumeArn(id), availability_zone: 'eu-west-1a', size, type: 'gp3', iops: 3000, tags: {} },
        sensitive_attributes: [],
      },
    ],
  });
  return JSON.stringify({
    version: 4,
    terraform_version: '1.9.8',
    serial: 7,
    lineage: '3f1e2d4c-5b6a-7980-1a2b-3c4d5e6f7a8b',
    outputs: {},
    resources: [volume('data', VOL_DATA, 100), volume('logs', VOL_LOGS, 50)],
    check_results: null,
  });
}

export interface PropDiff {
  previousValue?: unknown;
  updatedValue?: unknown;
  changeType: 'CREATE' | 'UPDATE' | 'DELETE';
}

/** An EventBridge "Config Configuration Item Change" for a volume (CONTRACTS §A2/§A3 shapes). */
export function volumeItem(
  id: string,
  at: Date,
  stateId: number,
  changed: Record<string, PropDiff>,
  configuration: Record<string, unknown>,
): Record<string, unknown> {
  const captureTime = at.toISOString();
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Config Configuration Item Change',
    source: 'aws.config',
    account: ACCOUNT,
    time: captureTime.replace(/\.\d+Z$/, 'Z'),
    region: REGION,
    resources: [volumeArn(id)],
    detail: {
      recordVersion: '1.3',
      messageType: 'ConfigurationItemChangeNotification',
      notificationCreationTime: captureTime,
      configurationItemDiff: { changeType: 'UPDATE', changedProperties: changed },
      configurationItem: {
        configurationItemVersion: '1.3',
        configurationItemCaptureTime: captureTime,
        configurationStateId: stateId,
        awsAccountId: ACCOUNT,
        configurationItemStatus: 'OK',
        resourceType: VOLUME_TYPE,
        resourceId: id,
        resourceName: null,
        ARN: volumeArn(id),
        awsRegion: REGION,
        availabilityZone: 'eu-west-1a',
        resourceCreationTime: null,
        configurationStateMd5Hash: '',
        tags: {},
        relatedEvents: [],
        relationships: [],
        configuration: { volumeId: id, availabilityZone: 'eu-west-1a', volumeType: 'gp3', ...configuration },
        supplementaryConfiguration: {},
      },
    },
  };
}

/** "AWS API Call via CloudTrail" for ModifyVolume (the id sits in the `ModifyVolumeRequest` wrapper, as CloudTrail writes it). */
export function modifyVolumeCall(id: string, principalArn: string, at: Date, request: Record<string, unknown>): Record<string, unknown> {
  const [, role = 'unknown', session = 'unknown'] = principalArn.split('/');
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.ec2',
    account: ACCOUNT,
    time: at.toISOString().replace(/\.\d+Z$/, 'Z'),
    region: REGION,
    resources: [],
    detail: {
      eventVersion: '1.09',
      userIdentity: {
        type: 'AssumedRole',
        principalId: `AROAEXAMPLE:${session}`,
        arn: principalArn,
        accountId: ACCOUNT,
        sessionContext: {
          sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${ACCOUNT}:role/${role}`, accountId: ACCOUNT, userName: role },
        },
      },
      eventTime: at.toISOString(),
      eventSource: 'ec2.amazonaws.com',
      eventName: 'ModifyVolume',
      awsRegion: REGION,
      sourceIPAddress: '203.0.113.10',
      userAgent: 'aws-cli/2.15.0',
      requestParameters: { ModifyVolumeRequest: { VolumeId: id, ...request } },
      responseElements: { ModifyVolumeResponse: { volumeModification: { volumeId: id, modificationState: 'modifying' } } },
      requestID: randomUUID(),
      eventID: randomUUID(),
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: ACCOUNT,
      eventCategory: 'Management',
    },
  };
}

/** An HTTP server standing in for every AWS endpoint: answers 500, remembers each request. */
export class AwsRecorder {
  readonly requests: { method: string; url: string; target: string | undefined }[] = [];
  private server!: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.requests.push({ method: req.method ?? '', url: req.url ?? '', target: req.headers['x-amz-target'] as string | undefined });
      req.resume();
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"message":"no AWS call is expected here"}');
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The backport adapter as the controller builds it (the registered kinds' editors and tracking texts), with a fast GitHub client. */
export function observedBackport(githubUrl: string): GitHubBackport {
  return new GitHubBackport(fastClient(githubUrl), [DATA_STACK]);
}

export class ObservedWorld {
  readonly dir = mkdtempSync(join(tmpdir(), 'dw-observed-'));
  readonly prefix = uniquePrefix();
  github!: sandbox.GitHubSandbox;
  aws!: AwsRecorder;
  ctl!: TestController;
  private readonly saved: Record<string, string | undefined> = {};

  async start(): Promise<void> {
    this.github = await sandbox.GitHubSandbox.start({
      owner: OWNER,
      repo: REPO,
      validate: true,
      fromDirectory: writeTree(join(this.dir, 'repo'), { 'terraform/data/main.tf': MAIN_TF }),
      tokens: [GITHUB_TOKEN],
    });
    this.aws = await new AwsRecorder().start();
    for (const name of ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_EC2']) {
      this.saved[name] = process.env[name];
      process.env[name] = this.aws.url;
    }
    const stateFile = join(this.dir, 'data.tfstate');
    writeFileSync(stateFile, stateJson());
    this.ctl = await startTestController({
      prefix: this.prefix,
      mode: 'enforce',
      overrides: { backport: this.backport() },
      extra: {
        stacks: [
          {
            name: 'data',
            accounts: [ACCOUNT],
            regions: [REGION],
            state: { file: stateFile },
            repo: { owner: OWNER, name: REPO, baseBranch: 'main', path: 'terraform/data' },
          },
        ],
        github: { apiUrl: this.github.url, token: GITHUB_TOKEN, webhookSecret: WEBHOOK_SECRET },
      },
    });
  }

  backport(): GitHubBackport {
    return observedBackport(this.github.url);
  }

  async stop(): Promise<void> {
    await this.ctl?.close();
    await this.github?.close().catch(() => undefined);
    await this.aws?.close().catch(() => undefined);
    for (const [name, value] of Object.entries(this.saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await dropPrefix(this.prefix);
    rmSync(this.dir, { recursive: true, force: true });
  }

  api<T>(method: string, path: string, opts: { token?: string; body?: unknown } = {}): Promise<HttpResult<T>> {
    return http<T>(this.ctl.url, method, path, { token: TOKENS.viewer, ...opts });
  }

  async send(...events: Record<string, unknown>[]): Promise<void> {
    const answer = await this.api('POST', '/v1/events', { token: TOKENS.ingest, body: events });
    if (answer.status !== 202) throw new Error(`events rejected: ${JSON.stringify(answer.body)}`);
  }

  async drifts(id: string): Promise<DriftRecord[]> {
    return (await this.api<{ items: DriftRecord[] }>('GET', `/v1/drifts?resource=${id}&limit=50`)).body.items;
  }

  async driftOf(id: string, where: (d: DriftRecord) => boolean, what: string): Promise<DriftRecord> {
    let seen: unknown = null;
    try {
      return await eventually(async () => {
        const list = await this.drifts(id);
        seen = list.map((d) => ({ id: d.id, status: d.status, decision: d.decision, links: d.links, differences: d.differences?.length }));
        return list.find(where);
      }, what);
    } catch (e) {
      throw new Error(`${(e as Error).message}; drifts: ${JSON.stringify(seen)}; ${await this.diagnose(id)}`, { cause: e });
    }
  }

  /** What a wait that timed out needs to be understood: the resource's audit trail and the queues' state. */
  private async diagnose(id: string): Promise<string> {
    const parts: string[] = [];
    try {
      const drifts = await this.drifts(id);
      for (const d of drifts) {
        const trail = await this.api<{ items: { type: string; at: string; reason?: string }[] }>('GET', `/v1/audit?drift=${d.id}&limit=50`);
        parts.push(`audit of ${d.id}: ${JSON.stringify(trail.body.items.map((x) => [x.at, x.type, x.reason?.slice(0, 160)]))}`);
      }
      for (const name of ['evaluate', 'backport']) {
        const queue = testQueue(name, this.prefix);
        try {
          const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
          const failed = await queue.getJobs(['failed', 'delayed'], 0, 5);
          parts.push(
            `${name} queue: ${JSON.stringify(counts)} ${JSON.stringify(failed.map((j) => [j.id, j.attemptsMade, j.failedReason]))}`,
          );
        } finally {
          await queue.close();
        }
      }
    } catch (err) {
      parts.push(`(diagnosis failed: ${(err as Error).message})`);
    }
    return parts.join('; ');
  }

  /** Issues carrying the resource's tracking marker. */
  trackingIssues(id: string): sandbox.SandboxIssue[] {
    return this.github
      .allIssues()
      .filter((i) => (i.body ?? '').includes(`<!-- driftwarden:tracking=${ACCOUNT}/${REGION}/${VOLUME_TYPE}/${id} -->`));
  }
}
