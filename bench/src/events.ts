import { configItemEvent } from '@driftwarden/sandbox/testing';

const SSH_WORLD = {
  direction: 'ingress' as const,
  protocol: 'tcp',
  fromPort: 22,
  toPort: 22,
  peer: { kind: 'ipv4' as const, cidr: '0.0.0.0/0' },
};

/** A Config `ConfigurationItemChangeNotification` for a security group that opened tcp/22 to 0.0.0.0/0. */
export function sgEvent(groupId: string, stateId: number): Record<string, unknown> {
  return configItemEvent(
    { groupId, groupName: groupId, vpcId: 'vpc-0123456789abcdef0', account: '111122223333', region: 'eu-west-1', tags: {} },
    [SSH_WORLD],
    new Date(stateId),
    stateId,
  );
}
