import { configItemEvent, type ConfigItemOptions } from '@driftwarden/sandbox/testing';
import type { PermissionRule } from '@driftwarden/kinds/security-group';

/** Builders for realistic AWS Config EventBridge events (CONTRACTS §A), on the sandbox's builder. */
export interface SgEventOptions extends ConfigItemOptions {
  groupId: string;
  /** configurationStateId; also the capture time (ms). */
  stateId: number;
  /** `proto/port/cidr` ingress rules live on the group after the change. */
  rules?: string[];
  account?: string;
  region?: string;
  tags?: Record<string, string>;
}

function rule(s: string): PermissionRule {
  const [protocol, port, ...cidr] = s.split('/');
  return { direction: 'ingress', protocol, fromPort: Number(port), toPort: Number(port), peer: { kind: 'ipv4', cidr: cidr.join('/') } };
}

export function sgEvent(o: SgEventOptions): Record<string, unknown> {
  return configItemEvent(
    {
      groupId: o.groupId,
      groupName: o.groupId,
      vpcId: 'vpc-0123456789abcdef0',
      account: o.account ?? '111122223333',
      region: o.region ?? 'eu-west-1',
      tags: o.tags ?? {},
    },
    (o.rules ?? []).map(rule),
    new Date(o.stateId),
    o.stateId,
    { ...(o.status ? { status: o.status } : {}), ...(o.resourceType ? { resourceType: o.resourceType } : {}) },
  );
}
