import type { ConfigItemEvent, JsonObject, ResourceRef } from '@driftwarden/domain';

/**
 * A normalised Config item of `resource` whose order and capture time are `order`, for the ledger
 * and store tests (they are the same for every kind); `eventId` defaults to `ci-<order>`.
 */
export function configItemOf(
  resource: Pick<ResourceRef, 'type' | 'id' | 'account' | 'region'>,
  order: number,
  opts: { eventId?: string; configuration?: JsonObject; receivedAt?: string } = {},
): ConfigItemEvent {
  return {
    kind: 'config_item',
    eventId: opts.eventId ?? `ci-${order}`,
    resource: { type: resource.type, id: resource.id, account: resource.account, region: resource.region },
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
