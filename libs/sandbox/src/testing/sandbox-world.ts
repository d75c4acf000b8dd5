import * as sandbox from '@driftwarden/ec2/testing';
import { cloudTrailEvent, configItemEvent, type GroupInfo } from './aws-events';
import type { NaclEntry } from '@driftwarden/kinds/network-acl';
import type { PublicAccessBlock } from '@driftwarden/kinds/s3-bucket';
import {
  bucketCloudTrailEvent,
  bucketConfigItemEvent,
  networkAclCloudTrailEvent,
  networkAclConfigItemEvent,
  type AclInfo,
  type BucketInfo,
} from './kind-events';
import { S3Sandbox } from './s3-sandbox.server';
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
  private readonly acls = new Map<string, AclInfo>();
  private readonly buckets = new Map<string, BucketInfo & { blockAsString: boolean }>();
  private readonly unsubscribers: (() => void)[] = [];
  private unsubscribe: (() => void) | null = null;
  private readonly pending = new Set<Promise<void>>();
  readonly delivered: Record<string, unknown>[] = [];

  private constructor(
    readonly ec2: sandbox.Ec2Sandbox,
    /** The S3 sandbox (buckets' public access blocks): point AWS_ENDPOINT_URL_S3 at `s3.url`. */
    readonly s3: S3Sandbox,
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
    const self = opts.controllerPrincipal ?? `arn:aws:sts::${account}:assumed-role/driftwarden/controller`;
    const s3 = await S3Sandbox.start({ principals: { [accessKey]: self } });
    const world = new SandboxAccount(ec2, s3, account, region, opts.sink ?? null, opts.clock ?? (() => new Date()));
    world.unsubscribers.push(
      ec2.onNetworkAclChange((c) => world.track(world.emitAcl(c.aclId, c.entries, c.action, c.entry, c.principalArn))),
      s3.onChange((c) => world.track(world.emitBucket(c.bucket, c.block, c.eventName, c.principalArn))),
    );
    world.unsubscribe = ec2.onChange((groupId, rules, action, principalArn, change) => {
      const p = world
        .emit(groupId, rules, action, principalArn, [...change.added, ...change.removed])
        .finally(() => world.pending.delete(p));
      world.pending.add(p);
    });
    return world;
  }

  private track(p: Promise<void>): void {
    const tracked = p.finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  // --- network ACLs and buckets (the network-acl and s3-bucket kinds) ------------------------

  addNetworkAcl(info: Omit<AclInfo, 'account' | 'region'>, entries: readonly NaclEntry[]): AclInfo {
    const acl: AclInfo = { ...info, account: this.account, region: this.region };
    this.acls.set(acl.aclId, acl);
    this.ec2.addNetworkAcl({ aclId: acl.aclId, vpcId: acl.vpcId, entries, subnetIds: acl.subnetIds, tags: acl.tags });
    return acl;
  }

  networkAclEntries(aclId: string): NaclEntry[] {
    return this.ec2.networkAclEntries(aclId);
  }

  /** A person changes an ACL's entries by hand (one CloudTrail call and one Config item per change). */
  async changeNetworkAcl(
    aclId: string,
    change: { create?: NaclEntry; replace?: NaclEntry; delete?: Pick<NaclEntry, 'direction' | 'ruleNumber'> },
    principalArn: string,
  ): Promise<void> {
    this.ec2.changeNetworkAcl(aclId, change, principalArn);
    await this.settled();
  }

  /** A bucket with its public access block; `blockAsString`: Config delivers the block as a JSON string. */
  addBucket(bucket: string, block: PublicAccessBlock | null, opts: { blockAsString?: boolean } = {}): BucketInfo {
    const info = { bucket, account: this.account, region: this.region, blockAsString: opts.blockAsString ?? false };
    this.buckets.set(bucket, info);
    this.s3.addBucket(bucket, block);
    return { bucket, account: info.account, region: info.region };
  }

  bucketBlock(bucket: string): PublicAccessBlock | null {
    return this.s3.block(bucket);
  }

  /** A person changes a bucket's public access block by hand. */
  async setBucketBlock(bucket: string, block: PublicAccessBlock | null, principalArn: string): Promise<void> {
    this.s3.setBlock(bucket, block, principalArn);
    await this.settled();
  }

  private async emitAcl(
    aclId: string,
    entries: NaclEntry[],
    action: string,
    entry: NaclEntry,
    principalArn: string | undefined,
  ): Promise<void> {
    const acl = this.acls.get(aclId);
    if (!acl || !this.sink) return;
    const at = this.clock();
    const events: Record<string, unknown>[] = [];
    if (principalArn) events.push(networkAclCloudTrailEvent(acl, action, entry, principalArn, new Date(at.getTime() - 500)));
    events.push(networkAclConfigItemEvent(acl, entries, at, at.getTime() * 10 + (this.stateSeq++ % 10)));
    this.delivered.push(...events);
    await this.sink(events);
  }

  private async emitBucket(
    bucket: string,
    block: PublicAccessBlock | null,
    eventName: 'PutBucketPublicAccessBlock' | 'DeleteBucketPublicAccessBlock',
    principalArn: string | undefined,
  ): Promise<void> {
    const b = this.buckets.get(bucket);
    if (!b || !this.sink) return;
    const at = this.clock();
    const events: Record<string, unknown>[] = [];
    if (principalArn) events.push(bucketCloudTrailEvent(b, eventName, block, principalArn, new Date(at.getTime() - 500)));
    events.push(bucketConfigItemEvent(b, block, at, at.getTime() * 10 + (this.stateSeq++ % 10), { blockAsString: b.blockAsString }));
    this.delivered.push(...events);
    await this.sink(events);
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
    for (const off of this.unsubscribers) off();
    await this.settled();
    await this.ec2.close();
    await this.s3.close();
  }
}
