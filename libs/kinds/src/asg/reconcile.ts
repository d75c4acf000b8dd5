/**
 * The Auto Scaling group kind in the reconciling sweep (issue 17 §2): every `aws_autoscaling_group`
 * a covering stack declares, by the id Config gives it (the group's ARN, from the state; its name
 * when the state has no ARN), read with `DescribeAutoScalingGroups` by name (50 per call, paged
 * with MaxRecords 100; a group that is gone is absent from the answer, and one of the same name
 * with another ARN is a new group, so the old one is gone too), as the Config item's
 * `configuration` (camelCase: `minSize`, `maxSize`, `desiredCapacity`, …).
 */
import { DescribeAutoScalingGroupsCommand, type AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import type { LiveLocation, LiveResource, Pace } from '@driftwarden/pipeline';
import { locationFromArn, type DesiredStateIndex } from '@driftwarden/terraform-state';
import type { ExecutorDeps, LiveDescriber, ReconcileHook } from '../kind';
import { stackScopes, sweptIn } from '../live-state.adapter';
import { checkBatch, pagedDescribe } from '../reconcile/paged-describe';
import { createAutoScalingClientProvider, mapAutoScalingError, type AutoScalingClientProvider } from './executor';
import { ASG_TYPE, groupNameOf } from './model';
import { asgStateKind } from './state';

export const ASG_BATCH_SIZE = 50;

/** One `AutoScalingGroup` → a live resource (id as asked: the ARN or the name) with a Config-shaped configuration. */
export function liveAutoScalingGroup(g: AutoScalingGroup, id: string): LiveResource {
  const tags: Record<string, string> = {};
  for (const t of g.Tags ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
  return {
    id,
    ...(g.AutoScalingGroupARN ? { arn: g.AutoScalingGroupARN } : {}),
    exists: true,
    configuration: {
      autoScalingGroupName: g.AutoScalingGroupName ?? null,
      autoScalingGroupARN: g.AutoScalingGroupARN ?? null,
      minSize: g.MinSize ?? null,
      maxSize: g.MaxSize ?? null,
      desiredCapacity: g.DesiredCapacity ?? null,
      defaultCooldown: g.DefaultCooldown ?? null,
      availabilityZones: [...(g.AvailabilityZones ?? [])],
      healthCheckType: g.HealthCheckType ?? null,
      instances: (g.Instances ?? []).map((i) => ({ instanceId: i.InstanceId ?? null, lifecycleState: i.LifecycleState ?? null })),
      tags: (g.Tags ?? []).map((t) => ({
        key: t.Key ?? null,
        value: t.Value ?? null,
        resourceId: t.ResourceId ?? null,
        resourceType: t.ResourceType ?? null,
        propagateAtLaunch: t.PropagateAtLaunch ?? null,
      })),
    },
    tags,
  };
}

export class AutoScalingLiveReader implements LiveDescriber {
  constructor(private readonly clients: AutoScalingClientProvider) {}

  async describeLive(location: LiveLocation, ids: readonly string[], pace?: Pace): Promise<LiveResource[]> {
    if (ids.length === 0) return [];
    checkBatch(ids, ASG_BATCH_SIZE, 'Auto Scaling groups');
    const client = this.clients(location);
    const names = [...new Set(ids.map(groupNameOf))];
    const byName = new Map<string, AutoScalingGroup>();
    const what = `${ids.length} Auto Scaling groups in ${location.account}/${location.region}`;
    await pagedDescribe(
      'DescribeAutoScalingGroups',
      what,
      async (NextToken) => {
        try {
          return await client.send(
            new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: names, MaxRecords: 100, ...(NextToken ? { NextToken } : {}) }),
          );
        } catch (err) {
          throw mapAutoScalingError(err, 'DescribeAutoScalingGroups', what, []);
        }
      },
      (out) => {
        for (const g of out.AutoScalingGroups ?? []) if (g.AutoScalingGroupName) byName.set(g.AutoScalingGroupName, g);
        return out.NextToken;
      },
      pace,
    );
    return ids.map((id) => {
      const g = byName.get(groupNameOf(id));
      const same = g && (!id.startsWith('arn:') || g.AutoScalingGroupARN === undefined || g.AutoScalingGroupARN === id);
      return g && same ? liveAutoScalingGroup(g, id) : { id, exists: false, configuration: null, tags: {} };
    });
  }
}

export const asgReconcile: ReconcileHook = {
  configType: ASG_TYPE,
  batchSize: ASG_BATCH_SIZE,
  async managedIds(index: DesiredStateIndex, location: LiveLocation): Promise<string[]> {
    const { indexes } = await index.kindIndexes(asgStateKind, location.account, location.region);
    const scopes = stackScopes(index);
    const ids = new Set<string>();
    for (const { stack, index: kept } of indexes) {
      for (const e of kept.entries) {
        const id = e.arn ?? e.id;
        if (id && sweptIn(locationFromArn(e.arn), scopes.get(stack), location)) ids.add(id);
      }
    }
    return [...ids].sort();
  },
  describer: (deps: ExecutorDeps) =>
    new AutoScalingLiveReader(
      createAutoScalingClientProvider({
        requestTimeoutMs: deps.requestTimeoutMs,
        // One attempt per call: the sweep retries a batch itself, with back-off, under its rate limit.
        maxAttempts: 1,
        ...(deps.credentialsFor ? { credentialsFor: deps.credentialsFor } : {}),
      }),
    ),
};
