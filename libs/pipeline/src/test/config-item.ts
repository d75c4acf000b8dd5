import type { ConfigItemEvent, JsonObject } from '@driftwarden/domain';

/**
 * A normalised Config item of security group `group` (account 111122223333, eu-west-1) whose
 * order and capture time are `order`, for the ledger and store tests; `eventId` defaults to
 * `ci-<order>`.
 */
export function sgConfigItem(
  group: string,
  order: number,
  opts: { eventId?: string; configuration?: JsonObject; receivedAt?: string } = {},
): ConfigItemEvent {
  return {
    kind: 'config_item',
    eventId: opts.eventId ?? `ci-${order}`,
    resource: { type: 'AWS::EC2::SecurityGroup', id: group, account: '111122223333', region: 'eu-west-1' },
    captureTime: new Date(order).toISOString(),
    order,
    status: 'OK',
    changeType: 'UPDATE',
    tags: {},
    configuration: opts.configuration ?? {},
    changedProperties: [],
    delivery: {
      transport: 'http',
      shape: 'eventbridge',
      receivedAt: opts.receivedAt ?? new Date().toISOString(),
    } as ConfigItemEvent['delivery'],
  };
}
