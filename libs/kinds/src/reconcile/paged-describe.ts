/**
 * The loop the sweep's EC2 and Auto Scaling readers share: one filtered describe call, paged
 * with a NextToken, each page paced by the sweep's rate limit, with a bound on pages and a check
 * that the server does not repeat a token.
 */
import { TransientError } from '@driftwarden/domain';
import type { Pace } from '@driftwarden/pipeline';

/** Safety bound on pages per batch (a batch of at most a few hundred resources is one page normally). */
export const MAX_PAGES = 20;

export async function pagedDescribe<O>(
  operation: string,
  what: string,
  call: (nextToken: string | undefined) => Promise<O>,
  onPage: (output: O) => string | undefined,
  pace?: Pace,
): Promise<void> {
  const seen = new Set<string>();
  let nextToken: string | undefined;
  for (let page = 0; ; page++) {
    if (page >= MAX_PAGES)
      throw new TransientError(`${operation} for ${what} did not finish within ${MAX_PAGES} pages`, 'reconcile_pagination_exceeded');
    await pace?.();
    nextToken = onPage(await call(nextToken)) || undefined;
    if (nextToken === undefined) return;
    if (seen.has(nextToken)) throw new TransientError(`${operation} repeated a NextToken`, 'reconcile_pagination_loop');
    seen.add(nextToken);
  }
}

/** `{key, value}` tags as Config writes them, from the SDK's `{Key, Value}`. */
export function tagsOf(tags: readonly { Key?: string; Value?: string }[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  return out;
}

export const configTags = (tags: Record<string, string>) => Object.entries(tags).map(([key, value]) => ({ key, value }));

/** Refuses a batch larger than the reader's API takes. */
export function checkBatch(ids: readonly string[], max: number, what: string): void {
  if (ids.length > max) throw new Error(`at most ${max} ${what} per batch, got ${ids.length}`);
}
