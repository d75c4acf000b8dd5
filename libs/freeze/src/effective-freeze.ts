import { CronExpressionParser } from 'cron-parser';
import {
  scopeCovers as coversTarget,
  type FreezeEvidence,
  type FreezeSourceSnapshot,
  type Scope,
  type ScopeTarget,
} from '@driftwarden/domain';
import {
  stalenessLimitMs,
  type EffectiveFreeze,
  type FreezeSettings,
  type FreezeState,
  type FreezeWindow,
  type IncidentRecord,
} from './freeze.types';

/**
 * The effective freeze, computed purely from the recorded state (DESIGN §3): the union of
 * active sources that cover the target. Fail closed: a configured provider without fresh,
 * successful data is an `unknown` source, which freezes.
 */
export function freezeAt(
  state: FreezeState,
  settings: FreezeSettings,
  target: ScopeTarget | ((scope: Scope | undefined) => boolean),
  at: Date,
  opts: { now: boolean },
): EffectiveFreeze {
  const t = at.getTime();
  const scopeCovers = typeof target === 'function' ? target : (scope: Scope | undefined) => coversTarget(scope, target);
  const sources: FreezeSourceSnapshot[] = [];

  for (const m of state.manual) {
    const end = Math.min(Date.parse(m.until), m.liftedAt ? Date.parse(m.liftedAt) : Infinity);
    if (Date.parse(m.since) <= t && t < end && scopeCovers(m.scope)) {
      sources.push({
        id: m.id,
        type: 'manual',
        reason: m.reason,
        ...(m.scope ? { scope: m.scope } : {}),
        since: m.since,
        until: m.until,
        actor: m.actor,
      });
    }
  }

  for (const w of settings.windows) {
    const active = activeWindow(w, at);
    if (active && scopeCovers(w.scope)) {
      sources.push({
        id: `win_${w.name}_${active.start.getTime().toString(36)}`,
        type: 'window',
        reason: `change window ${w.name} (${w.schedule} ${w.timeZone})`,
        ...(w.scope ? { scope: w.scope } : {}),
        since: active.start.toISOString(),
        until: active.end.toISOString(),
        actor: 'config:freezeWindows',
      });
    }
  }

  const overridden = opts.now ? activeOverride(state, scopeCovers, t) : null;
  for (const inc of state.incidents) {
    if (!scopeCovers(inc.scope)) continue;
    const created = Date.parse(inc.createdAt);
    const resolved = inc.resolvedAt ? Date.parse(inc.resolvedAt) : Infinity;
    const ref = {
      provider: inc.provider,
      id: inc.id,
      ...(inc.number !== undefined ? { number: inc.number } : {}),
      title: inc.title,
      ...(inc.url ? { url: inc.url } : {}),
    };
    if (created <= t && t < resolved) {
      if (overridden) continue;
      sources.push({
        id: `inc_${inc.provider}_${inc.id}`,
        type: 'incident',
        reason: `${inc.provider} incident ${inc.number ?? inc.id} is open: ${inc.title}`,
        ...(inc.scope ? { scope: inc.scope } : {}),
        since: inc.createdAt,
        until: null,
        actor: `incident:${inc.provider}`,
        incident: ref,
      });
    } else if (resolved <= t && t < resolved + settings.cooldownMs) {
      if (overridden) continue;
      sources.push({
        id: `cool_${inc.provider}_${inc.id}`,
        type: 'cooldown',
        reason: `cooldown after ${inc.provider} incident ${inc.number ?? inc.id} resolved`,
        ...(inc.scope ? { scope: inc.scope } : {}),
        since: inc.resolvedAt as string,
        until: new Date(resolved + settings.cooldownMs).toISOString(),
        actor: `incident:${inc.provider}`,
        incident: ref,
      });
    }
  }

  if (opts.now && state.rebuild) {
    sources.push({
      id: 'unk_state',
      type: 'unknown',
      reason:
        "the controller's state was empty (a new installation or a lost Redis): rebuilding it from GitHub before anything is remediated",
      since: state.rebuild.since,
      until: null,
      actor: 'controller',
    });
  }
  if (opts.now) {
    for (const provider of settings.providers) {
      const snap = state.providers.find((p) => p.provider === provider);
      const fetched = snap?.fetchedAt ? Date.parse(snap.fetchedAt) : null;
      const limitMs = stalenessLimitMs(settings, provider);
      const stale = fetched === null || t - fetched > limitMs;
      if (!snap || !snap.ok || stale) {
        const why = !snap
          ? 'no data yet'
          : !snap.ok
            ? `last poll failed: ${snap.error ?? 'error'}`
            : `data is ${Math.round((t - (fetched as number)) / 1000)} s old (max ${limitMs / 1000} s)`;
        sources.push({
          id: `unk_${provider}`,
          type: 'unknown',
          reason: `cannot tell whether a ${provider} incident is open: ${why}`,
          since: snap?.fetchedAt ?? snap?.attemptedAt ?? at.toISOString(),
          until: null,
          actor: `provider:${provider}`,
        });
      }
    }
  } else {
    for (const u of state.unknownIntervals) {
      const from = Date.parse(u.from);
      const to = u.to ? Date.parse(u.to) : Infinity;
      if (from <= t && t < to)
        sources.push({
          id: `unk_${u.provider}_${from.toString(36)}`,
          type: 'unknown',
          reason: u.reason,
          since: u.from,
          until: u.to,
          actor: `provider:${u.provider}`,
        });
    }
  }
  return { frozen: sources.length > 0, sources };
}

function activeOverride(state: FreezeState, covers: (scope: Scope | undefined) => boolean, t: number) {
  return state.overrides.find((o) => Date.parse(o.since) <= t && t < Date.parse(o.until) && covers(o.scope)) ?? null;
}

/**
 * For the API's `GET /v1/freeze?account=&region=`: a scope matches when every dimension the
 * query names is allowed by the scope (dimensions the query leaves out match anything).
 */
export function scopeMatchesQuery(query: { account?: string; region?: string }): (scope: Scope | undefined) => boolean {
  return (scope) =>
    !scope ||
    ((!query.account || !scope.accounts || scope.accounts.includes(query.account)) &&
      (!query.region || !scope.regions || scope.regions.includes(query.region)));
}

/**
 * The occurrence of a window that contains `at`, if any (cron evaluated in the window's time
 * zone, so a DST change moves the start with the local clock). Only the latest start at or
 * before `at` can contain it: an earlier start ends earlier.
 */
export function activeWindow(w: FreezeWindow, at: Date): { start: Date; end: Date } | null {
  const it = CronExpressionParser.parse(w.schedule, { currentDate: new Date(at.getTime() + 1), tz: w.timeZone });
  let start: Date;
  try {
    start = it.prev().toDate();
  } catch {
    return null;
  }
  const end = new Date(start.getTime() + w.durationMs);
  return start.getTime() <= at.getTime() && at.getTime() < end.getTime() ? { start, end } : null;
}

/**
 * The first instant after `now` at which the target can become frozen with nothing being
 * recorded, because time alone starts the freeze: a window opens, an override of incident and
 * cooldown freezes ends, or a provider's data goes stale (fail closed). Null when none can.
 * The fence refuses cloud calls from that instant on: a freeze stops every remediation that has
 * not issued its cloud call by the time it starts (DESIGN §3), even before a sweep notices it.
 */
export function nextTimeDrivenStart(
  state: FreezeState,
  settings: FreezeSettings,
  target: ScopeTarget | null,
  now: Date,
): { at: Date; reason: string } | null {
  const t = now.getTime();
  const covers = (scope: Scope | undefined) => target === null || coversTarget(scope, target);
  let first: { at: number; reason: string } | null = null;
  const consider = (at: number, reason: string) => {
    if (at > t && (first === null || at < first.at)) first = { at, reason };
  };
  for (const w of settings.windows) {
    if (!covers(w.scope)) continue;
    try {
      consider(
        CronExpressionParser.parse(w.schedule, { currentDate: now, tz: w.timeZone }).next().getTime(),
        `change window ${w.name} opens`,
      );
    } catch {
      // A schedule with no next occurrence never opens again.
    }
  }
  for (const o of state.overrides) {
    const until = Date.parse(o.until);
    if (Date.parse(o.since) <= t && covers(o.scope)) consider(until, `override ${o.id} ends`);
  }
  for (const provider of settings.providers) {
    const snap = state.providers.find((p) => p.provider === provider);
    // Stale once older than maxStaleness (see freezeAt): from one millisecond after that.
    if (snap?.ok && snap.fetchedAt)
      consider(Date.parse(snap.fetchedAt) + stalenessLimitMs(settings, provider) + 1, `${provider} data goes stale`);
  }
  const found = first as { at: number; reason: string } | null;
  return found ? { at: new Date(found.at), reason: found.reason } : null;
}

/** Incidents covering the target that started within `lookbackMs` after `at` (DESIGN §4 rule 3). */
export function incidentsWithinLookback(incidents: IncidentRecord[], target: ScopeTarget, at: Date, lookbackMs: number): IncidentRecord[] {
  const t = at.getTime();
  return incidents.filter((i) => {
    const created = Date.parse(i.createdAt);
    return coversTarget(i.scope, target) && created > t && created <= t + lookbackMs;
  });
}

/** The freeze evidence a decision is made with: now, and at the time of the change. */
export function freezeEvidence(
  state: FreezeState,
  settings: FreezeSettings,
  target: ScopeTarget,
  changedAt: Date,
  now: Date,
): FreezeEvidence {
  const current = freezeAt(state, settings, target, now, { now: true });
  const past = freezeAt(state, settings, target, changedAt, { now: false });
  const lookback = incidentsWithinLookback(state.incidents, target, changedAt, settings.lookbackMs);
  return {
    now: current,
    atChange: {
      declared: past.sources.some((s) => s.type !== 'unknown'),
      unknown: past.sources.some((s) => s.type === 'unknown'),
      withinLookback: lookback.length > 0,
      sources: [
        ...past.sources,
        ...lookback.map((i) => ({
          id: `inc_${i.provider}_${i.id}`,
          type: 'incident' as const,
          reason: `${i.provider} incident ${i.number ?? i.id} started ${Math.round((Date.parse(i.createdAt) - changedAt.getTime()) / 60000)} min after the change (within lookback)`,
          since: i.createdAt,
          until: i.resolvedAt ?? null,
          actor: `incident:${i.provider}`,
          incident: {
            provider: i.provider,
            id: i.id,
            title: i.title,
            ...(i.number !== undefined ? { number: i.number } : {}),
            ...(i.url ? { url: i.url } : {}),
          },
        })),
      ],
    },
  };
}
