import { useState } from 'preact/hooks';
import { ApiError, api, type FreezeSource, type Scope } from '../api';
import { useSession } from '../app';
import { ErrorNote, Note, Time, describeScope, sourceLabel, ExternalLink } from '../ui';

function list(text: string): string[] | undefined {
  const items = text.split(/[\s,]+/).filter(Boolean);
  return items.length ? items : undefined;
}

function scopeOf(accounts: string, regions: string): Scope | undefined {
  const scope: Scope = {};
  const a = list(accounts);
  const r = list(regions);
  if (a) scope.accounts = a;
  if (r) scope.regions = r;
  return a || r ? scope : undefined;
}

export function FreezePage() {
  const { me, freeze } = useSession();
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const view = freeze.view;

  const lift = async (s: FreezeSource) => {
    setNote(null);
    setError(null);
    try {
      await api('DELETE', `/v1/freezes/${encodeURIComponent(s.id)}`);
      setNote(`Manual freeze ${s.id} lifted.`);
    } catch (e) {
      setError(e as Error);
    }
  };

  return (
    <section aria-labelledby="freeze-title">
      <h1 id="freeze-title">Freeze</h1>
      <p class="muted">
        While any source below covers a resource, auto-heal is paused for it: emergency patches become backport pull requests, other changes
        are held. Unknown counts as frozen (fail closed). The banner above updates live.
      </p>
      {note ? <Note>{note}</Note> : null}
      <ErrorNote error={error} />
      <h2>Active sources</h2>
      {!view ? (
        <p role="status">Loading…</p>
      ) : view.sources.length ? (
        <table class="list sources">
          <caption class="visually-hidden">Active freeze sources</caption>
          <thead>
            <tr>
              <th scope="col">Source</th>
              <th scope="col">Reason</th>
              <th scope="col">Scope</th>
              <th scope="col">Since / until</th>
              <th scope="col">Who or what</th>
              {me.can.freeze ? <th scope="col">Action</th> : null}
            </tr>
          </thead>
          <tbody>
            {view.sources.map((s) => (
              <tr key={s.id}>
                <td data-label="Source">
                  {sourceLabel(s.type)}
                  <br />
                  <span class="mono muted">{s.id}</span>
                </td>
                <td data-label="Reason">
                  {s.reason}
                  {s.incident ? (
                    <>
                      <br />
                      {s.incident.url ? (
                        <ExternalLink href={s.incident.url}>
                          {s.incident.provider} {s.incident.number ? `#${s.incident.number}` : s.incident.id}: {s.incident.title}
                        </ExternalLink>
                      ) : (
                        `${s.incident.provider} ${s.incident.id}: ${s.incident.title}`
                      )}
                    </>
                  ) : null}
                </td>
                <td data-label="Scope">{describeScope(s.scope)}</td>
                <td data-label="Since / until">
                  <Time at={s.since} /> → {s.until ? <Time at={s.until} /> : 'it ends'}
                </td>
                <td data-label="Who or what">{s.actor ?? '—'}</td>
                {me.can.freeze ? (
                  <td data-label="Action">
                    {s.type === 'manual' ? (
                      <button type="button" class="secondary" onClick={() => void lift(s)} aria-label={`Lift manual freeze ${s.id}`}>
                        Lift
                      </button>
                    ) : s.type === 'incident' ? (
                      <span class="muted">ends when the incident resolves{me.can.override ? '; or override below' : ''}</span>
                    ) : null}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="empty">No freeze is active.</p>
      )}
      {view ? (
        <>
          <h2>Incident providers</h2>
          {Object.keys(view.providers).length ? (
            <ul class="providers">
              {Object.entries(view.providers).map(([name, p]) => (
                <li key={name}>
                  <strong>{name}</strong>: {p.ok ? '✓ ok' : `⚠ failing${p.error ? ` (${p.error})` : ''}`} · last good data{' '}
                  <Time at={p.fetchedAt} />
                </li>
              ))}
            </ul>
          ) : (
            <p class="muted">No incident provider is configured: incidents do not freeze auto-heal.</p>
          )}
          {view.overrides?.length ? (
            <>
              <h2>Overrides of incident freezes</h2>
              <ul>
                {view.overrides.map((o) => (
                  <li key={o.id}>
                    {o.reason} · by {o.actor} · until <Time at={o.until} /> · scope {describeScope(o.scope)}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </>
      ) : null}
      {me.can.freeze ? <FreezeForm kind="manual" onDone={setNote} /> : null}
      {me.can.override ? <FreezeForm kind="override" onDone={setNote} /> : null}
    </section>
  );
}

function FreezeForm({ kind, onDone }: { kind: 'manual' | 'override'; onDone: (note: string) => void }) {
  const [reason, setReason] = useState('');
  const [ttl, setTtl] = useState(kind === 'manual' ? '2h' : '30m');
  const [accounts, setAccounts] = useState('');
  const [regions, setRegions] = useState('');
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [busy, setBusy] = useState(false);
  const p = kind === 'manual' ? 'm' : 'o';

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const scope = scopeOf(accounts, regions);
      const created = await api<{ id: string; until: string }>('POST', kind === 'manual' ? '/v1/freezes' : '/v1/freeze/overrides', {
        body: { reason: reason.trim(), ttl: ttl.trim(), ...(scope ? { scope } : {}) },
      });
      onDone(
        kind === 'manual'
          ? `Frozen: manual freeze ${created.id} until ${created.until}.`
          : `Override ${created.id} of incident freezes until ${created.until}.`,
      );
      setReason('');
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby={`${p}-title`} class="freeze-form">
      <h2 id={`${p}-title`}>{kind === 'manual' ? 'Freeze manually' : 'Override incident freezes (admin)'}</h2>
      <p class="muted">
        {kind === 'manual'
          ? 'Pauses auto-heal until the TTL ends or you lift it. Leave the scope empty to freeze everything.'
          : 'Lets auto-heal run while an incident is open, for at most 1 hour. Audited with your name and reason.'}
      </p>
      <form onSubmit={submit} class="stack">
        <label for={`${p}-reason`}>Reason (required)</label>
        <input id={`${p}-reason`} required maxLength={500} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
        <label for={`${p}-ttl`}>TTL ({kind === 'manual' ? 'e.g. 30m, 2h, 1d' : 'at most 1h'})</label>
        <input id={`${p}-ttl`} required value={ttl} onInput={(e) => setTtl(e.currentTarget.value)} />
        <fieldset>
          <legend>Scope (optional)</legend>
          <label for={`${p}-accounts`}>Accounts (comma-separated)</label>
          <input id={`${p}-accounts`} inputMode="numeric" value={accounts} onInput={(e) => setAccounts(e.currentTarget.value)} />
          <label for={`${p}-regions`}>Regions (comma-separated)</label>
          <input id={`${p}-regions`} value={regions} onInput={(e) => setRegions(e.currentTarget.value)} />
        </fieldset>
        <div class="actions">
          <button type="submit" disabled={busy}>
            {kind === 'manual' ? 'Freeze' : 'Create override'}
          </button>
        </div>
      </form>
      <ErrorNote error={error} />
    </section>
  );
}
