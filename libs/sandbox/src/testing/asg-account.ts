import { AutoScalingSandbox, type CapacityChange, type SandboxAutoScalingGroup } from './autoscaling-sandbox.server';
import type { EventSink } from './sandbox-world';
import { kindCloudTrailEvent, kindConfigItemEvent } from './api-call-events';

/**
 * The sandbox account's Auto Scaling groups: the Auto Scaling sandbox over HTTP (the real `asg`
 * executor reaches it through AWS_ENDPOINT_URL_AUTO_SCALING), and for every change the CloudTrail
 * call and the Config item AWS would deliver (Config names the group by its ARN), sent to a sink.
 */
export class AsgSandboxAccount {
  private seq = 0;
  private readonly pending = new Set<Promise<void>>();
  readonly delivered: Record<string, unknown>[] = [];

  private constructor(
    readonly autoscaling: AutoScalingSandbox,
    private sink: EventSink | null,
  ) {}

  static async start(
    opts: { account?: string; region?: string; sink?: EventSink; controllerPrincipal?: string } = {},
  ): Promise<AsgSandboxAccount> {
    const account = opts.account ?? '111122223333';
    const accessKey = process.env['AWS_ACCESS_KEY_ID'] ?? 'AKIDSANDBOX';
    const autoscaling = await AutoScalingSandbox.start({
      accountId: account,
      region: opts.region ?? 'eu-west-1',
      principals: { [accessKey]: opts.controllerPrincipal ?? `arn:aws:sts::${account}:assumed-role/driftwarden/controller` },
    });
    const world = new AsgSandboxAccount(autoscaling, opts.sink ?? null);
    autoscaling.onChange((group, action, set, principalArn) => {
      const p = world.emit(group, action, set, principalArn).finally(() => world.pending.delete(p));
      world.pending.add(p);
    });
    return world;
  }

  get url(): string {
    return this.autoscaling.url;
  }

  setSink(sink: EventSink): void {
    this.sink = sink;
  }

  addGroup(group: SandboxAutoScalingGroup): string {
    this.autoscaling.addGroup(group);
    return this.autoscaling.arn(group.name);
  }

  /** Someone scales a group by hand (UpdateAutoScalingGroup as `principalArn`). */
  async scale(name: string, change: CapacityChange, principalArn: string): Promise<void> {
    this.autoscaling.setCapacity(name, change, principalArn);
    await this.settled();
  }

  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private async emit(group: SandboxAutoScalingGroup, action: string, set: CapacityChange, principalArn: string | undefined): Promise<void> {
    if (!this.sink) return;
    const sb = this.autoscaling;
    const at = new Date();
    const events: Record<string, unknown>[] = [];
    if (principalArn) {
      const requestParameters: Record<string, unknown> = { autoScalingGroupName: group.name, ...set };
      events.push(
        kindCloudTrailEvent(
          { account: sb.accountId, region: sb.region, service: 'autoscaling', eventName: action, requestParameters, principalArn },
          new Date(at.getTime() - 500),
        ),
      );
    }
    const arn = sb.arn(group.name);
    events.push(
      kindConfigItemEvent(
        {
          account: sb.accountId,
          region: sb.region,
          resourceType: 'AWS::AutoScaling::AutoScalingGroup',
          resourceId: arn,
          resourceName: group.name,
          arn,
          tags: group.tags,
          configuration: {
            autoScalingGroupName: group.name,
            autoScalingGroupARN: arn,
            minSize: group.minSize,
            maxSize: group.maxSize,
            desiredCapacity: group.desiredCapacity,
            defaultCooldown: 300,
            availabilityZones: [`${sb.region}a`],
            healthCheckType: 'EC2',
            instances: [],
            tags: Object.entries(group.tags).map(([key, value]) => ({
              key,
              value,
              resourceId: group.name,
              resourceType: 'auto-scaling-group',
              propagateAtLaunch: true,
            })),
          },
        },
        at,
        at.getTime() * 10 + (this.seq++ % 10),
      ),
    );
    this.delivered.push(...events);
    await this.sink(events);
  }

  async close(): Promise<void> {
    await this.settled();
    await this.autoscaling.close();
  }
}
