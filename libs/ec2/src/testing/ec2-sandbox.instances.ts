/**
 * The EC2 sandbox's instances (kind `instance`): DescribeInstances, DescribeInstanceAttribute
 * (disableApiTermination, disableApiStop, instanceType, groupSet), ModifyInstanceMetadataOptions
 * and ModifyInstanceAttribute (DisableApiTermination, DisableApiStop, GroupId.N; InstanceType only
 * on a stopped instance, as EC2 refuses it on a running one), in the EC2 Query protocol. Kept apart
 * from the security groups (ec2-sandbox.server.ts hands these actions here).
 */
import { Ec2ApiError, ec2Errors } from './ec2-sandbox.errors';
import { leaf, set } from './ec2-xml';

export const INSTANCE_ACTIONS = [
  'DescribeInstances',
  'DescribeInstanceAttribute',
  'ModifyInstanceMetadataOptions',
  'ModifyInstanceAttribute',
] as const;
export type InstanceAction = (typeof INSTANCE_ACTIONS)[number];
export const INSTANCE_WRITE_ACTIONS: ReadonlySet<string> = new Set(['ModifyInstanceMetadataOptions', 'ModifyInstanceAttribute']);

export interface SandboxInstanceSpec {
  instanceId: string;
  instanceType: string;
  httpTokens: 'required' | 'optional';
  httpEndpoint: 'enabled' | 'disabled';
  disableApiTermination: boolean;
  disableApiStop: boolean;
  securityGroupIds: string[];
  tags: Record<string, string>;
  state?: 'running' | 'stopped';
}

export type SandboxInstanceChange = Partial<Omit<SandboxInstanceSpec, 'instanceId' | 'tags'>>;

/** After each change: the instance now, the call, its request parameters (CloudTrail's shape), who. */
export type InstanceChangeListener = (
  instance: SandboxInstanceSpec,
  action: string,
  requestParameters: Record<string, unknown>,
  principalArn: string | undefined,
) => void;

const ALLOWED: Record<InstanceAction, RegExp> = {
  DescribeInstances: /^(Action|Version|DryRun|InstanceId\.\d+|Filter\.\d+\.(Name|Value\.\d+)|MaxResults|NextToken)$/,
  DescribeInstanceAttribute: /^(Action|Version|DryRun|InstanceId|Attribute)$/,
  ModifyInstanceMetadataOptions:
    /^(Action|Version|DryRun|InstanceId|HttpTokens|HttpEndpoint|HttpPutResponseHopLimit|InstanceMetadataTags|HttpProtocolIpv6)$/,
  ModifyInstanceAttribute:
    /^(Action|Version|DryRun|InstanceId|DisableApiTermination\.Value|DisableApiStop\.Value|GroupId\.\d+|InstanceType\.Value)$/,
};

export class SandboxInstances {
  private readonly instances = new Map<string, SandboxInstanceSpec>();
  private readonly listeners = new Set<InstanceChangeListener>();
  private readonly failures: { action: InstanceAction; code: string; status: number }[] = [];
  readonly listenerErrors: unknown[] = [];

  /** The next call of `action` is answered with this EC2 error (e.g. RequestLimitExceeded, 503). */
  failNext(action: InstanceAction, failure: { code: string; status: number }): void {
    this.failures.push({ action, ...failure });
  }

  constructor(
    private readonly accountId: string,
    private readonly groupExists: (groupId: string) => boolean,
  ) {}

  handles(action: string): action is InstanceAction {
    return (INSTANCE_ACTIONS as readonly string[]).includes(action);
  }

  add(spec: SandboxInstanceSpec): void {
    this.instances.set(spec.instanceId, {
      state: 'running',
      ...spec,
      securityGroupIds: [...spec.securityGroupIds],
      tags: { ...spec.tags },
    });
  }

  get(id: string): SandboxInstanceSpec {
    const i = this.instances.get(id);
    if (!i) throw new Ec2ApiError('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
    return { ...i, securityGroupIds: [...i.securityGroupIds], tags: { ...i.tags } };
  }

  onChange(listener: InstanceChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Someone changes an instance by hand (reported as the call that would make it). */
  change(id: string, change: SandboxInstanceChange, principalArn?: string): void {
    const current = this.get(id);
    if (change.httpTokens !== undefined || change.httpEndpoint !== undefined) {
      this.apply(
        id,
        {
          ...(change.httpTokens ? { httpTokens: change.httpTokens } : {}),
          ...(change.httpEndpoint ? { httpEndpoint: change.httpEndpoint } : {}),
        },
        'ModifyInstanceMetadataOptions',
        {
          ModifyInstanceMetadataOptionsRequest: {
            InstanceId: id,
            ...(change.httpTokens ? { HttpTokens: change.httpTokens } : {}),
            ...(change.httpEndpoint ? { HttpEndpoint: change.httpEndpoint } : {}),
          },
        },
        principalArn,
      );
    }
    if (change.disableApiTermination !== undefined)
      this.apply(
        id,
        { disableApiTermination: change.disableApiTermination },
        'ModifyInstanceAttribute',
        { instanceId: id, disableApiTermination: { value: change.disableApiTermination } },
        principalArn,
      );
    if (change.disableApiStop !== undefined)
      this.apply(
        id,
        { disableApiStop: change.disableApiStop },
        'ModifyInstanceAttribute',
        { instanceId: id, disableApiStop: { value: change.disableApiStop } },
        principalArn,
      );
    if (change.securityGroupIds !== undefined)
      this.apply(
        id,
        { securityGroupIds: change.securityGroupIds },
        'ModifyInstanceAttribute',
        { instanceId: id, groupSet: { items: change.securityGroupIds.map((groupId) => ({ groupId })) } },
        principalArn,
      );
    if (change.instanceType !== undefined)
      this.apply(
        id,
        { instanceType: change.instanceType, state: current.state ?? 'running' },
        'ModifyInstanceAttribute',
        { instanceId: id, instanceType: { value: change.instanceType } },
        principalArn,
      );
  }

  dispatch(action: InstanceAction, params: ReadonlyMap<string, string>, principalArn: string | undefined): string {
    const injected = this.failures.findIndex((f) => f.action === action);
    if (injected >= 0) {
      const [f] = this.failures.splice(injected, 1);
      throw new Ec2ApiError(f.code, `injected ${f.code}`, f.status);
    }
    for (const key of params.keys()) if (!ALLOWED[action].test(key)) throw ec2Errors.unknownParameter(key);
    if (params.get('DryRun') === 'true') throw ec2Errors.dryRun();
    const instanceId = () => {
      const id = params.get('InstanceId');
      if (!id) throw ec2Errors.missingParameter('InstanceId');
      return this.get(id).instanceId;
    };
    switch (action) {
      case 'DescribeInstances': {
        const ids: string[] = [];
        for (let n = 1; params.has(`InstanceId.${n}`); n++) ids.push(params.get(`InstanceId.${n}`)!);
        // By InstanceId.N an unknown instance fails the call; by an instance-id filter it is simply absent (as EC2 does).
        for (const id of ids) this.get(id);
        const filtered: string[][] = [];
        for (let n = 1; params.has(`Filter.${n}.Name`); n++) {
          if (params.get(`Filter.${n}.Name`) !== 'instance-id')
            throw ec2Errors.unsupported(`the sandbox filters instances by instance-id only, not ${params.get(`Filter.${n}.Name`)}`);
          const values: string[] = [];
          for (let m = 1; params.has(`Filter.${n}.Value.${m}`); m++) values.push(params.get(`Filter.${n}.Value.${m}`)!);
          filtered.push(values);
        }
        const list = [...this.instances.values()].filter(
          (i) => (ids.length === 0 || ids.includes(i.instanceId)) && filtered.every((values) => values.includes(i.instanceId)),
        );
        return set(
          'reservationSet',
          list.map(
            (i) =>
              `${leaf('reservationId', `r-${i.instanceId.slice(2)}`)}${leaf('ownerId', this.accountId)}<groupSet/>${set('instancesSet', [this.instanceXml(i)])}`,
          ),
        );
      }
      case 'DescribeInstanceAttribute': {
        const i = this.get(instanceId());
        const attribute = params.get('Attribute');
        const value = (v: string | boolean) => `<${attribute}>${leaf('value', v)}</${attribute}>`;
        switch (attribute) {
          case 'disableApiTermination':
            return leaf('instanceId', i.instanceId) + value(i.disableApiTermination);
          case 'disableApiStop':
            return leaf('instanceId', i.instanceId) + value(i.disableApiStop);
          case 'instanceType':
            return leaf('instanceId', i.instanceId) + value(i.instanceType);
          case 'groupSet':
            return (
              leaf('instanceId', i.instanceId) +
              set(
                'groupSet',
                i.securityGroupIds.map((g) => leaf('groupId', g)),
              )
            );
          default:
            throw ec2Errors.invalidParameterValue(`Value (${attribute ?? ''}) for parameter attribute is invalid. Unknown attribute.`);
        }
      }
      case 'ModifyInstanceMetadataOptions': {
        const id = instanceId();
        const tokens = params.get('HttpTokens');
        const endpoint = params.get('HttpEndpoint');
        if (tokens !== undefined && tokens !== 'required' && tokens !== 'optional')
          throw ec2Errors.invalidParameterValue(`Invalid value '${tokens}' for HttpTokens`);
        if (endpoint !== undefined && endpoint !== 'enabled' && endpoint !== 'disabled')
          throw ec2Errors.invalidParameterValue(`Invalid value '${endpoint}' for HttpEndpoint`);
        const change: SandboxInstanceChange = {
          ...(tokens ? { httpTokens: tokens } : {}),
          ...(endpoint ? { httpEndpoint: endpoint } : {}),
        };
        this.apply(
          id,
          change,
          action,
          {
            ModifyInstanceMetadataOptionsRequest: {
              InstanceId: id,
              ...(tokens ? { HttpTokens: tokens } : {}),
              ...(endpoint ? { HttpEndpoint: endpoint } : {}),
            },
          },
          principalArn,
        );
        const i = this.get(id);
        return (
          leaf('instanceId', id) +
          `<instanceMetadataOptions>${leaf('state', 'pending')}${leaf('httpTokens', i.httpTokens)}${leaf('httpEndpoint', i.httpEndpoint)}${leaf('httpPutResponseHopLimit', 1)}</instanceMetadataOptions>`
        );
      }
      case 'ModifyInstanceAttribute': {
        const id = instanceId();
        const groups: string[] = [];
        for (let n = 1; params.has(`GroupId.${n}`); n++) groups.push(params.get(`GroupId.${n}`)!);
        const asked =
          ['DisableApiTermination.Value', 'DisableApiStop.Value', 'InstanceType.Value'].filter((k) => params.has(k)).length +
          (groups.length ? 1 : 0);
        if (asked !== 1)
          throw ec2Errors.invalidParameterCombination('Exactly one attribute must be specified per ModifyInstanceAttribute call');
        const flag = (k: string) => {
          const v = params.get(k);
          if (v !== 'true' && v !== 'false') throw ec2Errors.invalidParameterValue(`Invalid value '${v ?? ''}' for ${k}`);
          return v === 'true';
        };
        if (params.has('DisableApiTermination.Value')) {
          const value = flag('DisableApiTermination.Value');
          this.apply(id, { disableApiTermination: value }, action, { instanceId: id, disableApiTermination: { value } }, principalArn);
        } else if (params.has('DisableApiStop.Value')) {
          const value = flag('DisableApiStop.Value');
          this.apply(id, { disableApiStop: value }, action, { instanceId: id, disableApiStop: { value } }, principalArn);
        } else if (groups.length) {
          for (const g of groups)
            if (!this.groupExists(g)) throw new Ec2ApiError('InvalidGroup.NotFound', `The security group '${g}' does not exist`);
          this.apply(
            id,
            { securityGroupIds: groups },
            action,
            { instanceId: id, groupSet: { items: groups.map((groupId) => ({ groupId })) } },
            principalArn,
          );
        } else {
          if (this.get(id).state !== 'stopped')
            throw new Ec2ApiError('IncorrectInstanceState', `The instance '${id}' is not in the 'stopped' state.`);
          const value = params.get('InstanceType.Value')!;
          this.apply(id, { instanceType: value }, action, { instanceId: id, instanceType: { value } }, principalArn);
        }
        return leaf('return', true);
      }
    }
  }

  private apply(
    id: string,
    change: SandboxInstanceChange,
    action: string,
    requestParameters: Record<string, unknown>,
    principalArn: string | undefined,
  ): void {
    const i = this.instances.get(id);
    if (!i) throw new Ec2ApiError('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
    Object.assign(i, change);
    for (const l of [...this.listeners]) {
      try {
        l(this.get(id), action, requestParameters, principalArn);
      } catch (err) {
        this.listenerErrors.push(err);
      }
    }
  }

  private instanceXml(i: SandboxInstanceSpec): string {
    const state = i.state ?? 'running';
    return (
      leaf('instanceId', i.instanceId) +
      leaf('imageId', 'ami-0123456789abcdef0') +
      `<instanceState>${leaf('code', state === 'running' ? 16 : 80)}${leaf('name', state)}</instanceState>` +
      leaf('instanceType', i.instanceType) +
      set(
        'groupSet',
        i.securityGroupIds.map((g) => leaf('groupId', g) + leaf('groupName', g)),
      ) +
      `<metadataOptions>${leaf('state', 'applied')}${leaf('httpTokens', i.httpTokens)}${leaf('httpPutResponseHopLimit', 1)}${leaf('httpEndpoint', i.httpEndpoint)}</metadataOptions>` +
      set(
        'tagSet',
        Object.entries(i.tags).map(([k, v]) => leaf('key', k) + leaf('value', v)),
      )
    );
  }
}
