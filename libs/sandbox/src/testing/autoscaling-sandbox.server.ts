/**
 * The Auto Scaling sandbox: a real HTTP server (node:http on 127.0.0.1) speaking the Auto Scaling
 * Query protocol (API version 2011-01-01) as @aws-sdk/client-auto-scaling does: a form-encoded
 * POST `Action=…&Version=2011-01-01&AutoScalingGroupNames.member.1=…`, answered with XML in the
 * `http://autoscaling.amazonaws.com/doc/2011-01-01/` namespace, lists as `<member>`, errors as
 * `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`. Point a
 * client at `url` (`endpoint`, or AWS_ENDPOINT_URL_AUTO_SCALING).
 *
 * Actions: DescribeAutoScalingGroups, UpdateAutoScalingGroup (min ≤ desired ≤ max enforced with
 * Auto Scaling's ValidationError), SetDesiredCapacity. Anything else: `InvalidAction` (400).
 * For tests and the demo: every call is recorded (`calls`), each change reported (`onChange`), a
 * "human" changes capacity out of band (`setCapacity`), failures are injected (`failNext`: an
 * error with its status, a reset connection, a request never answered).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const AUTOSCALING_XML_NAMESPACE = 'http://autoscaling.amazonaws.com/doc/2011-01-01/';
export const AUTOSCALING_SANDBOX_ACTIONS = ['DescribeAutoScalingGroups', 'UpdateAutoScalingGroup', 'SetDesiredCapacity'] as const;
export type AutoScalingSandboxAction = (typeof AUTOSCALING_SANDBOX_ACTIONS)[number];

export interface SandboxAutoScalingGroup {
  name: string;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  tags: Record<string, string>;
}

export type CapacityChange = Partial<Pick<SandboxAutoScalingGroup, 'minSize' | 'maxSize' | 'desiredCapacity'>>;

export interface AutoScalingSandboxCall {
  requestId: string;
  action: string;
  params: Record<string, string>;
  status: number;
  error?: { code: string; message: string };
  principalArn?: string;
  at: string;
}

/** After each change: the group now, the call that made it (`UpdateAutoScalingGroup`, …), what it set, who. */
export type AutoScalingChangeListener = (
  group: SandboxAutoScalingGroup,
  action: string,
  set: CapacityChange,
  principalArn: string | undefined,
) => void;

export type AutoScalingSandboxFailure = { code: string; status: number; message?: string } | { network: 'reset' | 'hang' };

class AutoScalingApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const esc = (t: string) => t.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
const leaf = (name: string, v: string | number | boolean) => `<${name}>${esc(String(v))}</${name}>`;

export class AutoScalingSandbox {
  readonly calls: AutoScalingSandboxCall[] = [];
  readonly listenerErrors: unknown[] = [];
  private readonly groups = new Map<string, SandboxAutoScalingGroup & { created: string; uuid: string }>();
  private readonly listeners = new Set<AutoScalingChangeListener>();
  private readonly failures: { action: string; failure: AutoScalingSandboxFailure; remaining: number }[] = [];
  private readonly hanging = new Set<ServerResponse>();
  private server: Server | undefined;
  private baseUrl = '';

  private constructor(
    readonly accountId: string,
    readonly region: string,
    private readonly principals: Record<string, string>,
    private readonly clock: () => Date,
  ) {}

  static async start(
    opts: { accountId?: string; region?: string; principals?: Record<string, string>; clock?: () => Date } = {},
  ): Promise<AutoScalingSandbox> {
    const sandbox = new AutoScalingSandbox(
      opts.accountId ?? '111122223333',
      opts.region ?? 'eu-west-1',
      opts.principals ?? {},
      opts.clock ?? (() => new Date()),
    );
    const server = createServer((req, res) => {
      sandbox.handle(req, res).catch(() => res.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    sandbox.server = server;
    sandbox.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return sandbox;
  }

  get url(): string {
    return this.baseUrl;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const res of this.hanging) res.destroy();
    await new Promise<void>((resolve, reject) => {
      server.close((err) => (err ? reject(err) : resolve()));
      server.closeAllConnections();
    });
  }

  addGroup(group: SandboxAutoScalingGroup): void {
    checkCapacity(group);
    this.groups.set(group.name, { ...group, tags: { ...group.tags }, created: this.clock().toISOString(), uuid: randomUUID() });
  }

  group(name: string): SandboxAutoScalingGroup {
    const g = this.groups.get(name);
    if (!g) throw new AutoScalingApiError('ValidationError', `AutoScalingGroup name not found - ${name}`);
    return { name: g.name, minSize: g.minSize, maxSize: g.maxSize, desiredCapacity: g.desiredCapacity, tags: { ...g.tags } };
  }

  arn(name: string): string {
    const g = this.groups.get(name);
    if (!g) throw new AutoScalingApiError('ValidationError', `AutoScalingGroup name not found - ${name}`);
    return `arn:aws:autoscaling:${this.region}:${this.accountId}:autoScalingGroup:${g.uuid}:autoScalingGroupName/${name}`;
  }

  /** Someone changes a group's capacity by hand (reported as UpdateAutoScalingGroup by `principalArn`). */
  setCapacity(name: string, change: CapacityChange, principalArn?: string): void {
    this.apply(name, change, 'UpdateAutoScalingGroup', principalArn);
  }

  onChange(listener: AutoScalingChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  failNext(action: AutoScalingSandboxAction | '*', failure: AutoScalingSandboxFailure, times = 1): void {
    this.failures.push({ action, failure, remaining: times });
  }

  writeCalls(): AutoScalingSandboxCall[] {
    return this.calls.filter((c) => c.action !== 'DescribeAutoScalingGroups' && c.status === 200);
  }

  private apply(name: string, change: CapacityChange, action: string, principalArn: string | undefined): void {
    const g = this.groups.get(name);
    if (!g) throw new AutoScalingApiError('ValidationError', `AutoScalingGroup name not found - ${name}`);
    const next = { ...g, ...change };
    checkCapacity(next);
    Object.assign(g, change);
    for (const l of [...this.listeners]) {
      try {
        l(this.group(name), action, change, principalArn);
      } catch (err) {
        this.listenerErrors.push(err);
      }
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const call: AutoScalingSandboxCall = { requestId, action: '', params: {}, status: 0, at: this.clock().toISOString() };
    this.calls.push(call);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    call.params = Object.fromEntries(params);
    call.action = params.get('Action') ?? '';
    const auth = String(req.headers.authorization ?? '');
    const key = /Credential=([^/,\s]+)\//.exec(auth)?.[1];
    if (key && this.principals[key]) call.principalArn = this.principals[key];
    const answer = (status: number, xml: string) => {
      call.status = status;
      res.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(xml), 'x-amzn-requestid': requestId });
      res.end(xml);
    };
    const fail = (e: AutoScalingApiError) => {
      call.error = { code: e.code, message: e.message };
      answer(
        e.status,
        `<ErrorResponse xmlns="${AUTOSCALING_XML_NAMESPACE}"><Error>${leaf('Type', e.status >= 500 ? 'Receiver' : 'Sender')}${leaf('Code', e.code)}${leaf('Message', e.message)}</Error>${leaf('RequestId', requestId)}</ErrorResponse>`,
      );
    };
    if (!key) return fail(new AutoScalingApiError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403));
    const i = this.failures.findIndex((f) => f.action === call.action || f.action === '*');
    if (i >= 0) {
      const f = this.failures[i];
      if (--f.remaining <= 0) this.failures.splice(i, 1);
      if ('network' in f.failure) {
        if (f.failure.network === 'reset') req.socket.destroy();
        else {
          this.hanging.add(res);
          res.on('close', () => this.hanging.delete(res));
        }
        return;
      }
      return fail(new AutoScalingApiError(f.failure.code, f.failure.message ?? `injected ${f.failure.code}`, f.failure.status));
    }
    try {
      if (params.get('Version') !== '2011-01-01')
        throw new AutoScalingApiError('InvalidParameterValue', `unsupported Version ${params.get('Version')}`);
      const body = this.dispatch(call.action, params, call.principalArn);
      answer(
        200,
        `<${call.action}Response xmlns="${AUTOSCALING_XML_NAMESPACE}">${body === null ? '' : `<${call.action}Result>${body}</${call.action}Result>`}<ResponseMetadata>${leaf('RequestId', requestId)}</ResponseMetadata></${call.action}Response>`,
      );
    } catch (err) {
      fail(err instanceof AutoScalingApiError ? err : new AutoScalingApiError('InternalFailure', String(err), 500));
    }
  }

  private dispatch(action: string, params: URLSearchParams, principalArn: string | undefined): string | null {
    const int = (name: string): number | undefined => {
      const v = params.get(name);
      if (v === null) return undefined;
      if (!/^\d+$/.test(v)) throw new AutoScalingApiError('ValidationError', `${name} must be a non-negative integer, got ${v}`);
      return Number(v);
    };
    switch (action) {
      case 'DescribeAutoScalingGroups': {
        const names: string[] = [];
        for (let n = 1; params.has(`AutoScalingGroupNames.member.${n}`); n++) names.push(params.get(`AutoScalingGroupNames.member.${n}`)!);
        const groups = [...this.groups.values()].filter((g) => names.length === 0 || names.includes(g.name));
        return `<AutoScalingGroups>${groups.map((g) => `<member>${this.groupXml(g)}</member>`).join('')}</AutoScalingGroups>`;
      }
      case 'UpdateAutoScalingGroup':
      case 'SetDesiredCapacity': {
        const name = params.get('AutoScalingGroupName');
        if (!name) throw new AutoScalingApiError('ValidationError', '1 validation error detected: AutoScalingGroupName must not be null');
        const known = new Set([
          'Action',
          'Version',
          'AutoScalingGroupName',
          'DesiredCapacity',
          ...(action === 'UpdateAutoScalingGroup' ? ['MinSize', 'MaxSize'] : ['HonorCooldown']),
        ]);
        for (const k of params.keys())
          if (!known.has(k)) throw new AutoScalingApiError('InvalidParameter', `the sandbox does not implement ${k}`);
        const change: CapacityChange = {};
        const min = int('MinSize');
        const max = int('MaxSize');
        const desired = int('DesiredCapacity');
        if (min !== undefined) change.minSize = min;
        if (max !== undefined) change.maxSize = max;
        if (desired !== undefined) change.desiredCapacity = desired;
        this.apply(name, change, action, principalArn);
        return null;
      }
      default:
        throw new AutoScalingApiError('InvalidAction', `The action ${action || '(none)'} is not valid for this web service.`);
    }
  }

  private groupXml(g: SandboxAutoScalingGroup & { created: string }): string {
    return (
      leaf('AutoScalingGroupName', g.name) +
      leaf('AutoScalingGroupARN', this.arn(g.name)) +
      leaf('MinSize', g.minSize) +
      leaf('MaxSize', g.maxSize) +
      leaf('DesiredCapacity', g.desiredCapacity) +
      leaf('DefaultCooldown', 300) +
      `<AvailabilityZones><member>${this.region}a</member></AvailabilityZones>` +
      leaf('HealthCheckType', 'EC2') +
      leaf('CreatedTime', g.created) +
      `<Instances/>` +
      `<Tags>${Object.entries(g.tags)
        .map(
          ([k, v]) =>
            `<member>${leaf('ResourceId', g.name)}${leaf('ResourceType', 'auto-scaling-group')}${leaf('Key', k)}${leaf('Value', v)}${leaf('PropagateAtLaunch', true)}</member>`,
        )
        .join('')}</Tags>`
    );
  }
}

/** Auto Scaling's own check and words. */
function checkCapacity(g: { minSize: number; maxSize: number; desiredCapacity: number }): void {
  if (g.minSize > g.maxSize)
    throw new AutoScalingApiError('ValidationError', `Max bound, ${g.maxSize}, must be greater than or equal to min bound, ${g.minSize}`);
  if (g.desiredCapacity < g.minSize || g.desiredCapacity > g.maxSize) {
    throw new AutoScalingApiError(
      'ValidationError',
      `Desired capacity:${g.desiredCapacity} must be between the specified min size:${g.minSize} and max size:${g.maxSize}`,
    );
  }
}
