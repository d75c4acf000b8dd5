/**
 * The network-ACL kind in the reconciling sweep (issue 17 §2): every ACL a covering stack
 * declares (its `aws_network_acl` / `aws_default_network_acl`, or the ACL its
 * `aws_network_acl_rule`s target), read with `DescribeNetworkAcls` filtered by `network-acl-id`
 * (up to 200 per call; with a filter a deleted ACL is simply absent, where `NetworkAclIds` would
 * fail the whole call), as the Config item's `configuration` (camelCase, what
 * `entriesFromConfiguration` reads; the default deny entries included, as EC2 and Config list them).
 */
import { DescribeNetworkAclsCommand, type NetworkAcl, type NetworkAclEntry } from '@aws-sdk/client-ec2';
import type { JsonObject } from '@driftwarden/domain';
import { createEc2ClientProvider, mapEc2Error, type Ec2ClientProvider } from '@driftwarden/ec2';
import type { LiveLocation, LiveResource, Pace } from '@driftwarden/pipeline';
import type { DesiredStateIndex } from '@driftwarden/terraform-state';
import type { ExecutorDeps, LiveDescriber, ReconcileHook } from '../kind';
import { stackScopes, sweptIn } from '../live-state.adapter';
import { checkBatch, configTags, pagedDescribe, tagsOf } from '../reconcile/paged-describe';
import { NETWORK_ACL, networkAclStateKind } from './state/network-acl-state';

/** EC2 takes up to 200 values per filter. */
export const ACL_BATCH_SIZE = 200;

function configEntry(e: NetworkAclEntry): JsonObject {
  const out: JsonObject = {};
  if (e.CidrBlock !== undefined) out['cidrBlock'] = e.CidrBlock;
  if (e.Ipv6CidrBlock !== undefined) out['ipv6CidrBlock'] = e.Ipv6CidrBlock;
  out['egress'] = e.Egress ?? false;
  if (e.IcmpTypeCode) out['icmpTypeCode'] = { code: e.IcmpTypeCode.Code ?? null, type: e.IcmpTypeCode.Type ?? null };
  if (e.PortRange) out['portRange'] = { from: e.PortRange.From ?? null, to: e.PortRange.To ?? null };
  out['protocol'] = e.Protocol ?? null;
  out['ruleAction'] = e.RuleAction ?? null;
  out['ruleNumber'] = e.RuleNumber ?? null;
  return out;
}

/** One `NetworkAcl` of DescribeNetworkAcls → a live resource with a Config-shaped configuration. */
export function liveNetworkAcl(acl: NetworkAcl, location: LiveLocation): LiveResource {
  const id = acl.NetworkAclId ?? '';
  const tags = tagsOf(acl.Tags);
  const owner = acl.OwnerId ?? location.account;
  return {
    id,
    arn: `arn:aws:ec2:${location.region}:${owner}:network-acl/${id}`,
    exists: true,
    configuration: {
      associations: (acl.Associations ?? []).map((a) => ({
        networkAclAssociationId: a.NetworkAclAssociationId ?? null,
        networkAclId: a.NetworkAclId ?? id,
        subnetId: a.SubnetId ?? null,
      })),
      entries: (acl.Entries ?? []).map(configEntry),
      isDefault: acl.IsDefault ?? false,
      networkAclId: id,
      tags: configTags(tags),
      vpcId: acl.VpcId ?? null,
      ownerId: owner,
    },
    tags,
  };
}

export class NetworkAclLiveReader implements LiveDescriber {
  constructor(private readonly clients: Ec2ClientProvider) {}

  async describeLive(location: LiveLocation, ids: readonly string[], pace?: Pace): Promise<LiveResource[]> {
    if (ids.length === 0) return [];
    checkBatch(ids, ACL_BATCH_SIZE, 'network ACLs');
    const client = this.clients(location);
    const wanted = new Set(ids);
    const found = new Map<string, LiveResource>();
    const what = `${ids.length} network ACLs in ${location.account}/${location.region}`;
    await pagedDescribe(
      'DescribeNetworkAcls',
      what,
      async (NextToken) => {
        try {
          return await client.send(
            new DescribeNetworkAclsCommand({
              Filters: [{ Name: 'network-acl-id', Values: [...ids] }],
              MaxResults: 1000,
              ...(NextToken ? { NextToken } : {}),
            }),
          );
        } catch (err) {
          throw mapEc2Error(err, { operation: 'DescribeNetworkAcls', resourceId: what, apiCalls: [] });
        }
      },
      (out) => {
        for (const acl of out.NetworkAcls ?? [])
          if (acl.NetworkAclId && wanted.has(acl.NetworkAclId)) found.set(acl.NetworkAclId, liveNetworkAcl(acl, location));
        return out.NextToken;
      },
      pace,
    );
    return ids.map((id) => found.get(id) ?? { id, exists: false, configuration: null, tags: {} });
  }
}

export const networkAclReconcile: ReconcileHook = {
  configType: NETWORK_ACL,
  batchSize: ACL_BATCH_SIZE,
  async managedIds(index: DesiredStateIndex, location: LiveLocation): Promise<string[]> {
    const { indexes } = await index.kindIndexes(networkAclStateKind, location.account, location.region);
    const scopes = stackScopes(index);
    const ids = new Set<string>();
    for (const { stack, index: acls } of indexes) {
      for (const e of acls.entries()) if (sweptIn(e.location, scopes.get(stack), location)) ids.add(e.aclId);
    }
    return [...ids].sort();
  },
  describer: (deps: ExecutorDeps) =>
    new NetworkAclLiveReader(
      createEc2ClientProvider({
        requestTimeoutMs: deps.requestTimeoutMs,
        // One attempt per call: the sweep retries a batch itself, with back-off, under its rate limit.
        maxAttempts: 1,
        ...(deps.credentialsFor ? { credentialsFor: deps.credentialsFor } : {}),
      }),
    ),
};
