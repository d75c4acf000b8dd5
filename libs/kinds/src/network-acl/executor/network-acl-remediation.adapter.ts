/**
 * RemediationPort over the EC2 API for network ACLs (DESIGN §5): reverts exactly the entry
 * differences decided `revert`, and verifies by reading the ACL again.
 *
 * 1. `DescribeNetworkAcls` (the ACL must exist: a deleted ACL is a permanent failure, never
 *    recreated): the live entries.
 * 2. Per difference, the one call that puts the code's entry back at its number and direction:
 *    an entry only live has → `DeleteNetworkAclEntry`; an entry only the code has →
 *    `CreateNetworkAclEntry`; other content → `ReplaceNetworkAclEntry`. A key whose live entry
 *    already equals the code's needs no call (idempotent: a retry after a partial revert
 *    converges). The calls go in an order that never lets in more than before: each step is
 *    taken only when it does not widen what the ACL allows, if such a step remains.
 * 3. `DescribeNetworkAcls` again: `verified` when every reverted key equals the code.
 *
 * Every write is preceded, immediately, by its own `await fence()` (DESIGN §1 rule 4). EC2's
 * "already done" answers count as done: `NetworkAclEntryAlreadyExists` on a create (then the
 * entry is replaced if its content differs) and `InvalidNetworkAclEntry.NotFound` on a delete.
 * The adapter never deletes or creates an ACL, nor touches subnet associations (observed only).
 */
import {
  CreateNetworkAclEntryCommand,
  DeleteNetworkAclEntryCommand,
  DescribeNetworkAclsCommand,
  ReplaceNetworkAclEntryCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { PermanentError, type ApiCallRecord, type DriftDifference, type DriftRecord } from '@driftwarden/domain';
import { mapEc2Error, type Ec2ClientProvider, type Ec2PermanentCode } from '@driftwarden/ec2';
import { ApiCallLog, ec2CallErrors } from '../../api-call-log';
import { RemediationPort, type Fence, type RevertResult } from '@driftwarden/pipeline';
import { entryDiffOf } from '../differences';
import { compareAllowed } from '../model/evaluation';
import { entryKey, sameEntry, sortEntries, type NaclEntry, type NetworkAclAfterState, type NetworkAclDiff } from '../model/entry';
import { entriesFromSdk, toEntryParameters } from '../normalize/sources';
import { NETWORK_ACL } from '../state/network-acl-state';

/** Everything the adapter may call: no ACL create/delete, no association change. */
export const NETWORK_ACL_REMEDIATION_OPERATIONS = [
  'DescribeNetworkAcls',
  'CreateNetworkAclEntry',
  'ReplaceNetworkAclEntry',
  'DeleteNetworkAclEntry',
] as const;
export type NetworkAclOperation = (typeof NETWORK_ACL_REMEDIATION_OPERATIONS)[number];
export const NETWORK_ACL_AFTER_STATE_SOURCE = 'ec2:DescribeNetworkAcls';

const ACL_CODES: Readonly<Record<string, Ec2PermanentCode>> = {
  'InvalidNetworkAclID.NotFound': {
    code: 'ec2_network_acl_not_found',
    explain: (aclId) => `network ACL ${aclId} does not exist (deleted?); driftwarden never recreates a network ACL`,
  },
  'InvalidNetworkAclId.Malformed': { code: 'ec2_invalid_network_acl_id', explain: (aclId) => `${aclId} is not a network ACL id` },
};

export interface NetworkAclRemediationOptions {
  clock?: () => Date;
}

/** One planned write: the key, the code's entry (null: delete live's), what live has now. */
interface Step {
  key: string;
  live: NaclEntry | undefined;
  desired: NaclEntry | undefined;
}

export class NetworkAclRemediation extends RemediationPort {
  private readonly clock: () => Date;

  constructor(
    private readonly clients: Ec2ClientProvider,
    options: NetworkAclRemediationOptions = {},
  ) {
    super();
    this.clock = options.clock ?? (() => new Date());
  }

  async revert(
    drift: DriftRecord,
    fence: Fence,
    differences?: readonly DriftDifference[],
  ): Promise<RevertResult & { afterState: NetworkAclAfterState }> {
    const diff: NetworkAclDiff = differences ? entryDiffOf(differences) : (drift.diff as unknown as NetworkAclDiff);
    const { account, region, id: aclId } = targetOf(drift);
    const session = new AclSession(this.clients({ account, region }), aclId, this.clock);

    // The code's entry per reverted key (undefined: the code has none there).
    const want = new Map<string, NaclEntry | undefined>();
    for (const e of diff.extra ?? []) want.set(entryKey(e), undefined);
    for (const e of diff.missing ?? []) want.set(entryKey(e), e);
    for (const c of diff.changed ?? []) want.set(entryKey(c.desired), c.desired);

    let live = await session.describe();
    const pending: Step[] = [];
    for (const [key, desired] of want) {
      const now = live.find((e) => entryKey(e) === key);
      if (desired ? now && sameEntry(now, desired) : !now) continue;
      pending.push({ key, live: now, desired });
    }
    // Never let in more than before while reverting: take a non-widening step first when one remains.
    while (pending.length > 0) {
      const index = Math.max(
        0,
        pending.findIndex((s) => !compareAllowed(live, apply(live, s)).gained),
      );
      const [step] = pending.splice(index, 1);
      await session.write(fence, step!);
      live = apply(live, step!);
    }

    const after = await session.describe();
    const remaining = [...want.entries()]
      .filter(([key, desired]) => {
        const now = after.find((e) => entryKey(e) === key);
        return desired ? !now || !sameEntry(now, desired) : now !== undefined;
      })
      .map(([key]) => key);
    const afterState: NetworkAclAfterState = {
      at: this.clock().toISOString(),
      source: NETWORK_ACL_AFTER_STATE_SOURCE,
      verified: remaining.length === 0,
      entries: sortEntries(after),
      ...(remaining.length ? { remaining } : {}),
    };
    return { verified: remaining.length === 0, apiCalls: session.apiCalls, afterState };
  }
}

function apply(entries: readonly NaclEntry[], step: Step): NaclEntry[] {
  const rest = entries.filter((e) => entryKey(e) !== step.key);
  return step.desired ? [...rest, step.desired] : rest;
}

function targetOf(drift: DriftRecord): { account: string; region: string; id: string } {
  const { type, id, account, region } = drift.resource;
  if (type !== NETWORK_ACL) {
    throw new PermanentError(
      `cannot revert ${drift.id}: the network ACL executor handles ${NETWORK_ACL}, not ${type}`,
      'ec2_unsupported_resource',
    );
  }
  if (!/^acl-[0-9a-f]+$/.test(id)) {
    throw new PermanentError(`cannot revert ${drift.id}: ${JSON.stringify(id)} is not a network ACL id`, 'ec2_invalid_network_acl_id');
  }
  if (!region) throw new PermanentError(`cannot revert ${drift.id}: the drift names no region`, 'ec2_region_missing');
  return { account, region, id };
}

/** One revert's calls against one ACL: sends, records every call, maps failures. */
class AclSession {
  private readonly log: ApiCallLog<NetworkAclOperation>;

  constructor(
    private readonly client: EC2Client,
    private readonly aclId: string,
    clock: () => Date,
  ) {
    this.log = new ApiCallLog(
      'ec2',
      clock,
      ec2CallErrors((err, operation, apiCalls) => mapEc2Error(err, { operation, resourceId: aclId, apiCalls }, ACL_CODES)),
    );
  }

  get apiCalls(): ApiCallRecord[] {
    return this.log.apiCalls;
  }

  async describe(): Promise<NaclEntry[]> {
    const input = { NetworkAclIds: [this.aclId] };
    const out = await this.log.call(
      'DescribeNetworkAcls',
      input,
      () => this.client.send(new DescribeNetworkAclsCommand(input)),
      (o) => ({
        networkAcls: o.NetworkAcls?.length ?? 0,
        entries: o.NetworkAcls?.[0]?.Entries?.length ?? 0,
      }),
    );
    const acl = out.ok ? out.output.NetworkAcls?.find((a) => a.NetworkAclId === this.aclId) : undefined;
    if (!acl) {
      throw new PermanentError(
        `network ACL ${this.aclId} was not returned by DescribeNetworkAcls (deleted?); driftwarden never recreates a network ACL`,
        'ec2_network_acl_not_found',
      );
    }
    return entriesFromSdk(acl.Entries, this.aclId);
  }

  async write(fence: Fence, step: Step): Promise<void> {
    if (!step.desired) {
      const input = { NetworkAclId: this.aclId, RuleNumber: step.live!.ruleNumber, Egress: step.live!.direction === 'egress' };
      await fence();
      await this.log.call(
        'DeleteNetworkAclEntry',
        input,
        () => this.client.send(new DeleteNetworkAclEntryCommand(input)),
        () => ({ outcome: 'deleted' }),
        {
          'InvalidNetworkAclEntry.NotFound': 'already_absent',
        },
      );
      return;
    }
    const input = toEntryParameters(this.aclId, step.desired);
    if (step.live) {
      await fence();
      await this.log.call(
        'ReplaceNetworkAclEntry',
        input,
        () => this.client.send(new ReplaceNetworkAclEntryCommand(input)),
        () => ({ outcome: 'replaced' }),
      );
      return;
    }
    await fence();
    const created = await this.log.call(
      'CreateNetworkAclEntry',
      input,
      () => this.client.send(new CreateNetworkAclEntryCommand(input)),
      () => ({ outcome: 'created' }),
      { NetworkAclEntryAlreadyExists: 'already_present' },
    );
    if (!created.ok) {
      // Someone created an entry at that number meanwhile: put the code's content there.
      await fence();
      await this.log.call(
        'ReplaceNetworkAclEntry',
        input,
        () => this.client.send(new ReplaceNetworkAclEntryCommand(input)),
        () => ({ outcome: 'replaced' }),
      );
    }
  }
}
