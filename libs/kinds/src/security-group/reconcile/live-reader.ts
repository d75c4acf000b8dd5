/**
 * The security-group kind's live reader for the reconciling sweep (issue 17 §2): the live
 * configuration of up to LIVE_BATCH_SIZE groups of one account and region in one paginated
 * `DescribeSecurityGroups` call with a `group-id` filter, as a Config item's `configuration`
 * (camelCase, CONTRACTS.md §A4), so the kind's `analyze` reads it exactly as it reads an item.
 *
 * A filter, not `GroupIds`: with `GroupIds`, one group that no longer exists fails the whole call
 * (`InvalidGroup.NotFound`); with the filter EC2 answers the groups that exist and a missing one
 * is simply absent (answered `exists: false`).
 */
import { DescribeSecurityGroupsCommand, type EC2Client, type IpPermission, type SecurityGroup } from '@aws-sdk/client-ec2';
import { TransientError, type JsonObject } from '@driftwarden/domain';
import { mapEc2Error, type Ec2ClientProvider } from '@driftwarden/ec2';
import type { LiveLocation, LiveResource, Pace } from '@driftwarden/pipeline';
import type { LiveDescriber } from '../../kind';

/** EC2 takes up to 200 values per filter. */
export const LIVE_BATCH_SIZE = 200;
/** Safety bound on pages per batch (at most LIVE_BATCH_SIZE groups, MaxResults 1000: one page normally). */
const MAX_PAGES = 20;

/** EC2 `IpPermission` (PascalCase) → the Config item's camelCase permission. */
export function configPermission(p: IpPermission): JsonObject {
  const out: JsonObject = { ipProtocol: p.IpProtocol ?? null };
  if (p.FromPort !== undefined) out['fromPort'] = p.FromPort;
  if (p.ToPort !== undefined) out['toPort'] = p.ToPort;
  // Only the fields that are set, as Config sends them (a missing description is absent, not null).
  const entry = (fields: Record<string, string | undefined>): JsonObject => {
    const o: JsonObject = {};
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) o[k] = v;
    return o;
  };
  out['ipv4Ranges'] = (p.IpRanges ?? []).map((r) => entry({ cidrIp: r.CidrIp, description: r.Description }));
  out['ipv6Ranges'] = (p.Ipv6Ranges ?? []).map((r) => entry({ cidrIpv6: r.CidrIpv6, description: r.Description }));
  out['prefixListIds'] = (p.PrefixListIds ?? []).map((r) => entry({ prefixListId: r.PrefixListId, description: r.Description }));
  out['userIdGroupPairs'] = (p.UserIdGroupPairs ?? []).map((r) =>
    entry({ groupId: r.GroupId, userId: r.UserId, vpcId: r.VpcId, description: r.Description }),
  );
  return out;
}

/** One `SecurityGroup` of DescribeSecurityGroups → a live resource with a Config-shaped configuration. */
export function liveSecurityGroup(g: SecurityGroup, location: LiveLocation): LiveResource {
  const id = g.GroupId ?? '';
  const tags: Record<string, string> = {};
  for (const t of g.Tags ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
  return {
    id,
    arn: g.SecurityGroupArn ?? `arn:aws:ec2:${location.region}:${g.OwnerId ?? location.account}:security-group/${id}`,
    exists: true,
    configuration: {
      groupId: id,
      groupName: g.GroupName ?? null,
      description: g.Description ?? null,
      vpcId: g.VpcId ?? null,
      ownerId: g.OwnerId ?? null,
      ipPermissions: (g.IpPermissions ?? []).map(configPermission),
      ipPermissionsEgress: (g.IpPermissionsEgress ?? []).map(configPermission),
      tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
    },
    tags,
  };
}

export class SecurityGroupLiveReader implements LiveDescriber {
  constructor(private readonly clients: Ec2ClientProvider) {}

  async describeLive(location: LiveLocation, ids: readonly string[], pace?: Pace): Promise<LiveResource[]> {
    if (ids.length === 0) return [];
    if (ids.length > LIVE_BATCH_SIZE) throw new Error(`at most ${LIVE_BATCH_SIZE} security groups per batch, got ${ids.length}`);
    const client: EC2Client = this.clients(location);
    const wanted = new Set(ids);
    const found = new Map<string, LiveResource>();
    const seenTokens = new Set<string>();
    let nextToken: string | undefined;
    for (let page = 0; ; page++) {
      if (page >= MAX_PAGES)
        throw new TransientError(
          `DescribeSecurityGroups for ${ids.length} groups did not finish within ${MAX_PAGES} pages`,
          'ec2_pagination_exceeded',
        );
      const input = {
        Filters: [{ Name: 'group-id', Values: [...ids] }],
        MaxResults: 1000,
        ...(nextToken !== undefined ? { NextToken: nextToken } : {}),
      };
      let output;
      await pace?.();
      try {
        output = await client.send(new DescribeSecurityGroupsCommand(input));
      } catch (err) {
        throw mapEc2Error(err, {
          operation: 'DescribeSecurityGroups',
          resourceId: `${ids.length} security groups in ${location.account}/${location.region}`,
          apiCalls: [],
        });
      }
      for (const g of output.SecurityGroups ?? []) {
        // The filter should only return the groups asked for; keep it that way whatever the server does.
        if (g.GroupId && wanted.has(g.GroupId)) found.set(g.GroupId, liveSecurityGroup(g, location));
      }
      nextToken = output.NextToken || undefined;
      if (nextToken === undefined) break;
      if (seenTokens.has(nextToken)) throw new TransientError('DescribeSecurityGroups repeated a NextToken', 'ec2_pagination_loop');
      seenTokens.add(nextToken);
    }
    return ids.map((id) => found.get(id) ?? { id, exists: false, configuration: null, tags: {} });
  }
}
