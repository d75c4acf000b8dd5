/**
 * The instance kind in the reconciling sweep (issue 17 §2): every `aws_instance` a covering stack
 * declares, read with `DescribeInstances` filtered by `instance-id` (up to 200 per call; a
 * terminated or unknown instance is absent or `terminated`, answered gone) and, per instance,
 * `DescribeInstanceAttribute` for `disableApiTermination` and `disableApiStop` (DescribeInstances
 * does not return them, and the kind compares them). The configuration has the Config item's
 * shape (`metadataOptions`, `securityGroups`, `instanceType`, camelCase), plus the two protection
 * flags, which Config does not record but the kind compares when an item carries them.
 */
import {
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  type EC2Client,
  type Instance,
  type InstanceAttributeName,
} from '@aws-sdk/client-ec2';
import type { JsonObject } from '@driftwarden/domain';
import { createEc2ClientProvider, mapEc2Error, type Ec2ClientProvider } from '@driftwarden/ec2';
import type { LiveLocation, LiveResource, Pace } from '@driftwarden/pipeline';
import { locationFromArn, type DesiredStateIndex } from '@driftwarden/terraform-state';
import type { ExecutorDeps, LiveDescriber, ReconcileHook } from '../kind';
import { stackScopes, sweptIn } from '../live-state.adapter';
import { checkBatch, configTags, pagedDescribe, tagsOf } from '../reconcile/paged-describe';
import { INSTANCE_TYPE } from './model';
import { instanceStateKind } from './state';

/** Each instance costs two attribute reads besides its share of DescribeInstances: 50 per batch, 101 calls. */
export const INSTANCE_BATCH_SIZE = 50;
const GONE = new Set(['terminated', 'shutting-down']);

/** One `Instance` of DescribeInstances (and its two protection flags) → a live resource with a Config-shaped configuration. */
export function liveInstance(
  i: Instance,
  protection: { disableApiTermination: boolean; disableApiStop: boolean },
  location: LiveLocation,
): LiveResource {
  const id = i.InstanceId ?? '';
  const tags = tagsOf(i.Tags);
  const meta = i.MetadataOptions;
  const configuration: JsonObject = {
    instanceId: id,
    instanceType: i.InstanceType ?? null,
    imageId: i.ImageId ?? null,
    state: { code: i.State?.Code ?? null, name: i.State?.Name ?? null },
    metadataOptions: {
      state: meta?.State ?? null,
      httpTokens: meta?.HttpTokens ?? null,
      httpEndpoint: meta?.HttpEndpoint ?? null,
      httpPutResponseHopLimit: meta?.HttpPutResponseHopLimit ?? null,
    },
    securityGroups: (i.SecurityGroups ?? []).map((g) => ({ groupId: g.GroupId ?? null, groupName: g.GroupName ?? null })),
    tags: configTags(tags),
    disableApiTermination: protection.disableApiTermination,
    disableApiStop: protection.disableApiStop,
  };
  return { id, arn: `arn:aws:ec2:${location.region}:${location.account}:instance/${id}`, exists: true, configuration, tags };
}

export class InstanceLiveReader implements LiveDescriber {
  constructor(private readonly clients: Ec2ClientProvider) {}

  async describeLive(location: LiveLocation, ids: readonly string[], pace?: Pace): Promise<LiveResource[]> {
    if (ids.length === 0) return [];
    checkBatch(ids, INSTANCE_BATCH_SIZE, 'instances');
    const client = this.clients(location);
    const wanted = new Set(ids);
    const instances = new Map<string, Instance>();
    const what = `${ids.length} instances in ${location.account}/${location.region}`;
    await pagedDescribe(
      'DescribeInstances',
      what,
      async (NextToken) => {
        try {
          return await client.send(
            new DescribeInstancesCommand({
              Filters: [{ Name: 'instance-id', Values: [...ids] }],
              MaxResults: 1000,
              ...(NextToken ? { NextToken } : {}),
            }),
          );
        } catch (err) {
          throw mapEc2Error(err, { operation: 'DescribeInstances', resourceId: what, apiCalls: [] });
        }
      },
      (out) => {
        for (const r of out.Reservations ?? [])
          for (const i of r.Instances ?? [])
            if (i.InstanceId && wanted.has(i.InstanceId) && !GONE.has(i.State?.Name ?? '')) instances.set(i.InstanceId, i);
        return out.NextToken;
      },
      pace,
    );
    const out: LiveResource[] = [];
    for (const id of ids) {
      const i = instances.get(id);
      if (!i) {
        out.push({ id, exists: false, configuration: null, tags: {} });
        continue;
      }
      const disableApiTermination = await this.flag(client, id, 'disableApiTermination', pace);
      const disableApiStop = await this.flag(client, id, 'disableApiStop', pace);
      out.push(liveInstance(i, { disableApiTermination, disableApiStop }, location));
    }
    return out;
  }

  private async flag(client: EC2Client, id: string, attribute: 'disableApiTermination' | 'disableApiStop', pace?: Pace): Promise<boolean> {
    await pace?.();
    try {
      const out = await client.send(
        new DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: attribute as InstanceAttributeName }),
      );
      return (attribute === 'disableApiTermination' ? out.DisableApiTermination : out.DisableApiStop)?.Value === true;
    } catch (err) {
      // Terminated between the two calls: the next sweep sees it gone.
      throw mapEc2Error(err, { operation: 'DescribeInstanceAttribute', resourceId: `${id} (${attribute})`, apiCalls: [] });
    }
  }
}

export const instanceReconcile: ReconcileHook = {
  configType: INSTANCE_TYPE,
  batchSize: INSTANCE_BATCH_SIZE,
  async managedIds(index: DesiredStateIndex, location: LiveLocation): Promise<string[]> {
    const { indexes } = await index.kindIndexes(instanceStateKind, location.account, location.region);
    const scopes = stackScopes(index);
    const ids = new Set<string>();
    for (const { stack, index: kept } of indexes) {
      for (const e of kept.entries) if (e.id && sweptIn(locationFromArn(e.arn), scopes.get(stack), location)) ids.add(e.id);
    }
    return [...ids].sort();
  },
  describer: (deps: ExecutorDeps) =>
    new InstanceLiveReader(
      createEc2ClientProvider({
        requestTimeoutMs: deps.requestTimeoutMs,
        // One attempt per call: the sweep retries a batch itself, with back-off, under its rate limit.
        maxAttempts: 1,
        ...(deps.credentialsFor ? { credentialsFor: deps.credentialsFor } : {}),
      }),
    ),
};
