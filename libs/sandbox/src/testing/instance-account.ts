import type { Ec2Sandbox, SandboxInstanceSpec } from '@driftwarden/ec2/testing';
import type { EventSink } from './sandbox-world';
import { kindCloudTrailEvent, kindConfigItemEvent } from './api-call-events';

/**
 * The sandbox account's EC2 instances, on an EC2 sandbox (the real `instance` executor reaches it
 * through AWS_ENDPOINT_URL_EC2): for every change, the CloudTrail call and the Config item AWS
 * would deliver. The item has what Config records of an instance (metadata options, security
 * groups, instance type), not its termination or stop protection, which Config does not record.
 */
export class InstanceEvents {
  private seq = 0;
  private readonly pending = new Set<Promise<void>>();
  private sink: EventSink | null = null;
  private readonly unsubscribe: () => void;

  constructor(
    readonly ec2: Ec2Sandbox,
    private readonly region: string,
  ) {
    this.unsubscribe = ec2.instances.onChange((instance, action, requestParameters, principalArn) => {
      const p = this.emit(instance, action, requestParameters, principalArn).finally(() => this.pending.delete(p));
      this.pending.add(p);
    });
  }

  setSink(sink: EventSink): void {
    this.sink = sink;
  }

  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  close(): void {
    this.unsubscribe();
  }

  private async emit(
    i: SandboxInstanceSpec,
    action: string,
    requestParameters: Record<string, unknown>,
    principalArn: string | undefined,
  ): Promise<void> {
    if (!this.sink) return;
    const account = this.ec2.accountId;
    const at = new Date();
    const events: Record<string, unknown>[] = [];
    if (principalArn)
      events.push(
        kindCloudTrailEvent(
          { account, region: this.region, service: 'ec2', eventName: action, requestParameters, principalArn },
          new Date(at.getTime() - 500),
        ),
      );
    const arn = `arn:aws:ec2:${this.region}:${account}:instance/${i.instanceId}`;
    events.push(
      kindConfigItemEvent(
        {
          account,
          region: this.region,
          resourceType: 'AWS::EC2::Instance',
          resourceId: i.instanceId,
          arn,
          tags: i.tags,
          configuration: {
            instanceId: i.instanceId,
            instanceType: i.instanceType,
            imageId: 'ami-0123456789abcdef0',
            state: { code: 16, name: i.state ?? 'running' },
            metadataOptions: { state: 'applied', httpTokens: i.httpTokens, httpEndpoint: i.httpEndpoint, httpPutResponseHopLimit: 1 },
            securityGroups: i.securityGroupIds.map((groupId) => ({ groupId, groupName: groupId })),
            tags: Object.entries(i.tags).map(([key, value]) => ({ key, value })),
          },
        },
        at,
        at.getTime() * 10 + (this.seq++ % 10),
      ),
    );
    await this.sink(events);
  }
}
