import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, query, type AuditEntry, type Page } from '../api';
import { href, navigate } from '../router';
import { ErrorNote, Time } from '../ui';

const FILTERS = ['since', 'type', 'drift', 'resource', 'account'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

export function AuditPage({ params }: { params: URLSearchParams }) {
  const filters: Filters = {};
  for (const k of FILTERS) if (params.get(k)) filters[k] = params.get(k) ?? undefined;
  const key = JSON.stringify(filters);
  const [draft, setDraft] = useState<Filters>(filters);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [page, setPage] = useState<Page<AuditEntry> | null>(null);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const cursor = cursors[cursors.length - 1];

  useEffect(() => {
    setDraft(filters);
    setCursors([null]);
  }, [key]);
  useEffect(() => {
    const ac = new AbortController();
    setError(null);
    api<Page<AuditEntry>>('GET', `/v1/audit${query({ ...filters, limit: 50, cursor })}`, { signal: ac.signal }).then(
      setPage,
      (e: unknown) => !(e instanceof DOMException) && setError(e as Error),
    );
    return () => ac.abort();
  }, [key, cursor]);

  const set = (k: keyof Filters) => (e: Event) => setDraft({ ...draft, [k]: (e.currentTarget as HTMLInputElement).value || undefined });
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <p class="muted">Every decision, action and freeze transition, oldest first from the time you choose.</p>
      <form
        class="filters"
        aria-label="Filter the audit log"
        onSubmit={(e) => {
          e.preventDefault();
          navigate('/audit', draft);
        }}
      >
        <div class="field">
          <label for="a-since">Since (UTC date)</label>
          <input id="a-since" type="date" value={draft.since ?? ''} onInput={set('since')} />
        </div>
        <div class="field">
          <label for="a-type">Type</label>
          <input id="a-type" placeholder="decision, api.drift.approve, freeze.created…" value={draft.type ?? ''} onInput={set('type')} />
        </div>
        <div class="field">
          <label for="a-drift">Drift</label>
          <input id="a-drift" placeholder="drf_…" value={draft.drift ?? ''} onInput={set('drift')} />
        </div>
        <div class="field">
          <label for="a-resource">Resource</label>
          <input id="a-resource" placeholder="sg-…" value={draft.resource ?? ''} onInput={set('resource')} />
        </div>
        <div class="field">
          <label for="a-account">Account</label>
          <input id="a-account" inputMode="numeric" value={draft.account ?? ''} onInput={set('account')} />
        </div>
        <div class="actions">
          <button type="submit">Apply filters</button>
          <a class="button secondary" href={href('/audit')}>
            Clear
          </a>
        </div>
      </form>
      <ErrorNote error={error} />
      {page ? (
        page.items.length ? (
          <table class="list audit">
            <caption class="visually-hidden">Audit entries, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Type</th>
                <th scope="col">Who</th>
                <th scope="col">Why</th>
                <th scope="col">About</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((e) => (
                <tr key={e.id}>
                  <td data-label="When">
                    <Time at={e.at} />
                  </td>
                  <td data-label="Type">
                    <code>{e.type}</code>
                  </td>
                  <td data-label="Who">{e.actor}</td>
                  <td data-label="Why">{e.reason ?? ''}</td>
                  <td data-label="About">
                    {e.driftId ? <a href={href(`/drifts/${e.driftId}`)}>{e.driftId}</a> : null}
                    {e.resourceKey ? <span class="mono muted"> {e.resourceKey.split('/').pop()}</span> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p class="empty">No entry matches.</p>
        )
      ) : error ? null : (
        <p role="status">Loading…</p>
      )}
      <nav class="pager" aria-label="Pages">
        <button type="button" class="secondary" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
          ← Earlier
        </button>
        <span>Page {cursors.length}</span>
        <button type="button" class="secondary" disabled={!page?.next} onClick={() => page?.next && setCursors([...cursors, page.next])}>
          Later →
        </button>
      </nav>
    </section>
  );
}
