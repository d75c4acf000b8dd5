import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, query, type Page, type ResourceException } from '../api';
import { useSession } from '../app';
import { ErrorNote, Note, Time } from '../ui';

export function ExceptionsPage() {
  const { me } = useSession();
  const [status, setStatus] = useState('active');
  const [page, setPage] = useState<Page<ResourceException> | null>(null);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [reload, setReload] = useState(0);
  const [form, setForm] = useState({ resource: '', reason: '', ttl: '7d' });
  const [formError, setFormError] = useState<ApiError | Error | null>(null);

  useEffect(() => {
    const ac = new AbortController();
    api<Page<ResourceException>>('GET', `/v1/exceptions${query({ status, limit: 200 })}`, { signal: ac.signal }).then(
      setPage,
      (e: unknown) => !(e instanceof DOMException) && setError(e as Error),
    );
    return () => ac.abort();
  }, [status, reload]);

  const create = async (e: Event) => {
    e.preventDefault();
    setFormError(null);
    setNote(null);
    try {
      const x = await api<ResourceException>('POST', '/v1/exceptions', {
        body: { resource: form.resource.trim(), reason: form.reason.trim(), ttl: form.ttl.trim() },
      });
      setNote(`Exception ${x.id} created: ${x.resource} is left alone until ${new Date(x.until).toISOString()}.`);
      setForm({ resource: '', reason: '', ttl: '7d' });
      setReload((n) => n + 1);
    } catch (err) {
      setFormError(err as Error);
    }
  };
  const remove = async (x: ResourceException) => {
    setNote(null);
    try {
      await api('DELETE', `/v1/exceptions/${encodeURIComponent(x.id)}`);
      setNote(`Exception ${x.id} removed: ${x.resource} is evaluated again.`);
      setReload((n) => n + 1);
    } catch (err) {
      setError(err as Error);
    }
  };

  return (
    <section aria-labelledby="exc-title">
      <h1 id="exc-title">Exceptions</h1>
      <p class="muted">
        A resource with an active exception is not remediated. When the exception lapses or is removed, the resource is decided again.
      </p>
      {note ? <Note>{note}</Note> : null}
      <form class="filters" aria-label="Filter exceptions" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="x-status">Show</label>
          <select id="x-status" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            <option value="active">active</option>
            <option value="expired">expired</option>
            <option value="removed">removed</option>
            <option value="all">all</option>
          </select>
        </div>
      </form>
      <ErrorNote error={error} />
      {page ? (
        page.items.length ? (
          <table class="list">
            <caption class="visually-hidden">Exceptions, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Resource</th>
                <th scope="col">Reason</th>
                <th scope="col">Until</th>
                <th scope="col">By</th>
                {me.can.exceptions ? <th scope="col">Action</th> : null}
              </tr>
            </thead>
            <tbody>
              {page.items.map((x) => (
                <tr key={x.id}>
                  <td data-label="Resource" class="mono">
                    {x.resource}
                  </td>
                  <td data-label="Reason">{x.reason}</td>
                  <td data-label="Until">
                    <Time at={x.until} />
                    {x.deletedAt ? ' (removed)' : ''}
                  </td>
                  <td data-label="By">{x.actor}</td>
                  {me.can.exceptions ? (
                    <td data-label="Action">
                      {!x.deletedAt && Date.parse(x.until) > Date.now() ? (
                        <button
                          type="button"
                          class="secondary"
                          onClick={() => void remove(x)}
                          aria-label={`Remove the exception for ${x.resource}`}
                        >
                          Remove
                        </button>
                      ) : null}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p class="empty">No {status === 'all' ? '' : `${status} `}exception.</p>
        )
      ) : error ? null : (
        <p role="status">Loading…</p>
      )}
      {me.can.exceptions ? (
        <section aria-labelledby="exc-new">
          <h2 id="exc-new">New exception</h2>
          <form onSubmit={create} class="stack">
            <label for="x-resource">Resource (security group id or ARN)</label>
            <input
              id="x-resource"
              required
              value={form.resource}
              onInput={(e) => setForm({ ...form, resource: e.currentTarget.value })}
              placeholder="sg-0abc1234def567890"
            />
            <label for="x-reason">Reason</label>
            <input
              id="x-reason"
              required
              maxLength={500}
              value={form.reason}
              onInput={(e) => setForm({ ...form, reason: e.currentTarget.value })}
            />
            <label for="x-ttl">For how long (e.g. 2h, 7d)</label>
            <input id="x-ttl" required value={form.ttl} onInput={(e) => setForm({ ...form, ttl: e.currentTarget.value })} />
            <div class="actions">
              <button type="submit">Create exception</button>
            </div>
          </form>
          <ErrorNote error={formError} />
        </section>
      ) : null}
    </section>
  );
}
