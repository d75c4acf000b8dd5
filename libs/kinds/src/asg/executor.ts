/**
 * RemediationPort over the Auto Scaling API (DESIGN §5, kind `asg`): sets a group's min_size,
 * max_size and desired_capacity back to the code's values and verifies them.
 *
 * 1. `DescribeAutoScalingGroups` (the group must exist: a deleted group is a permanent failure, it
 *    is never recreated): the live capacity.
 * 2. The target: live, with each difference decided `revert` set to its desired value. A target
 *    Auto Scaling would refuse (min ≤ desired ≤ max broken) fails for good before any write.
 * 3. One `UpdateAutoScalingGroup` with only the attributes that still differ, preceded
 *    immediately by `await fence()` (DESIGN §1 rule 4). Nothing differs: no write (idempotent: a
 *    retry after a write that was carried out converges without another call).
 * 4. `DescribeAutoScalingGroups` again: `verified` when every reverted attribute has its target.
 *
 * The executor can only send these two commands: it never creates, deletes or suspends anything.
 */
import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  UpdateAutoScalingGroupCommand,
  type AutoScalingClientConfig,
  type UpdateAutoScalingGroupCommandInput,
} from '@aws-sdk/client-auto-scaling';
import { PermanentError, type AfterStateEvidence, type ApiCallRecord, type DriftDifference, type DriftRecord } from '@driftwarden/domain';
import { Ec2PermanentError, Ec2TransientError, ec2ErrorCode, ec2ErrorMessage, type CredentialsFor } from '@driftwarden/ec2';
import { classifyAwsError } from '@driftwarden/aws';
import { RemediationPort, type Fence, type RevertResult } from '@driftwarden/pipeline';
import { ApiCallLog, ec2CallErrors } from '../api-call-log';
import { attributeDetail } from '../attributes/attribute-differences';
import {
  ASG_TYPE,
  CAPACITY_ATTRIBUTES,
  CAPACITY_NAMES,
  groupNameOf,
  isCapacityAttribute,
  type Capacity,
  type CapacityAttribute,
} from './model';

/** Everything the executor may call (infra/ grants exactly `autoscaling:` these). */
export const ASG_REMEDIATION_OPERATIONS = ['DescribeAutoScalingGroups', 'UpdateAutoScalingGroup'] as const;
export type AsgOperation = (typeof ASG_REMEDIATION_OPERATIONS)[number];
export const ASG_AFTER_STATE_SOURCE = 'autoscaling:DescribeAutoScalingGroups';

export type AutoScalingClientProvider = (location: { account: string; region: string }) => Pick<AutoScalingClient, 'send'>;

/**
 * One Auto Scaling client per region (per account and region with `credentialsFor`). The endpoint
 * comes from the SDK (it honours AWS_ENDPOINT_URL_AUTO_SCALING, as the sandbox uses) unless given.
 */
export function createAutoScalingClientProvider(opts: {
  requestTimeoutMs: number;
  credentialsFor?: CredentialsFor;
  endpoint?: string;
  credentials?: AutoScalingClientConfig['credentials'];
  maxAttempts?: number;
}): AutoScalingClientProvider {
  const clients = new Map<string, AutoScalingClient>();
  return ({ account, region }) => {
    const key = opts.credentialsFor ? `${account}/${region}` : region;
    let client = clients.get(key);
    if (!client) {
      const credentials = opts.credentialsFor ? opts.credentialsFor({ account, region }) : opts.credentials;
      client = new AutoScalingClient({
        region,
        maxAttempts: opts.maxAttempts ?? 3,
        requestHandler: { requestTimeout: opts.requestTimeoutMs, throwOnRequestTimeout: true, connectionTimeout: 3_000 },
        ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
        ...(credentials ? { credentials } : {}),
      });
      clients.set(key, client);
    }
    return client;
  };
}

export interface AsgAfterState extends AfterStateEvidence {
  capacity: Capacity;
  /** What still differs from the target after the revert (absent when verified). */
  remaining?: { attribute: CapacityAttribute; live: number | null; target: number }[];
}

const PERMANENT_CODES: Readonly<Record<string, { code: string; explain: string }>> = {
  AccessDenied: {
    code: 'autoscaling_unauthorized',
    explain: "the controller's role may not call this Auto Scaling action (grant it in the controller IAM policy, see infra/)",
  },
  ValidationError: { code: 'autoscaling_invalid_request', explain: 'Auto Scaling refused the request as invalid' },
};
const TRANSIENT = new Set(['throttled', 'timeout', 'network', 'server_error', 'expired_credentials', 'aborted', 'unknown']);

export class AsgRemediation extends RemediationPort {
  constructor(
    private readonly clients: AutoScalingClientProvider,
    private readonly clock: () => Date = () => new Date(),
  ) {
    super();
  }

  async revert(
    drift: DriftRecord,
    fence: Fence,
    differences?: readonly DriftDifference[],
  ): Promise<RevertResult & { afterState: AsgAfterState }> {
    const { type, id, account, region } = drift.resource;
    if (type !== ASG_TYPE)
      throw new PermanentError(`cannot revert ${drift.id}: the asg kind handles ${ASG_TYPE}, not ${type}`, 'asg_unsupported_resource');
    const name = groupNameOf(id);
    const targets = targetsOf(drift, differences);
    const session = new AsgSession(this.clients({ account, region }), name, this.clock);

    const before = await session.describe();
    const wanted: Capacity = { ...before };
    for (const [attr, value] of targets) wanted[attr] = value;
    const min = wanted.min_size ?? 0;
    const max = wanted.max_size ?? Number.MAX_SAFE_INTEGER;
    const desired = wanted.desired_capacity ?? min;
    if (min > max || desired < min || desired > max) {
      throw new PermanentError(
        `cannot revert ${name}: the result would be min_size ${wanted.min_size}, max_size ${wanted.max_size}, desired_capacity ${wanted.desired_capacity}, which Auto Scaling refuses (min ≤ desired ≤ max); a human must decide the other attributes too`,
        'asg_invalid_capacity',
      );
    }
    const update: UpdateAutoScalingGroupCommandInput = { AutoScalingGroupName: name };
    for (const [attr, value] of targets) if (before[attr] !== value) update[CAPACITY_NAMES[attr].sdk] = value;
    if (Object.keys(update).length > 1) {
      await fence();
      await session.update(update);
    }
    const after = await session.describe();
    const remaining = [...targets]
      .filter(([attr, value]) => after[attr] !== value)
      .map(([attribute, target]) => ({ attribute, live: after[attribute], target }));
    const afterState: AsgAfterState = {
      at: this.clock().toISOString(),
      source: ASG_AFTER_STATE_SOURCE,
      verified: remaining.length === 0,
      capacity: after,
      ...(remaining.length ? { remaining } : {}),
    };
    return { verified: remaining.length === 0, apiCalls: session.apiCalls, afterState };
  }
}

/** The attributes to set and their code values: the differences decided revert (or the record's whole diff). */
function targetsOf(drift: DriftRecord, differences?: readonly DriftDifference[]): Map<CapacityAttribute, number> {
  const details = differences
    ? differences.map((d) => attributeDetail(d))
    : (drift.diff.attributes ?? []).map((a) => ({ attribute: a.path, live: a.live, desired: a.desired }));
  const targets = new Map<CapacityAttribute, number>();
  for (const d of details) {
    if (d.attribute === 'group')
      throw new PermanentError(
        `${drift.resource.id} was deleted; driftwarden never recreates an Auto Scaling group`,
        'asg_group_not_found',
      );
    if (!isCapacityAttribute(d.attribute) || typeof d.desired !== 'number') {
      throw new PermanentError(
        `cannot revert ${drift.id}: ${JSON.stringify(d.attribute)} = ${JSON.stringify(d.desired)} is not a capacity attribute with a number`,
        'asg_invalid_difference',
      );
    }
    targets.set(d.attribute, d.desired);
  }
  return targets;
}

class AsgSession {
  private readonly log: ApiCallLog<AsgOperation>;

  constructor(
    private readonly client: Pick<AutoScalingClient, 'send'>,
    private readonly name: string,
    clock: () => Date,
  ) {
    this.log = new ApiCallLog(
      'autoscaling',
      clock,
      ec2CallErrors((err, operation, apiCalls) => mapAutoScalingError(err, operation, name, apiCalls)),
    );
  }

  get apiCalls(): ApiCallRecord[] {
    return this.log.apiCalls;
  }

  async describe(): Promise<Capacity> {
    const input = { AutoScalingGroupNames: [this.name] };
    const out = await this.log.send(
      'DescribeAutoScalingGroups',
      input,
      () => this.client.send(new DescribeAutoScalingGroupsCommand(input)),
      (o) => ({
        groups: o.AutoScalingGroups?.length ?? 0,
      }),
    );
    const group = out.AutoScalingGroups?.find((g) => g.AutoScalingGroupName === this.name);
    if (!group) {
      throw new PermanentError(
        `Auto Scaling group ${this.name} was not returned by DescribeAutoScalingGroups (deleted?); driftwarden never recreates it`,
        'asg_group_not_found',
      );
    }
    const capacity = {} as Capacity;
    for (const attr of CAPACITY_ATTRIBUTES) capacity[attr] = group[CAPACITY_NAMES[attr].sdk] ?? null;
    return capacity;
  }

  async update(input: UpdateAutoScalingGroupCommandInput): Promise<void> {
    await this.log.send(
      'UpdateAutoScalingGroup',
      input,
      () => this.client.send(new UpdateAutoScalingGroupCommand(input)),
      () => ({ outcome: 'updated' }),
    );
  }
}

/** Auto Scaling failures → TransientError (throttling, 5xx, timeouts, network) or PermanentError (access, validation). */
export function mapAutoScalingError(
  err: unknown,
  operation: string,
  name: string,
  apiCalls: readonly ApiCallRecord[],
): Ec2TransientError | Ec2PermanentError {
  const awsCode = ec2ErrorCode(err);
  const detail = `${awsCode ?? 'error'}: ${ec2ErrorMessage(err)}`;
  const ctx = { operation, resourceId: name, apiCalls, cause: err, awsCode };
  const known = awsCode !== undefined ? PERMANENT_CODES[awsCode] : undefined;
  if (known) return new Ec2PermanentError(`autoscaling ${operation} on ${name} failed: ${known.explain} (${detail})`, known.code, ctx);
  const kind = classifyAwsError(err);
  const message = `autoscaling ${operation} on ${name} failed (${kind.replace(/_/g, ' ')}): ${detail}`;
  return TRANSIENT.has(kind)
    ? new Ec2TransientError(message, `autoscaling_${kind}`, ctx)
    : new Ec2PermanentError(message, `autoscaling_${kind}`, ctx);
}
