/**
 * In-memory ConfigItemFetcher for tests of code that completes oversized items. Behaves like the
 * adapter: unchanged events when nothing is to be fetched, PermanentError for an unknown item,
 * and scripted failures (TransientError for throttling, …) in the order given.
 */
import { type ConfigItemEvent, PermanentError, type TransientError } from '@driftwarden/domain';
import { ConfigItemFetcher, needsCompletion } from '../config-service/config-item-fetcher.port';

interface StoredItem {
  configuration: Record<string, unknown>;
  tags: Record<string, string>;
}

function key(type: string, id: string, order: number): string {
  return `${type}|${id}|${order}`;
}

export class FakeConfigItemFetcher extends ConfigItemFetcher {
  private readonly items = new Map<string, StoredItem>();
  private readonly failures: Array<TransientError | PermanentError> = [];
  /** Every event passed to `complete`, in order. */
  readonly calls: ConfigItemEvent[] = [];

  /** Stores the full item for a resource at one `order` (configurationStateId, else capture ms). */
  put(resource: { type: string; id: string }, order: number, item: StoredItem): this {
    this.items.set(key(resource.type, resource.id, order), item);
    return this;
  }

  /** The next call (that needs a fetch) rejects with `error`. */
  failNext(error: TransientError | PermanentError): this {
    this.failures.push(error);
    return this;
  }

  async complete(event: ConfigItemEvent): Promise<ConfigItemEvent> {
    this.calls.push(event);
    if (!needsCompletion(event)) return event;
    const failure = this.failures.shift();
    if (failure) throw failure;
    const item = this.items.get(key(event.resource.type, event.resource.id, event.order));
    if (!item) {
      throw new PermanentError(
        `no stored item for ${event.resource.type} ${event.resource.id} at order ${event.order}`,
        'config_item_not_found',
      );
    }
    return { ...event, configuration: item.configuration, tags: item.tags };
  }
}
