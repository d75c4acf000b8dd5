import type { DriftwardenConfig } from '@driftwarden/config';
import type { FreezeSourceSnapshot } from '@driftwarden/domain';
import { freezeAt, scopeMatchesQuery, type FreezeState } from '@driftwarden/freeze';
import { freezeSettings } from '../core/settings';

export type ApiFreezeSource = Omit<FreezeSourceSnapshot, 'scope'> & { scope: NonNullable<FreezeSourceSnapshot['scope']> | null };

/** A source as the API shows it: `scope` always present, null for an unscoped source (it covers everything). */
export function withScope(s: FreezeSourceSnapshot): ApiFreezeSource {
  return { ...s, scope: s.scope ?? null };
}

export interface FreezeViewBody {
  frozen: boolean;
  sources: ApiFreezeSource[];
  providers: Record<string, { ok: boolean; fetchedAt: string | null; error?: string }>;
  overrides: FreezeState['overrides'];
}

/**
 * The body of `GET /v1/freeze` (and of each `freeze` event of `GET /v1/freeze/stream`): the
 * effective freeze for `query` (account and region, both optional) with every active source,
 * provider freshness and the active overrides.
 */
export function freezeView(
  state: FreezeState,
  config: DriftwardenConfig,
  now: Date,
  query: { account?: string; region?: string } = {},
): FreezeViewBody {
  const settings = freezeSettings(config);
  const effective = freezeAt(state, settings, scopeMatchesQuery(query), now, { now: true });
  const providers: FreezeViewBody['providers'] = {};
  for (const p of settings.providers) {
    const snap = state.providers.find((s) => s.provider === p);
    providers[p] = {
      ok: Boolean(snap?.ok),
      fetchedAt: snap?.fetchedAt ?? null,
      ...(snap?.error ? { error: snap.error } : !snap ? { error: 'no data yet' } : {}),
    };
  }
  const overrides = state.overrides.filter((o) => Date.parse(o.until) > now.getTime());
  // DESIGN §7: every source carries `scope`; null when it covers everything.
  return { frozen: effective.frozen, sources: effective.sources.map(withScope), providers, overrides };
}
