import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, query, type Drift, type Page } from '../api';
import { href, navigate } from '../router';
import { ErrorNote, Flags, StatusBadge, Time } from '../ui';

const STATUSES = [
  'detected',
  'held',
  'awaiting_approval',
  'reverting',
  'reverted',
  'backport_open',
  'backport_merged',
  'backport_closed',
  'rejected',
  'resolved',
  'ignored',
  'failed',
];
const KINDS = [
  'AWS::EC2::SecurityGroup',
  'AWS::EC2::NetworkAcl',
  'AWS::S3::Bucket',
  'AWS::AutoScaling::AutoScalingGroup',
  'AWS::EC2::Instance',
];
const FILTERS = ['status', 'kind', 'account', 'region', 'suspicious', 'overdue', 'text'] as const;
const PAGE_SIZE = 25;

type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

function filtersOf(params: URLSearchParams): Filters {
  const f: Filters = {};
  for (const k of FILTERS) {
    const v = params.get(k);
    if (v) f[k] = v;
  }
  return f;
}

export function DriftsPage({ params }: { params: URLSearchParams }) {
  const filters = filtersOf(params);
  const key = JSON.stringify(filters);
  const [draft, setDraft] = useState<Filters>(filters);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [page, setPage] = useState<Page<Drift> | null>(null);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const cursor = cursors[cursors.length - 1];

  useEffect(() => {
    setDraft(filters);
    setCursors([null]);
  }, [key]);

  useEffect(() => {
    const ac = new AbortController();
    setError(null);
    api<Page<Drift>>('GET', `/v1/drifts${query({ ...filters, limit: PAGE_SIZE, cursor })}`, { signal: ac.signal }).then(
      setPage,
      (e: unknown) => {
        if (!(e instanceof DOMException)) setError(e as Error);
      },
    );
    return () => ac.abort();
  }, [key, cursor]);

  const apply = (e: Event) => {
    e.preventDefault();
    navigate('/drifts', draft);
  };
  const set = (k: keyof Filters) => (e: Event) => setDraft({ ...draft, [k]: (e.currentTarget as HTMLInputElement).value || undefined });

  return (
    <section aria-labelledby="drifts-title">
      <h1 id="drifts-title">Drifts</h1>
      <form class="filters" onSubmit={apply} aria-label="Filter drifts">
        <div class="field">
          <label for="f-status">Status</label>
          <select id="f-status" value={draft.status ?? ''} onChange={set('status')}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option value={s} key={s}>
                {s.replace(/_/g, ' ')}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="f-kind">Kind</label>
          <select id="f-kind" value={draft.kind ?? ''} onChange={set('kind')}>
            <option value="">any</option>
            {KINDS.map((k) => (
              <option value={k} key={k}>
                {k}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="f-account">Account</label>
          <input
            id="f-account"
            inputMode="numeric"
            pattern="[0-9]{12}"
            placeholder="12 digits"
            value={draft.account ?? ''}
            onInput={set('account')}
          />
        </div>
        <div class="field">
          <label for="f-region">Region</label>
          <input id="f-region" placeholder="eu-west-1" value={draft.region ?? ''} onInput={set('region')} />
        </div>
        <div class="field">
          <label for="f-suspicious">Suspicious</label>
          <select id="f-suspicious" value={draft.suspicious ?? ''} onChange={set('suspicious')}>
            <option value="">either</option>
            <option value="true">only suspicious</option>
            <option value="false">not suspicious</option>
          </select>
        </div>
        <div class="field">
          <label for="f-overdue">Overdue backport</label>
          <select id="f-overdue" value={draft.overdue ?? ''} onChange={set('overdue')}>
            <option value="">either</option>
            <option value="true">only overdue</option>
            <option value="false">not overdue</option>
          </select>
        </div>
        <div class="field field-wide">
          <label for="f-text">Text</label>
          <input
            id="f-text"
            type="search"
            placeholder="sg-…, address, principal, words of a difference"
            value={draft.text ?? ''}
            onInput={set('text')}
          />
        </div>
        <div class="actions">
          <button type="submit">Apply filters</button>
          <a class="button secondary" href={href('/drifts')}>
            Clear
          </a>
        </div>
      </form>
      <ErrorNote error={error} />
      {page ? (
        page.items.length ? (
          <table class="list drifts">
            <caption class="visually-hidden">Drift records, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Drift</th>
                <th scope="col">Status</th>
                <th scope="col">Resource</th>
                <th scope="col">What changed</th>
                <th scope="col">Changed</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((d) => (
                <tr key={d.id}>
                  <td data-label="Drift">
                    <a href={href(`/drifts/${d.id}`)}>{d.id}</a>
                  </td>
                  <td data-label="Status">
                    <StatusBadge status={d.status} /> <Flags flags={d.flags} />
                    {d.dryRun ? <span class="badge tone-neutral">dry-run</span> : null}
                  </td>
                  <td data-label="Resource">
                    <span class="mono">{d.resource.id}</span>
                    <br />
                    <span class="muted">
                      {d.resource.type} · {d.resource.account} · {d.resource.region}
                    </span>
                  </td>
                  <td data-label="What changed">
                    {(d.differences?.length ? d.differences.map((x) => x.sentence) : [d.decision.reason]).slice(0, 3).join('; ')}
                  </td>
                  <td data-label="Changed">
                    <Time at={d.changedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p class="empty">No drift matches these filters.</p>
        )
      ) : error ? null : (
        <p role="status">Loading…</p>
      )}
      <nav class="pager" aria-label="Pages">
        <button type="button" class="secondary" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
          ← Newer
        </button>
        <span>Page {cursors.length}</span>
        <button type="button" class="secondary" disabled={!page?.next} onClick={() => page?.next && setCursors([...cursors, page.next])}>
          Older →
        </button>
      </nav>
    </section>
  );
}
