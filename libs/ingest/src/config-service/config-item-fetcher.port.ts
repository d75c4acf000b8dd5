import type { ConfigItemEvent } from '@driftwarden/domain';

/**
 * Completes oversized configuration items (CONTRACTS §A6): an
 * `OversizedConfigurationItemChangeNotification` carries no `configuration`, so it has to be
 * fetched before the item can be evaluated.
 *
 * The abstract class is both the type and the Nest injection token.
 */
export abstract class ConfigItemFetcher {
  /**
   * Returns the event with `configuration` and `tags` filled in. Events that need nothing
   * (see {@link needsCompletion}) come back unchanged, so calling it twice is harmless.
   * Rejects with a `TransientError` (retry later) or a `PermanentError` (record and stop).
   */
  abstract complete(event: ConfigItemEvent, options?: { signal?: AbortSignal }): Promise<ConfigItemEvent>;
}

/** True for an oversized item whose configuration has not been fetched yet and that has one to fetch. */
export function needsCompletion(event: ConfigItemEvent): boolean {
  return event.oversized !== undefined && event.configuration === null && (event.status === 'OK' || event.status === 'ResourceDiscovered');
}
