import * as sandbox from '@driftwarden/ec2/testing';
import { cloudTrailEvent, configItemEvent, type GroupInfo } from './aws-events';
import type { PermissionRule } from '@driftwarden/kinds/security-group';

export type EventSink = (events: Record<string, unknown>[]) => Promise<void>;

/**
 * A sandbox AWS account: EC2 security groups served over HTTP (the real EC2 adapter calls
 * them through AWS_ENDPOINT_URL_EC2), and, for every change, the Config item and CloudTrail
 * events AWS would deliver, sent to a sink (the controller's POST /v1/events).
 */
export class SandboxAccount {
  private stateSeq = 0;
  private readonly groups = new Map<string, GroupInfo>();
  private unsubscribe: (() => void) | null = null;
  private readonly pending = new Set<Promise<void>>();
  readonly delivered: Record<string, unknown>[] = [];

  private constructor(
    readonly ec2: sandbox.Ec2Sandbox,
    readonly account: string,
    readonly region: string,
    private sink: EventSink | null,
    private readonly clock: () => Date,
  ) {}

  static async start(
    opts: {
      account?: string;
      region?: string;
      sink?: EventSink;
      clock?: () => Date;
      controllerPrincipal?: string;
      assumableRoles?: sandbox.Ec2SandboxOptions['assumableRoles'];
    } = {},
  ): Promise<SandboxAccount> {
    const account = opts.account ?? '111122223333';
    const region = opts.region ?? 'eu-west-1';
    const accessKey = process.env['AWS_ACCESS_KEY_ID'] ?? 'AKIDSANDBOX';
    const ec2 = await sandbox.Ec2Sandbox.start({
      accountId: account,
      region,
      // Calls signed with the controller's key are its own (principal `self`).
      principals: { [accessKey]: opts.controllerPrincipal ?? `arn:aws:sts::${account}:assumed-role/driftwarden/controller` },
      ...(opts.assumableRoles ? { assumableRoles: opts.assumableRoles } : {}),
    });
    const world = new SandboxAccount(ec2, account, region, opts.sink ?? null, opts.clock ?? (() => new Date()));
    world.unsubscribe = ec2.onChange((groupId, rules, action, principalArn, change) => {
      const p = world
        .emit(groupId, rules, action, principalArn, [...change.added, ...change.removed])
        .finally(() => world.pending.delete(p));
      world.pending.add(p);
    });
    return world;
  }

  setSink(sink: EventSink): void {
    this.sink = sink;
  }

  get url(): string {
    return this.ec2.url;
  }

  addGroup(info: Omit<GroupInfo, 'account' | 'region'>, rules: readonly PermissionRule[]): GroupInfo {
    const group: GroupInfo = { ...info, account: this.account, region: this.region };
    this.groups.set(group.groupId, group);
    this.ec2.addGroup({ groupId: group.groupId, vpcId: group.vpcId, groupName: group.groupName, rules, tags: group.tags });
    return group;
  }

  rules(groupId: string): PermissionRule[] {
    return this.ec2.rules(groupId);
  }

  /** A person (or an attacker) changes a group by hand: rules are authorized and/or revoked. */
  async change(groupId: string, change: { authorize?: PermissionRule[]; revoke?: PermissionRule[] }, principalArn: string): Promise<void> {
    if (change.revoke?.length) this.ec2.removeRules(groupId, change.revoke, principalArn);
    if (change.authorize?.length) this.ec2.addRules(groupId, change.authorize, principalArn);
    await this.settled();
  }

  /** Waits until every event of the changes so far has been delivered. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private async emit(
    groupId: string,
    rules: PermissionRule[],
    action: string,
    principalArn: string | undefined,
    touched: PermissionRule[],
  ): Promise<void> {
    const group = this.groups.get(groupId);
    if (!group || !this.sink) return;
    const at = this.clock();
    // CloudTrail records the call slightly before Config captures the new state.
    const events: Record<string, unknown>[] = [];
    if (principalArn) events.push(cloudTrailEvent(group, action, touched, principalArn, new Date(at.getTime() - 500)));
    events.push(configItemEvent(group, rules, at, at.getTime() * 10 + (this.stateSeq++ % 10)));
    this.delivered.push(...events);
    await this.sink(events);
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    await this.settled();
    await this.ec2.close();
  }
}
