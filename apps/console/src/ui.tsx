import type { ComponentChildren } from 'preact';
import type { ApiError, FreezeSource, FreezeView, Scope } from './api';

/** `2026-11-22 10:00:00 UTC`: the same wording for everyone on the on-call rota, whatever their time zone. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function Time({ at }: { at: string | null | undefined }) {
  return at ? <time dateTime={at}>{when(at)}</time> : <span>—</span>;
}

/**
 * Statuses as icon + words, never colour alone: a colour-blind reader, a screen reader and a
 * grey-scale print all get the same meaning. The colour classes come from the Okabe–Ito palette.
 */
const STATUS: Record<string, { icon: string; label: string; tone: string }> = {
  detected: { icon: '●', label: 'detected', tone: 'neutral' },
  held: { icon: '‖', label: 'held', tone: 'warn' },
  awaiting_approval: { icon: '◆', label: 'awaiting approval', tone: 'attention' },
  reverting: { icon: '↻', label: 'reverting', tone: 'info' },
  reverted: { icon: '↺', label: 'reverted', tone: 'ok' },
  backport_open: { icon: '⇪', label: 'backport open', tone: 'info' },
  backport_merged: { icon: '✓', label: 'backport merged', tone: 'ok' },
  backport_closed: { icon: '✕', label: 'backport closed', tone: 'neutral' },
  rejected: { icon: '⊘', label: 'rejected (left as is)', tone: 'neutral' },
  resolved: { icon: '✓', label: 'resolved', tone: 'ok' },
  ignored: { icon: '–', label: 'ignored', tone: 'neutral' },
  failed: { icon: '⚠', label: 'failed', tone: 'danger' },
};

export function StatusBadge({ status }: { status: string }) {
  const s = STATUS[status] ?? { icon: '●', label: status, tone: 'neutral' };
  return (
    <span class={`badge tone-${s.tone}`}>
      <span aria-hidden="true">{s.icon}</span> {s.label}
    </span>
  );
}

const FLAGS: Record<string, { icon: string; label: string; title: string }> = {
  suspicious: { icon: '⚠', label: 'suspicious', title: 'widened exposure during a freeze, not by a break-glass principal' },
  overdue: { icon: '⚑', label: 'overdue', title: 'the backport pull request is open longer than backport.expiryDays' },
};

export function Flags({ flags }: { flags?: string[] }) {
  if (!flags?.length) return null;
  return (
    <span class="flags">
      {flags.map((f) => {
        const d = FLAGS[f] ?? { icon: '⚑', label: f, title: f };
        return (
          <span class={`badge flag flag-${f}`} title={d.title} key={f}>
            <span aria-hidden="true">{d.icon}</span> {d.label}
          </span>
        );
      })}
    </span>
  );
}

export function describeScope(scope: Scope | null | undefined): string {
  if (!scope) return 'everything';
  const parts = [
    scope.accounts ? `accounts ${scope.accounts.join(', ')}` : '',
    scope.regions ? `regions ${scope.regions.join(', ')}` : '',
    scope.resourceTypes ? `types ${scope.resourceTypes.join(', ')}` : '',
    scope.tags
      ? `tags ${Object.entries(scope.tags)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')}`
      : '',
  ].filter(Boolean);
  return parts.join('; ') || 'everything';
}

const SOURCE_LABEL: Record<FreezeSource['type'], string> = {
  incident: 'incident',
  manual: 'manual freeze',
  window: 'change window',
  cooldown: 'cooldown after an incident',
  unknown: 'unknown (fail closed)',
};

export function sourceLabel(t: FreezeSource['type']): string {
  return SOURCE_LABEL[t] ?? t;
}

export function SourceLine({ s }: { s: FreezeSource }) {
  return (
    <>
      <strong>{sourceLabel(s.type)}</strong>: {s.reason}
      {s.incident ? (
        <>
          {' '}
          (
          {s.incident.url ? (
            <a href={s.incident.url} rel="noopener noreferrer" target="_blank">
              {s.incident.provider} {s.incident.number ? `#${s.incident.number}` : s.incident.id}: {s.incident.title}
            </a>
          ) : (
            <>
              {s.incident.provider} {s.incident.id}: {s.incident.title}
            </>
          )}
          )
        </>
      ) : null}
      {' · '}scope: {describeScope(s.scope)}
      {s.actor ? <> · by {s.actor}</> : null}
      {' · '}since <Time at={s.since} />
      {' · '}until {s.until ? <Time at={s.until} /> : 'it ends'}
    </>
  );
}

/** The banner on every page: frozen or not, and why (each active source). */
export function FreezeBanner({ view, live, error }: { view: FreezeView | null; live: boolean; error: string | null }) {
  if (!view) {
    return (
      <section class="banner banner-loading" aria-label="Freeze" role="status" aria-live="polite" data-frozen="loading">
        <p class="banner-title">
          <span aria-hidden="true">…</span> Reading the freeze state{error ? ` (connection: ${error}; retrying)` : ''}
        </p>
      </section>
    );
  }
  const unknown = view.sources.filter((s) => s.type === 'unknown');
  const failing = Object.entries(view.providers).filter(([, p]) => !p.ok);
  const kind = !view.frozen ? 'open' : unknown.length ? 'unknown' : 'frozen';
  return (
    <section
      class={`banner banner-${kind}`}
      aria-label="Freeze"
      role="status"
      aria-live="polite"
      data-frozen={view.frozen ? 'true' : 'false'}
    >
      <p class="banner-title">
        {kind === 'open' ? (
          <>
            <span aria-hidden="true">✓</span> Not frozen: auto-heal is on
          </>
        ) : kind === 'unknown' ? (
          <>
            <span aria-hidden="true">⚠</span> FROZEN (state unknown): auto-heal is paused
            {failing.length ? ` — failing: ${failing.map(([name, p]) => `${name}${p.error ? ` (${p.error})` : ''}`).join(', ')}` : ''}
          </>
        ) : (
          <>
            <span aria-hidden="true">❄</span> FROZEN: auto-heal is paused
          </>
        )}
        {!live ? <span class="banner-stale"> (not live: reconnecting{error ? `, ${error}` : ''})</span> : null}
      </p>
      {view.sources.length ? (
        <ul class="banner-sources">
          {view.sources.map((s) => (
            <li key={s.id}>
              <SourceLine s={s} />
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

export function ErrorNote({ error }: { error: ApiError | Error | null }) {
  if (!error) return null;
  const problems = 'problems' in error ? error.problems : [];
  return (
    <div class="note note-error" role="alert">
      <p>
        <span aria-hidden="true">⚠ </span>
        {error.message}
      </p>
      {problems.length ? (
        <ul>
          {problems.map((p) => (
            <li key={p.path}>
              <code>{p.path || '(body)'}</code>: {p.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function Note({ children }: { children: ComponentChildren }) {
  return (
    <div class="note note-ok" role="status">
      <p>
        <span aria-hidden="true">✓ </span>
        {children}
      </p>
    </div>
  );
}

export function ExternalLink({ href, children }: { href: string; children: ComponentChildren }) {
  // Only http(s) links leave the console (a record is data from outside: no javascript: URLs).
  if (!/^https?:\/\//i.test(href)) return <span>{children}</span>;
  return (
    <a href={href} rel="noopener noreferrer" target="_blank">
      {children}
    </a>
  );
}
