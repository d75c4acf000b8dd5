import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, query, type AuditEntry, type Difference, type Drift, type Page } from '../api';
import { useSession } from '../app';
import { href } from '../router';
import { ErrorNote, ExternalLink, Flags, Note, StatusBadge, Time } from '../ui';

const ACTION: Record<string, string> = {
  backport: 'backport (codify in Terraform)',
  hold: 'hold (frozen)',
  await_approval: 'awaiting a human',
  revert: 'revert',
  leave: 'leave as is',
  ignore: 'ignore',
  noop: 'nothing to do',
};

function who(p: { arn: string | null; class: string; session?: string }): string {
  const name = p.session ?? p.arn ?? 'unknown principal';
  return `${name}${p.class && p.class !== 'other' ? ` (${p.class})` : ''}`;
}

/** A difference waits for a human: awaiting approval, or an approved revert not yet used, or (failed record) one to revert. */
function awaitsHuman(d: Difference, status: string): boolean {
  if (d.decision.action === 'await_approval') return true;
  return d.decision.action === 'revert' && (d.decision.human?.verb === 'approve' || status === 'failed');
}

export function DriftPage({ id }: { id: string }) {
  const { me } = useSession();
  const [drift, setDrift] = useState<Drift | null>(null);
  const [timeline, setTimeline] = useState<AuditEntry[] | null>(null);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [reload, setReload] = useState(0);
  const [decided, setDecided] = useState<string | null>(null);
  const [evidenceError, setEvidenceError] = useState<Error | null>(null);

  useEffect(() => {
    const ac = new AbortController();
    api<Drift>('GET', `/v1/drifts/${encodeURIComponent(id)}`, { signal: ac.signal }).then(
      setDrift,
      (e: unknown) => !(e instanceof DOMException) && setError(e as Error),
    );
    api<Page<AuditEntry>>('GET', `/v1/audit${query({ drift: id, limit: 500 })}`, { signal: ac.signal }).then(
      (p) => setTimeline(p.items),
      () => setTimeline([]),
    );
    return () => ac.abort();
  }, [id, reload]);

  if (error && !drift) {
    return (
      <section aria-labelledby="drift-title">
        <h1 id="drift-title">Drift {id}</h1>
        <ErrorNote error={error} />
        <p>
          <a href={href('/drifts')}>Back to the drifts</a>
        </p>
      </section>
    );
  }
  if (!drift) return <p role="status">Loading…</p>;

  const pending = (drift.differences ?? []).filter((d) => awaitsHuman(d, drift.status));
  const decidable =
    !drift.dryRun && (drift.status === 'awaiting_approval' || drift.status === 'failed') && (drift.differences ? pending.length > 0 : true);
  const r = drift.resource;
  return (
    <article aria-labelledby="drift-title">
      <p class="crumbs">
        <a href={href('/drifts')}>Drifts</a> / <span class="mono">{drift.id}</span>
      </p>
      <h1 id="drift-title">
        <span class="mono">{r.id}</span> <StatusBadge status={drift.status} /> <Flags flags={drift.flags} />
      </h1>
      <dl class="facts">
        <dt>Resource</dt>
        <dd>
          {r.type} in {r.account} / {r.region}
          {r.address ? (
            <>
              {' '}
              · <code>{r.address}</code>
            </>
          ) : null}
          {r.stack ? <> · stack {r.stack}</> : null}
        </dd>
        <dt>Decision</dt>
        <dd>
          {ACTION[drift.decision.action] ?? drift.decision.action}
          {drift.decision.rule ? ` (rule ${drift.decision.rule})` : ' (before the rules)'}: {drift.decision.reason}
        </dd>
        <dt>Changed by</dt>
        <dd>
          {who(drift.principal)} at <Time at={drift.changedAt} />
        </dd>
        <dt>Detected</dt>
        <dd>
          <Time at={drift.detectedAt} /> · updated <Time at={drift.updatedAt} />
        </dd>
        {drift.dryRun ? (
          <>
            <dt>Mode</dt>
            <dd>dry-run: decided and recorded, nothing written</dd>
          </>
        ) : null}
        {drift.approval ? (
          <>
            <dt>Human decision</dt>
            <dd>
              {drift.approval.action} by {drift.approval.identity ?? drift.approval.by} at <Time at={drift.approval.at} />: “
              {drift.approval.comment}”
              {drift.approval.lapsedAt ? (
                ' (lapsed unused)'
              ) : drift.approval.expiresAt ? (
                <>
                  {' '}
                  · valid until <Time at={drift.approval.expiresAt} />
                </>
              ) : null}
            </dd>
          </>
        ) : null}
        {drift.failure ? (
          <>
            <dt>Failure</dt>
            <dd>
              {drift.failure.stage}: {drift.failure.code} — {drift.failure.message}
            </dd>
          </>
        ) : null}
      </dl>

      <section aria-labelledby="diff-title">
        <h2 id="diff-title">Differences</h2>
        {drift.differences?.length ? (
          <ol class="differences">
            {drift.differences.map((d) => (
              <li key={d.id} class={d.flags?.includes('suspicious') ? 'suspicious' : undefined}>
                <p class="sentence">
                  {d.sentence} <Flags flags={d.flags} />
                </p>
                <dl class="facts compact">
                  <dt>Made by</dt>
                  <dd>
                    {who(d.madeBy.principal)} at <Time at={d.madeBy.at} />
                    {d.madeBy.eventName ? ` · ${d.madeBy.eventName}` : ''}
                    {d.madeBy.cloudTrailEventId ? (
                      <>
                        {' '}
                        · CloudTrail <span class="mono">{d.madeBy.cloudTrailEventId}</span>
                      </>
                    ) : (
                      ' · from the Config item'
                    )}
                    {d.madeBy.unattributable ? <> · not attributable: {d.madeBy.unattributable}</> : null}
                  </dd>
                  <dt>Direction</dt>
                  <dd>
                    {d.direction.axis}: the change {d.direction.change}, reverting {d.direction.revert}
                  </dd>
                  <dt>Its decision</dt>
                  <dd>
                    {ACTION[d.decision.action] ?? d.decision.action}
                    {d.decision.rule ? ` (rule ${d.decision.rule})` : ''}: {d.decision.reason}
                    {d.decision.human ? (
                      <>
                        {' '}
                        — {d.decision.human.verb} by {d.decision.human.identity ?? d.decision.human.by}: “{d.decision.human.comment}”
                      </>
                    ) : null}
                  </dd>
                </dl>
              </li>
            ))}
          </ol>
        ) : (
          <p>{drift.decision.reason}</p>
        )}
      </section>

      {decided ? <Note>{decided}</Note> : null}
      {decidable && me.can.decide ? (
        <DecisionForm
          drift={drift}
          pending={pending}
          onDecided={(message) => {
            setDecided(message);
            setReload((n) => n + 1);
          }}
        />
      ) : null}
      {decidable && !me.can.decide ? (
        <p class="muted">
          This drift waits for a human decision; your role ({me.role}) may not decide. An operator can approve, adopt or reject it.
        </p>
      ) : null}

      <section aria-labelledby="links-title">
        <h2 id="links-title">Links</h2>
        <ul class="links">
          {drift.links.pullRequest ? (
            <li>
              Backport pull request:{' '}
              <ExternalLink href={drift.links.pullRequest.url}>
                {drift.links.pullRequest.repo
                  ? `${drift.links.pullRequest.repo}#${drift.links.pullRequest.number}`
                  : drift.links.pullRequest.url}
              </ExternalLink>
              {drift.links.pullRequest.merged ? ' (merged)' : ''}
              {drift.links.pullRequest.overdueSince ? (
                <>
                  {' '}
                  · overdue since <Time at={drift.links.pullRequest.overdueSince} />
                </>
              ) : null}
            </li>
          ) : null}
          {drift.links.issue ? (
            <li>
              Issue: <ExternalLink href={drift.links.issue.url}>{drift.links.issue.url}</ExternalLink>
            </li>
          ) : null}
          {drift.links.incident ? (
            <li>
              Incident:{' '}
              {drift.links.incident.url ? (
                <ExternalLink href={drift.links.incident.url}>
                  {drift.links.incident.provider} {drift.links.incident.id}: {drift.links.incident.title}
                </ExternalLink>
              ) : (
                `${drift.links.incident.provider} ${drift.links.incident.id}: ${drift.links.incident.title}`
              )}
            </li>
          ) : null}
          <li>
            <a href={href('/audit', { drift: drift.id })}>Audit entries of this drift</a>
          </li>
          <li>
            <button
              type="button"
              class="link"
              onClick={() =>
                void downloadEvidence(drift.id).catch((e: unknown) => setEvidenceError(e instanceof Error ? e : new Error(String(e))))
              }
            >
              Evidence bundle (JSON)
            </button>{' '}
            <span class="muted">
              — check it with <code>driftwarden evidence verify</code>
            </span>
            {evidenceError ? <ErrorNote error={evidenceError} /> : null}
          </li>
        </ul>
      </section>

      <section aria-labelledby="timeline-title">
        <h2 id="timeline-title">Timeline</h2>
        {timeline === null ? (
          <p role="status">Loading…</p>
        ) : timeline.length ? (
          <ol class="timeline">
            {timeline.map((e) => (
              <li key={e.id}>
                <Time at={e.at} /> · <strong>{e.type}</strong> by {e.actor}
                {e.reason ? <>: {e.reason}</> : null}
              </li>
            ))}
          </ol>
        ) : (
          <p class="empty">No audit entries (they may have been trimmed).</p>
        )}
      </section>

      <section aria-labelledby="evidence-title">
        <h2 id="evidence-title">Evidence</h2>
        {drift.evidence.explanations?.length ? (
          <ul>
            {drift.evidence.explanations.map((x, i) => (
              <li key={i}>{x}</li>
            ))}
          </ul>
        ) : null}
        <p>
          {drift.evidence.apiCalls?.length ?? 0} API call(s) recorded
          {drift.evidence.afterState ? (
            <>
              ; after-state read at <Time at={drift.evidence.afterState.at} /> ({drift.evidence.afterState.source}):{' '}
              {drift.evidence.afterState.verified ? '✓ verified' : '✕ not verified'}
            </>
          ) : null}
          .
        </p>
        <details>
          <summary>The whole record (JSON)</summary>
          <pre class="json" tabIndex={0}>
            {JSON.stringify(drift, null, 2)}
          </pre>
        </details>
      </section>
    </article>
  );
}

function DecisionForm({ drift, pending, onDecided }: { drift: Drift; pending: Difference[]; onDecided: (message: string) => void }) {
  const [comment, setComment] = useState('');
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const suspicious = pending.filter((d) => d.flags?.includes('suspicious'));

  const decide = async (verb: 'approve' | 'adopt' | 'reject') => {
    setError(null);
    if (!comment.trim()) return setError(new Error('A comment is required: say why.'));
    setBusy(true);
    try {
      const body = { comment: comment.trim(), ...(verb === 'adopt' && suspicious.length ? { confirmSuspicious: confirm } : {}) };
      const after = await api<Drift>('POST', `/v1/drifts/${encodeURIComponent(drift.id)}/${verb}`, { body });
      onDecided(
        `${verb === 'approve' ? 'Approved: the revert runs (still fenced by any freeze)' : verb === 'adopt' ? 'Adopted: a backport pull request is opened' : 'Rejected: the change is left as it is'}. Status now: ${after.status.replace(/_/g, ' ')}.`,
      );
      setComment('');
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="decide-title" class="decide">
      <h2 id="decide-title">Decide</h2>
      <p>
        Applies to {pending.length ? `the ${pending.length} difference(s) awaiting a human` : 'this drift'}. <strong>Approve</strong>{' '}
        reverts them, <strong>Adopt</strong> keeps the live state and opens a backport pull request, <strong>Reject</strong> leaves them as
        they are. Whoever made the change cannot decide on it.
      </p>
      {suspicious.length ? (
        <div class="note note-warn">
          <p>
            <span aria-hidden="true">⚠ </span>
            Suspicious: {suspicious.map((d) => d.sentence).join('; ')}. It widened exposure during a freeze and was not made by a
            break-glass principal. Adopting keeps it: confirm below and say why.
          </p>
          <label class="check">
            <input type="checkbox" checked={confirm} onChange={(e) => setConfirm(e.currentTarget.checked)} /> I confirm keeping the
            suspicious change (adopt)
          </label>
        </div>
      ) : null}
      <form onSubmit={(e) => e.preventDefault()}>
        <label for="comment">Comment (required)</label>
        <textarea id="comment" rows={3} maxLength={2000} value={comment} onInput={(e) => setComment(e.currentTarget.value)} />
        <div class="actions">
          <button type="button" disabled={busy} onClick={() => void decide('approve')}>
            Approve (revert)
          </button>
          <button type="button" disabled={busy || (suspicious.length > 0 && !confirm)} onClick={() => void decide('adopt')}>
            Adopt (backport)
          </button>
          <button type="button" class="secondary" disabled={busy} onClick={() => void decide('reject')}>
            Reject (leave)
          </button>
        </div>
      </form>
      <ErrorNote error={error} />
    </section>
  );
}

/** Fetches the sealed evidence bundle (the API needs the bearer token, so no plain link) and saves it as a file. */
async function downloadEvidence(id: string): Promise<void> {
  const bundle = await api<unknown>('GET', `/v1/drifts/${encodeURIComponent(id)}/evidence`);
  const url = URL.createObjectURL(new Blob([`${JSON.stringify(bundle, null, 2)}\n`], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `evidence-${id}.json`;
  a.click();
  URL.revokeObjectURL(url);
}
