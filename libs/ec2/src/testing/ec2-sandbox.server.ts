/**
 * The EC2 sandbox: a real HTTP server (node:http on 127.0.0.1) that speaks the EC2 Query protocol
 * as @aws-sdk/client-ec2 does, over an in-memory account of security groups. It is the demo's
 * "sandbox AWS account": point an EC2 client at `url` (`endpoint`, or `AWS_ENDPOINT_URL_EC2`).
 *
 * Actions: DescribeSecurityGroups, DescribeSecurityGroupRules, Authorize/RevokeSecurityGroupIngress
 * and Egress (an Authorize whose rule refers to a group that does not exist is refused with
 * `InvalidGroup.NotFound` naming that group, as EC2 does). Anything else is refused with `InvalidAction` (400); in particular there is no
 * CreateSecurityGroup or DeleteSecurityGroup.
 *
 * For demos and tests it records every call (`calls`), reports each change of a group's rules
 * (`onChange`, to turn into Config/CloudTrail events), lets a "human" change rules out of band
 * (`addRules`, `removeRules`, `removeGroup`), and injects failures (`failNext`): an EC2 error
 * with its HTTP status, a connection reset, a request that never answers, or the default-VPC
 * revoke quirk (`Return: false` with `UnknownIpPermissions`, nothing revoked).
 */
import { type AssumableRole, type AssumedSession, assumeRole, StsError, stsErrorXml } from './sts-assume-role';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IpPermission } from '@aws-sdk/client-ec2';
import { DriftwardenError } from '@driftwarden/domain';
import {
  canonicalProtocol,
  parseCidr,
  rulesFromIpPermissions,
  toIpPermissions,
  type IdentifiedRule,
} from '@driftwarden/kinds/security-group';
import { Ec2ApiError, ec2Errors } from './ec2-sandbox.errors';
import { SandboxInstances } from './ec2-sandbox.instances';
import {
  booleanParam,
  checkParameters,
  filters,
  ipPermissions,
  isSandboxAction,
  optionalInteger,
  optionalString,
  parseQuery,
  requiredString,
  stringList,
  usesLegacyParameters,
  type Ec2SandboxAction,
  type QueryParams,
} from './ec2-query';
import { entryParam, networkAclXml, SandboxNetworkAcls, type SandboxAclChange, type SandboxAclSpec } from './ec2-sandbox.nacl';
import type { NaclEntry } from '@driftwarden/kinds/network-acl';
import { SandboxSecurityGroups, type SandboxChange, type SandboxGroupSpec, type SandboxTag, type StoredRule } from './ec2-sandbox.state';
import { errorXml, ipPermissionXml, leaf, responseXml, revokedRuleXml, securityGroupRuleXml, securityGroupXml, set } from './ec2-xml';
import type { PermissionRule, RuleDirection } from '@driftwarden/kinds/security-group';

export const SANDBOX_ACTIONS: readonly Ec2SandboxAction[] = [
  'DescribeSecurityGroups',
  'DescribeSecurityGroupRules',
  'AuthorizeSecurityGroupIngress',
  'AuthorizeSecurityGroupEgress',
  'RevokeSecurityGroupIngress',
  'RevokeSecurityGroupEgress',
  'DescribeNetworkAcls',
  'CreateNetworkAclEntry',
  'ReplaceNetworkAclEntry',
  'DeleteNetworkAclEntry',
];
export const SANDBOX_WRITE_ACTIONS: ReadonlySet<string> = new Set([
  'AuthorizeSecurityGroupIngress',
  'AuthorizeSecurityGroupEgress',
  'RevokeSecurityGroupIngress',
  'RevokeSecurityGroupEgress',
  'CreateNetworkAclEntry',
  'ReplaceNetworkAclEntry',
  'DeleteNetworkAclEntry',
]);

export interface Ec2SandboxOptions {
  /** The sandbox account (owner of groups, in ARNs). Default `111122223333`. */
  accountId?: string;
  /** The region in ARNs. Default `eu-west-1`. */
  region?: string;
  /** Access key id → principal ARN, reported with each change (who made it). */
  principals?: Record<string, string>;
  /**
   * Roles STS `AssumeRole` may assume (role ARN → optional required external id). Calls signed
   * with the credentials it hands out are attributed to the assumed-role session. Default: none.
   */
  assumableRoles?: Record<string, AssumableRole>;
  clock?: () => Date;
  /** Default 0: any free port. */
  port?: number;
}

/** A failure to inject into the next call(s) of an action. */
export type SandboxFailure =
  /** An EC2 error response, e.g. `{ code: 'RequestLimitExceeded', status: 503 }`. */
  | { code: string; status: number; message?: string }
  /**
   * `reset`: the connection is destroyed; `hang`: the request is never answered (client
   * timeout); `hang-after-apply`: the call is carried out (and reported to listeners) but never
   * answered, the worst moment for a caller to die.
   */
  | { network: 'reset' | 'hang' | 'hang-after-apply' }
  /** Revoke only: answer as EC2 does in a default VPC when nothing matched, and revoke nothing. */
  | { quirk: 'unknown-ip-permissions' };

export interface SandboxCall {
  requestId: string;
  /** The `Action` parameter ('' when missing). */
  action: string;
  params: Record<string, string>;
  /** HTTP status answered; 0 when the connection was reset or left hanging. */
  status: number;
  error?: { code: string; message: string };
  /** The answer came from `failNext`. */
  injected?: boolean;
  accessKeyId?: string;
  principalArn?: string;
  at: string;
}

/** Called after each change of a group's rules: the group, its rules now, the action, who. */
export type SandboxChangeListener = (
  groupId: string,
  rules: PermissionRule[],
  action: string,
  principalArn: string | undefined,
  change: SandboxChange,
) => void;

interface PendingFailure {
  action: Ec2SandboxAction | '*';
  failure: SandboxFailure;
  remaining: number;
}

const MAX_BODY_BYTES = 1024 * 1024;
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  AuthFailure: 401,
  UnauthorizedOperation: 403,
  Blocked: 403,
  RequestLimitExceeded: 503,
  Unavailable: 503,
  InternalError: 500,
  DryRunOperation: 412,
};

export class Ec2Sandbox {
  /** Every request, in arrival order. */
  readonly calls: SandboxCall[] = [];
  /** Sessions handed out by STS AssumeRole, in order. */
  readonly sessions: AssumedSession[] = [];
  /** Errors thrown by `onChange` listeners (they never fail the API call). */
  readonly listenerErrors: unknown[] = [];
  private readonly state: SandboxSecurityGroups;
  private readonly acls: SandboxNetworkAcls;
  /** The account's instances (kind `instance`: ec2-sandbox.instances.ts). */
  readonly instances: SandboxInstances;
  private readonly listeners = new Set<SandboxChangeListener>();
  private readonly aclListeners = new Set<(change: SandboxAclChange) => void>();
  private readonly failures: PendingFailure[] = [];
  private readonly hanging = new Set<ServerResponse>();
  private readonly clock: () => Date;
  private server: Server | undefined;
  private baseUrl = '';

  private constructor(private readonly options: Ec2SandboxOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.state = new SandboxSecurityGroups(
      options.accountId ?? '111122223333',
      options.region ?? 'eu-west-1',
      (c) => this.emit(c),
      this.clock,
    );
    this.acls = new SandboxNetworkAcls(options.accountId ?? '111122223333', (c) => {
      for (const listener of [...this.aclListeners]) {
        try {
          listener(c);
        } catch (err) {
          this.listenerErrors.push(err);
        }
      }
    });
    this.instances = new SandboxInstances(this.state.accountId, (groupId) => this.hasGroup(groupId));
  }

  /** Starts a sandbox on 127.0.0.1 (any free port unless `options.port`). */
  static async start(options: Ec2SandboxOptions = {}): Promise<Ec2Sandbox> {
    const sandbox = new Ec2Sandbox(options);
    await sandbox.listen(options.port ?? 0);
    return sandbox;
  }

  /** `http://127.0.0.1:<port>`: the EC2 endpoint to give a client. */
  get url(): string {
    return this.baseUrl;
  }

  get accountId(): string {
    return this.state.accountId;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    await new Promise<void>((resolve, reject) => {
      server.close((err) => (err ? reject(err) : resolve()));
      server.closeAllConnections();
    });
  }

  // --- the account ---------------------------------------------------------------------------

  addGroup(spec: SandboxGroupSpec): void {
    this.state.addGroup(spec);
  }

  /** The group's rules (canonical, sorted). Throws `InvalidGroup.NotFound` for an unknown group. */
  rules(groupId: string): PermissionRule[] {
    return this.state.rules(groupId);
  }

  /** The group's rules with their `sgr-…` ids. */
  identifiedRules(groupId: string): IdentifiedRule[] {
    return this.state.group(groupId).rules.map((r) => ({ rule: r.rule, securityGroupRuleId: r.securityGroupRuleId, groupId }));
  }

  hasGroup(groupId: string): boolean {
    return this.state.allGroups().some((g) => g.groupId === groupId);
  }

  /**
   * Someone adds rules out of band (reported to listeners as Authorize calls). Throws
   * `InvalidGroup.NotFound` (Ec2ApiError), adding nothing, for a rule that refers to a group that
   * does not exist, as the Authorize behind the console would.
   */
  addRules(groupId: string, rules: readonly PermissionRule[], principalArn?: string): IdentifiedRule[] {
    return this.state
      .addRules(groupId, rules, principalArn)
      .map((r) => ({ rule: r.rule, securityGroupRuleId: r.securityGroupRuleId, groupId }));
  }

  /** Someone removes rules out of band (reported to listeners as Revoke calls). */
  removeRules(groupId: string, rules: readonly PermissionRule[], principalArn?: string): PermissionRule[] {
    return this.state.removeRules(groupId, rules, principalArn);
  }

  /** Someone deletes the group out of band. */
  removeGroup(groupId: string): void {
    this.state.removeGroup(groupId);
  }

  // --- network ACLs (the network-acl kind) ---------------------------------------------------

  addNetworkAcl(spec: SandboxAclSpec): void {
    this.acls.addAcl(spec);
  }

  /** The ACL's entries (canonical, sorted; the default deny left out). */
  networkAclEntries(aclId: string): NaclEntry[] {
    return this.acls.entries(aclId);
  }

  /** Someone changes an entry out of band (reported to `onNetworkAclChange` listeners as the call it stands for). */
  changeNetworkAcl(
    aclId: string,
    change: { create?: NaclEntry; replace?: NaclEntry; delete?: Pick<NaclEntry, 'direction' | 'ruleNumber'> },
    principalArn?: string,
  ): void {
    const ctx = principalArn !== undefined ? { principalArn } : {};
    if (change.delete) this.acls.delete(aclId, change.delete.direction, change.delete.ruleNumber, ctx);
    if (change.replace) this.acls.replace(aclId, change.replace, ctx);
    if (change.create) this.acls.create(aclId, change.create, ctx);
  }

  onNetworkAclChange(listener: (change: SandboxAclChange) => void): () => void {
    this.aclListeners.add(listener);
    return () => this.aclListeners.delete(listener);
  }

  /** Registers a change listener; returns a function that removes it. */
  onChange(listener: SandboxChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Injects `failure` into the next `times` (default 1) calls of `action` (`*`: any action). */
  failNext(action: Ec2SandboxAction | '*', failure: SandboxFailure, options: { times?: number } = {}): void {
    if ('quirk' in failure && action !== 'RevokeSecurityGroupIngress' && action !== 'RevokeSecurityGroupEgress') {
      throw new TypeError(`the ${failure.quirk} quirk applies to RevokeSecurityGroupIngress/Egress only, not ${action}`);
    }
    this.failures.push({ action, failure, remaining: options.times ?? 1 });
  }

  /** Calls of the write actions (Authorize/Revoke), in order. */
  writeCalls(): SandboxCall[] {
    return this.calls.filter((c) => SANDBOX_WRITE_ACTIONS.has(c.action));
  }

  clearCalls(): void {
    this.calls.length = 0;
  }

  // --- HTTP ----------------------------------------------------------------------------------

  private async listen(port: number): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch(() => res.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    this.server = server;
    this.baseUrl = `http://127.0.0.1:${address.port}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const call: SandboxCall = { requestId, action: '', params: {}, status: 0, at: this.clock().toISOString() };
    this.calls.push(call);
    let body: string;
    try {
      body = await readBody(req);
    } catch {
      this.answerError(res, call, ec2Errors.invalidParameterValue('The request body is too large or unreadable'));
      return;
    }
    const query = new URL(req.url ?? '/', 'http://sandbox').searchParams.toString();
    const params = parseQuery([query, req.method === 'POST' ? body : ''].filter((s) => s !== '').join('&'));
    call.params = Object.fromEntries(params);
    call.action = params.get('Action') ?? '';

    const accessKeyId = accessKeyOf(req, params);
    const session = accessKeyId === undefined ? undefined : this.sessions.find((s) => s.accessKeyId === accessKeyId);
    if (accessKeyId !== undefined) {
      call.accessKeyId = accessKeyId;
      const principal = this.options.principals?.[accessKeyId] ?? session?.principalArn;
      if (principal !== undefined) call.principalArn = principal;
    }
    if (!call.action) return this.answerError(res, call, ec2Errors.missingAction());
    if (accessKeyId === undefined) return this.answerError(res, call, ec2Errors.authFailure());
    // Temporary credentials: AWS refuses a call without the session's token, or after it expired.
    if (
      session &&
      (req.headers['x-amz-security-token'] !== session.sessionToken || this.clock().getTime() >= Date.parse(session.expiration))
    ) {
      return this.answerError(res, call, ec2Errors.authFailure());
    }
    const action = call.action;
    if (action === 'AssumeRole') {
      try {
        const { xml, session } = assumeRole(params, {
          callerAccessKeyId: accessKeyId,
          now: this.clock(),
          roles: this.options.assumableRoles,
          requestId,
        });
        this.sessions.push(session);
        call.status = 200;
        send(res, 200, xml, requestId);
      } catch (err) {
        const error = err instanceof StsError ? err : new StsError('InternalFailure', String(err), 500);
        call.status = error.status;
        call.error = { code: error.code, message: error.message };
        send(res, error.status, stsErrorXml(error, requestId), requestId);
      }
      return;
    }
    if (this.instances.handles(action)) return this.answerInstances(res, call, action, params);
    if (!isSandboxAction(action)) return this.answerError(res, call, ec2Errors.invalidAction(action));

    const injected = this.takeFailure(action);
    if (injected && !('quirk' in injected)) {
      call.injected = true;
      if ('network' in injected) {
        if (injected.network === 'reset') req.socket.destroy();
        else {
          if (injected.network === 'hang-after-apply') {
            try {
              checkParameters(action, params);
              if (params.get('Version') === undefined) throw ec2Errors.missingParameter('Version');
              this.dispatch(action, params, { requestId, principalArn: call.principalArn, quirk: false });
            } catch (err) {
              return this.answerError(res, call, toApiError(err));
            }
          }
          this.hanging.add(res);
          res.on('close', () => this.hanging.delete(res));
        }
        return;
      }
      return this.answerError(
        res,
        call,
        new Ec2ApiError(injected.code, injected.message ?? defaultMessage(injected.code), injected.status),
      );
    }
    try {
      checkParameters(action, params);
      if (params.get('Version') === undefined) throw ec2Errors.missingParameter('Version');
      const xml = this.dispatch(action, params, { requestId, principalArn: call.principalArn, quirk: injected !== undefined });
      if (injected) call.injected = true;
      call.status = 200;
      send(res, 200, responseXml(action, requestId, xml), requestId);
    } catch (err) {
      this.answerError(res, call, toApiError(err));
    }
  }

  private answerInstances(
    res: ServerResponse,
    call: SandboxCall,
    action: Parameters<SandboxInstances['dispatch']>[0],
    params: QueryParams,
  ): void {
    try {
      if (params.get('Version') === undefined) throw ec2Errors.missingParameter('Version');
      const xml = this.instances.dispatch(action, params, call.principalArn);
      call.status = 200;
      send(res, 200, responseXml(action, call.requestId, xml), call.requestId);
    } catch (err) {
      this.answerError(res, call, toApiError(err));
    }
  }

  private answerError(res: ServerResponse, call: SandboxCall, error: Ec2ApiError): void {
    call.status = error.status;
    call.error = { code: error.code, message: error.message };
    send(res, error.status, errorXml(error.code, error.message, call.requestId), call.requestId);
  }

  private takeFailure(action: Ec2SandboxAction): SandboxFailure | undefined {
    const index = this.failures.findIndex((f) => f.action === action || f.action === '*');
    if (index < 0) return undefined;
    const pending = this.failures[index]!;
    pending.remaining -= 1;
    if (pending.remaining <= 0) this.failures.splice(index, 1);
    return pending.failure;
  }

  private emit(change: SandboxChange): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(change.groupId, change.rules, change.action, change.principalArn, change);
      } catch (err) {
        this.listenerErrors.push(err);
      }
    }
  }

  // --- actions -------------------------------------------------------------------------------

  private dispatch(
    action: Ec2SandboxAction,
    params: QueryParams,
    ctx: { requestId: string; principalArn?: string; quirk: boolean },
  ): string {
    const dryRun = booleanParam(params, 'DryRun');
    const change = { action, requestId: ctx.requestId, ...(ctx.principalArn !== undefined ? { principalArn: ctx.principalArn } : {}) };
    switch (action) {
      case 'DescribeSecurityGroups': {
        const groups = this.state.describeGroups(stringList(params, 'GroupId'), stringList(params, 'GroupName'), filters(params));
        if (dryRun) throw ec2Errors.dryRun();
        const page = paginate(groups, params);
        return (
          set(
            'securityGroupInfo',
            page.items.map((g) => securityGroupXml(g, this.state.groupArn(g))),
          ) + leaf('nextToken', page.nextToken)
        );
      }
      case 'DescribeSecurityGroupRules': {
        const rules = this.state.describeRules(stringList(params, 'SecurityGroupRuleId'), filters(params));
        if (dryRun) throw ec2Errors.dryRun();
        const page = paginate(rules, params);
        return (
          set(
            'securityGroupRuleSet',
            page.items.map((r) => securityGroupRuleXml(r.group, r.stored, this.state.ruleArn(r.group, r.stored.securityGroupRuleId))),
          ) + leaf('nextToken', page.nextToken)
        );
      }
      case 'AuthorizeSecurityGroupIngress':
      case 'AuthorizeSecurityGroupEgress': {
        const direction: RuleDirection = action === 'AuthorizeSecurityGroupIngress' ? 'ingress' : 'egress';
        const groupId = groupIdParam(params);
        const permissions = ipPermissions(params);
        if (permissions.length === 0) throw ec2Errors.missingParameter('IpPermissions');
        const rules = permissionRules(permissions, direction);
        const tags = ruleTags(params);
        const group = this.state.group(groupId);
        if (dryRun) throw ec2Errors.dryRun();
        const added = this.state.authorize(groupId, direction, rules, tags, change);
        return (
          leaf('return', true) +
          set(
            'securityGroupRuleSet',
            added.map((r) => securityGroupRuleXml(group, r, this.state.ruleArn(group, r.securityGroupRuleId))),
          )
        );
      }
      case 'RevokeSecurityGroupIngress':
      case 'RevokeSecurityGroupEgress': {
        const direction: RuleDirection = action === 'RevokeSecurityGroupIngress' ? 'ingress' : 'egress';
        const groupId = groupIdParam(params);
        const ruleIds = stringList(params, 'SecurityGroupRuleId');
        const permissions = ipPermissions(params);
        if (ruleIds.length > 0 && permissions.length > 0) {
          throw ec2Errors.invalidParameterCombination('The parameter SecurityGroupRuleId cannot be used with the parameter IpPermissions');
        }
        if (ruleIds.length === 0 && permissions.length === 0) throw ec2Errors.missingParameter('IpPermissions');
        const rules = permissionRules(permissions, direction);
        const group = this.state.group(groupId);
        if (dryRun) throw ec2Errors.dryRun();
        if (ctx.quirk) {
          // The default-VPC answer when nothing matched: no error, Return false, nothing revoked.
          const asked = ruleIds.length > 0 ? group.rules.filter((r) => ruleIds.includes(r.securityGroupRuleId)).map((r) => r.rule) : rules;
          return leaf('return', false) + unknownPermissionsXml(asked, direction, group.ownerId);
        }
        if (ruleIds.length > 0) {
          const revoked = this.state.revokeByIds(groupId, direction, ruleIds, change);
          return leaf('return', true) + revokedSetXml(group, revoked);
        }
        const { revoked, unknown } = this.state.revokeByRules(groupId, direction, rules, change);
        return (
          leaf('return', unknown.length === 0) +
          (unknown.length > 0 ? unknownPermissionsXml(unknown, direction, group.ownerId) : '') +
          revokedSetXml(group, revoked)
        );
      }
      case 'DescribeNetworkAcls': {
        // By NetworkAclId.N an unknown ACL fails the call; by a network-acl-id filter it is simply absent (as EC2 does).
        const ids = stringList(params, 'NetworkAclId');
        const filtered: string[][] = [];
        for (const f of filters(params)) {
          if (f.name !== 'network-acl-id')
            throw ec2Errors.unsupported(`the sandbox filters network ACLs by network-acl-id only, not ${f.name}`);
          filtered.push(f.values);
        }
        const acls = this.acls.describe(ids).filter((a) => filtered.every((values) => values.includes(a.aclId)));
        if (dryRun) throw ec2Errors.dryRun();
        const page = paginate(acls, params);
        return set('networkAclSet', page.items.map(networkAclXml)) + leaf('nextToken', page.nextToken);
      }
      case 'CreateNetworkAclEntry':
      case 'ReplaceNetworkAclEntry': {
        const aclId = requiredString(params, 'NetworkAclId');
        const entry = entryParam(params);
        this.acls.acl(aclId);
        if (dryRun) throw ec2Errors.dryRun();
        if (action === 'CreateNetworkAclEntry') this.acls.create(aclId, entry, change);
        else this.acls.replace(aclId, entry, change);
        return leaf('return', true);
      }
      case 'DeleteNetworkAclEntry': {
        const aclId = requiredString(params, 'NetworkAclId');
        const ruleNumber = optionalInteger(params, 'RuleNumber');
        if (ruleNumber === undefined) throw ec2Errors.missingParameter('RuleNumber');
        this.acls.acl(aclId);
        if (dryRun) throw ec2Errors.dryRun();
        this.acls.delete(aclId, booleanParam(params, 'Egress') ? 'egress' : 'ingress', ruleNumber, change);
        return leaf('return', true);
      }
    }
  }
}

// --- helpers -------------------------------------------------------------------------------------

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('body too large'));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, xml: string, requestId: string): void {
  res.writeHead(status, {
    'content-type': 'text/xml;charset=UTF-8',
    'content-length': Buffer.byteLength(xml),
    'x-amzn-requestid': requestId,
  });
  res.end(xml);
}

/** The access key id from a SigV4 `Authorization` header or a presigned `X-Amz-Credential`. */
function accessKeyOf(req: IncomingMessage, params: QueryParams): string | undefined {
  const header = req.headers.authorization;
  const fromHeader = typeof header === 'string' ? /Credential=([^/,\s]+)\//.exec(header)?.[1] : undefined;
  return fromHeader ?? params.get('X-Amz-Credential')?.split('/')[0];
}

function defaultMessage(code: string): string {
  switch (code) {
    case 'RequestLimitExceeded':
      return 'Request limit exceeded.';
    case 'UnauthorizedOperation':
      return 'You are not authorized to perform this operation.';
    case 'AuthFailure':
      return 'AWS was not able to validate the provided access credentials';
    case 'InternalError':
      return 'An internal error has occurred';
    default:
      return `injected ${code}`;
  }
}

/** The HTTP status EC2 uses for a code (for callers of `failNext` that want the usual one). */
export function statusForCode(code: string): number {
  return STATUS_BY_CODE[code] ?? 400;
}

function toApiError(err: unknown): Ec2ApiError {
  if (err instanceof Ec2ApiError) return err;
  // A rule shape the canonical model cannot read is bad input, like EC2's InvalidParameterValue.
  if (err instanceof DriftwardenError) return ec2Errors.invalidParameterValue(err.message);
  return new Ec2ApiError('InternalError', `An internal error has occurred (${err instanceof Error ? err.message : String(err)})`, 500);
}

function groupIdParam(params: QueryParams): string {
  if (usesLegacyParameters(params)) {
    throw ec2Errors.unsupported(
      'the sandbox implements IpPermissions and SecurityGroupRuleIds, not the legacy flat parameters (CidrIp, FromPort, …)',
    );
  }
  const groupId = optionalString(params, 'GroupId');
  if (groupId !== undefined) return groupId;
  if (params.has('GroupName')) throw ec2Errors.unsupported('the sandbox addresses groups by GroupId only');
  throw ec2Errors.missingParameter('GroupId');
}

function ruleTags(params: QueryParams): SandboxTag[] {
  const tags: SandboxTag[] = [];
  for (let i = 1; params.has(`TagSpecification.${i}.ResourceType`); i++) {
    if (params.get(`TagSpecification.${i}.ResourceType`) !== 'security-group-rule') continue;
    for (let j = 1; params.has(`TagSpecification.${i}.Tag.${j}.Key`); j++) {
      tags.push({
        key: params.get(`TagSpecification.${i}.Tag.${j}.Key`) ?? '',
        value: params.get(`TagSpecification.${i}.Tag.${j}.Value`) ?? '',
      });
    }
  }
  return tags;
}

const PORTED = new Set(['tcp', 'udp']);
const ICMP = new Set(['icmp', 'icmpv6']);

/** Validates `IpPermissions` the way EC2 does (enough of it) and returns their canonical rules. */
export function permissionRules(permissions: readonly IpPermission[], direction: RuleDirection): PermissionRule[] {
  permissions.forEach((p, i) => {
    const path = `IpPermissions.${i + 1}`;
    if (p.IpProtocol === undefined || p.IpProtocol === '') throw ec2Errors.missingParameter(`${path}.IpProtocol`);
    const protocol = canonicalProtocol(p.IpProtocol);
    const known = PORTED.has(protocol) || ICMP.has(protocol) || protocol === '-1' || (/^\d+$/.test(protocol) && Number(protocol) <= 255);
    if (!known) throw ec2Errors.invalidParameterValue(`Invalid value '${p.IpProtocol}' for IP protocol. Unknown protocol.`);
    if (PORTED.has(protocol)) {
      const { FromPort: from, ToPort: to } = p;
      if (from === undefined || to === undefined)
        throw ec2Errors.invalidParameterValue(`${path}: FromPort and ToPort are required for protocol ${protocol}`);
      const all = from === -1 && to === -1;
      if (!all && (from < 0 || to > 65535 || from > to))
        throw ec2Errors.invalidParameterValue(`Invalid port range ${from}-${to} in ${path}`);
    }
    if (ICMP.has(protocol)) {
      for (const v of [p.FromPort, p.ToPort]) {
        if (v !== undefined && (v < -1 || v > 255)) throw ec2Errors.invalidParameterValue(`Invalid ICMP type or code ${v} in ${path}`);
      }
    }
    const peers =
      (p.IpRanges?.length ?? 0) + (p.Ipv6Ranges?.length ?? 0) + (p.PrefixListIds?.length ?? 0) + (p.UserIdGroupPairs?.length ?? 0);
    if (peers === 0) throw ec2Errors.invalidParameterValue(`${path} names no CIDR range, IPv6 range, prefix list or security group`);
    for (const r of p.IpRanges ?? []) {
      if (!r.CidrIp || parseCidr(r.CidrIp)?.family !== 4)
        throw ec2Errors.invalidParameterValue(`CIDR block ${r.CidrIp ?? ''} is malformed`);
    }
    for (const r of p.Ipv6Ranges ?? []) {
      if (!r.CidrIpv6 || parseCidr(r.CidrIpv6)?.family !== 6)
        throw ec2Errors.invalidParameterValue(`CIDR block ${r.CidrIpv6 ?? ''} is malformed`);
    }
    for (const r of p.PrefixListIds ?? []) {
      if (!r.PrefixListId || !/^pl-[0-9a-f]+$/.test(r.PrefixListId)) {
        throw new Ec2ApiError('InvalidPrefixListId.Malformed', `The prefix list ID '${r.PrefixListId ?? ''}' is malformed`);
      }
    }
    for (const g of p.UserIdGroupPairs ?? []) {
      if (!g.GroupId || !/^sg-[0-9a-f]+$/.test(g.GroupId)) throw ec2Errors.groupIdMalformed(g.GroupId ?? '');
    }
  });
  return rulesFromIpPermissions(permissions, direction);
}

function unknownPermissionsXml(rules: readonly PermissionRule[], direction: RuleDirection, ownerId: string): string {
  return set(
    'unknownIpPermissionSet',
    toIpPermissions(rules)[direction].map((p) => ipPermissionXml(p, ownerId)),
  );
}

function revokedSetXml(group: Parameters<typeof revokedRuleXml>[0], revoked: readonly StoredRule[]): string {
  return revoked.length === 0
    ? ''
    : set(
        'revokedSecurityGroupRuleSet',
        revoked.map((r) => revokedRuleXml(group, r)),
      );
}

const TOKEN_PREFIX = 'sbx1:';

/** `MaxResults` (5-1000, as EC2) and an opaque `NextToken`. */
function paginate<T>(items: readonly T[], params: QueryParams): { items: T[]; nextToken?: string } {
  const max = optionalInteger(params, 'MaxResults');
  if (max !== undefined && (max < 5 || max > 1000)) {
    throw ec2Errors.invalidParameterValue(`Value ( ${max} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`);
  }
  const token = optionalString(params, 'NextToken');
  let offset = 0;
  if (token !== undefined) {
    const decoded = Buffer.from(token, 'base64url').toString('utf8');
    if (!decoded.startsWith(TOKEN_PREFIX) || !/^\d+$/.test(decoded.slice(TOKEN_PREFIX.length))) throw ec2Errors.invalidPaginationToken();
    offset = Number(decoded.slice(TOKEN_PREFIX.length));
  }
  const size = max ?? 1000;
  const page = items.slice(offset, offset + size);
  const next = offset + size;
  return next < items.length ? { items: page, nextToken: Buffer.from(`${TOKEN_PREFIX}${next}`).toString('base64url') } : { items: page };
}
