/**
 * RemediationPort over the EC2 API for the `instance` kind (DESIGN §5): puts an instance's metadata
 * options, termination/stop protection and security groups back to the code's values, verified.
 *
 * 1. `DescribeInstances` (the instance must exist: a terminated one is a permanent failure) and
 *    `DescribeInstanceAttribute` for each protection flag to revert: what is live.
 * 2. Only what still differs is written, each write preceded immediately by `await fence()`:
 *    `ModifyInstanceMetadataOptions` (HttpTokens / HttpEndpoint together), `ModifyInstanceAttribute`
 *    once per flag (`DisableApiTermination`, `DisableApiStop`, as EC2 takes one attribute per call)
 *    and once for `Groups` (the live set − attached + detached; never empty). A retry converges
 *    without another write (idempotent).
 * 3. Read again: `verified` when every reverted attribute has the code's value.
 *
 * The instance type is never changed (it needs a stop; an approved revert of it fails with the
 * reason). Nothing is started, stopped, terminated or replaced.
 */
import {
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  ModifyInstanceAttributeCommand,
  ModifyInstanceMetadataOptionsCommand,
  type DescribeInstanceAttributeCommandOutput,
  type DescribeInstancesCommandOutput,
  type EC2Client,
  type Instance,
  type ModifyInstanceMetadataOptionsCommandInput,
} from '@aws-sdk/client-ec2';
import { PermanentError, type AfterStateEvidence, type ApiCallRecord, type DriftDifference, type DriftRecord } from '@driftwarden/domain';
import { mapEc2Error, type Ec2ClientProvider } from '@driftwarden/ec2';
import { RemediationPort, type Fence, type RevertResult } from '@driftwarden/pipeline';
import { ApiCallLog, ec2CallErrors } from '../api-call-log';
import { attributeDetail, type AttributeDetail } from '../attributes/attribute-differences';
import { NEEDS_STOP } from './instance.kind';
import { DISABLE_API_STOP, DISABLE_API_TERMINATION, HTTP_ENDPOINT, HTTP_TOKENS, INSTANCE_TYPE, SECURITY_GROUPS } from './model';

export const INSTANCE_REMEDIATION_OPERATIONS = [
  'DescribeInstances',
  'DescribeInstanceAttribute',
  'ModifyInstanceMetadataOptions',
  'ModifyInstanceAttribute',
] as const;
type Operation = (typeof INSTANCE_REMEDIATION_OPERATIONS)[number];
export const INSTANCE_AFTER_STATE_SOURCE = 'ec2:DescribeInstances';

export interface InstanceLive {
  [HTTP_TOKENS]: string | null;
  [HTTP_ENDPOINT]: string | null;
  [DISABLE_API_TERMINATION]: boolean | null;
  [DISABLE_API_STOP]: boolean | null;
  [SECURITY_GROUPS]: string[];
}

export interface InstanceAfterState extends AfterStateEvidence {
  live: InstanceLive;
  remaining?: { attribute: string; live: unknown; target: unknown }[];
}

const FLAG_ATTRIBUTE = { [DISABLE_API_TERMINATION]: 'disableApiTermination', [DISABLE_API_STOP]: 'disableApiStop' } as const;

export class InstanceRemediation extends RemediationPort {
  constructor(
    private readonly clients: Ec2ClientProvider,
    private readonly clock: () => Date = () => new Date(),
  ) {
    super();
  }

  async revert(
    drift: DriftRecord,
    fence: Fence,
    differences?: readonly DriftDifference[],
  ): Promise<RevertResult & { afterState: InstanceAfterState }> {
    const { type, id, account, region } = drift.resource;
    if (type !== INSTANCE_TYPE)
      throw new PermanentError(
        `cannot revert ${drift.id}: the instance kind handles ${INSTANCE_TYPE}, not ${type}`,
        'instance_unsupported_resource',
      );
    if (!/^i-[0-9a-f]+$/.test(id))
      throw new PermanentError(`cannot revert ${drift.id}: ${JSON.stringify(id)} is not an instance id`, 'instance_invalid_id');
    const details: AttributeDetail[] = differences
      ? differences.map((d) => attributeDetail(d))
      : (drift.diff.attributes ?? []).map((a) => {
          const m = /^vpc_security_group_ids\[(.+)\]$/.exec(a.path);
          return m
            ? { attribute: SECURITY_GROUPS, member: m[1], live: a.live, desired: a.desired }
            : { attribute: a.path, live: a.live, desired: a.desired };
        });
    for (const d of details) {
      if (d.attribute === 'instance')
        throw new PermanentError(`${id} was terminated; driftwarden never recreates an instance`, 'instance_not_found');
      const stop = NEEDS_STOP[d.attribute];
      if (stop) throw new PermanentError(`cannot revert ${d.attribute} of ${id}: ${stop}; change it by hand`, 'instance_needs_stop');
    }
    const session = new InstanceSession(this.clients({ account, region }), id, this.clock);
    const flags = details.map((d) => d.attribute).filter((a): a is keyof typeof FLAG_ATTRIBUTE => a in FLAG_ATTRIBUTE);
    const before = await session.read(flags);

    // Targets: the code's value of each scalar; the group set with attachments undone and detachments redone.
    const targets = new Map<string, unknown>();
    let groups: string[] | null = null;
    for (const d of details) {
      if (d.attribute === SECURITY_GROUPS && d.member) {
        groups ??= [...before[SECURITY_GROUPS]];
        groups = d.desired === null ? groups.filter((g) => g !== d.member) : [...new Set([...groups, d.member])];
      } else targets.set(d.attribute, d.desired);
    }
    if (groups) {
      if (groups.length === 0)
        throw new PermanentError(
          `cannot revert the security groups of ${id}: the instance would be left in no group`,
          'instance_no_groups',
        );
      targets.set(SECURITY_GROUPS, groups.sort());
    }

    const meta: ModifyInstanceMetadataOptionsCommandInput = { InstanceId: id };
    if (targets.has(HTTP_TOKENS) && before[HTTP_TOKENS] !== targets.get(HTTP_TOKENS))
      meta.HttpTokens = targets.get(HTTP_TOKENS) as 'required' | 'optional';
    if (targets.has(HTTP_ENDPOINT) && before[HTTP_ENDPOINT] !== targets.get(HTTP_ENDPOINT))
      meta.HttpEndpoint = targets.get(HTTP_ENDPOINT) as 'enabled' | 'disabled';
    if (meta.HttpTokens || meta.HttpEndpoint) {
      await fence();
      await session.send('ModifyInstanceMetadataOptions', meta, () => new ModifyInstanceMetadataOptionsCommand(meta));
    }
    for (const flag of flags) {
      const value = targets.get(flag);
      if (typeof value !== 'boolean' || before[flag] === value) continue;
      const input = { InstanceId: id, [flag === DISABLE_API_TERMINATION ? 'DisableApiTermination' : 'DisableApiStop']: { Value: value } };
      await fence();
      await session.send('ModifyInstanceAttribute', input, () => new ModifyInstanceAttributeCommand(input));
    }
    if (groups && groups.join() !== [...before[SECURITY_GROUPS]].sort().join()) {
      const input = { InstanceId: id, Groups: groups };
      await fence();
      await session.send('ModifyInstanceAttribute', input, () => new ModifyInstanceAttributeCommand(input));
    }

    const after = await session.read(flags);
    const remaining = [...targets]
      .filter(
        ([attr, target]) =>
          JSON.stringify(attr === SECURITY_GROUPS ? [...after[SECURITY_GROUPS]].sort() : after[attr as keyof InstanceLive]) !==
          JSON.stringify(target),
      )
      .map(([attribute, target]) => ({ attribute, live: after[attribute as keyof InstanceLive] as unknown, target }));
    const afterState: InstanceAfterState = {
      at: this.clock().toISOString(),
      source: INSTANCE_AFTER_STATE_SOURCE,
      verified: remaining.length === 0,
      live: after,
      ...(remaining.length ? { remaining: JSON.parse(JSON.stringify(remaining)) as InstanceAfterState['remaining'] } : {}),
    };
    return { verified: remaining.length === 0, apiCalls: session.apiCalls, afterState };
  }
}

class InstanceSession {
  private readonly log: ApiCallLog<Operation>;

  constructor(
    private readonly client: EC2Client,
    private readonly id: string,
    clock: () => Date,
  ) {
    this.log = new ApiCallLog(
      'ec2',
      clock,
      ec2CallErrors((err, operation, apiCalls) =>
        mapEc2Error(
          err,
          { operation, resourceId: id, apiCalls },
          {
            'InvalidInstanceID.NotFound': {
              code: 'instance_not_found',
              explain: (i) => `instance ${i} does not exist (terminated?); driftwarden never recreates it`,
            },
            'InvalidInstanceID.Malformed': { code: 'instance_invalid_id', explain: (i) => `${i} is not an instance id` },
          },
        ),
      ),
    );
  }

  get apiCalls(): ApiCallRecord[] {
    return this.log.apiCalls;
  }

  async read(flags: readonly (keyof typeof FLAG_ATTRIBUTE)[]): Promise<InstanceLive> {
    const input = { InstanceIds: [this.id] };
    const out = await this.send<DescribeInstancesCommandOutput>('DescribeInstances', input, () => new DescribeInstancesCommand(input));
    const instance: Instance | undefined = out.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === this.id);
    if (!instance || instance.State?.Name === 'terminated') {
      throw new PermanentError(
        `instance ${this.id} was not returned by DescribeInstances (terminated?); driftwarden never recreates it`,
        'instance_not_found',
      );
    }
    const live: InstanceLive = {
      [HTTP_TOKENS]: instance.MetadataOptions?.HttpTokens ?? null,
      [HTTP_ENDPOINT]: instance.MetadataOptions?.HttpEndpoint ?? null,
      [DISABLE_API_TERMINATION]: null,
      [DISABLE_API_STOP]: null,
      [SECURITY_GROUPS]: (instance.SecurityGroups ?? []).map((g) => g.GroupId ?? '').filter(Boolean),
    };
    for (const flag of flags) {
      const attr = { InstanceId: this.id, Attribute: FLAG_ATTRIBUTE[flag] };
      const a = await this.send<DescribeInstanceAttributeCommandOutput>(
        'DescribeInstanceAttribute',
        attr,
        () => new DescribeInstanceAttributeCommand(attr),
      );
      live[flag] = (flag === DISABLE_API_TERMINATION ? a.DisableApiTermination?.Value : a.DisableApiStop?.Value) ?? null;
    }
    return live;
  }

  send<O extends { $metadata?: { requestId?: string } }>(operation: Operation, input: object, command: () => unknown): Promise<O> {
    return this.log.send(
      operation,
      input,
      async () => (await this.client.send(command() as never)) as O,
      () => ({ outcome: 'ok' }),
    );
  }
}
