import { useState } from 'preact/hooks';
import { ApiError, api, type Me } from '../api';

export function SignIn({ flash, onSignedIn }: { flash: string | null; onSignedIn: (me: Me, token: string) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const t = token.trim();
    if (!t) return setError('Paste an API token.');
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await api<Me>('GET', '/v1/me', { token: t }), t);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setError('That token was refused (401): it is not one the controller knows.');
      else if (err instanceof ApiError && err.status === 403)
        setError(`That token cannot read (${err.message}): the console needs a viewer, operator or admin token.`);
      else setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="sign-in" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Sign in</h1>
      {flash ? (
        <div class="note note-info" role="status">
          <p>{flash}</p>
        </div>
      ) : null}
      <p>
        Use an API token (<code>api.tokens</code> in the controller's configuration). It is kept in this browser tab only (
        <code>sessionStorage</code>) and sent as the bearer header; signing out or closing the tab forgets it.
      </p>
      <form onSubmit={submit} noValidate>
        <label for="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="off"
          spellcheck={false}
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
          aria-describedby={error ? 'token-error' : undefined}
          aria-invalid={error ? true : undefined}
        />
        {error ? (
          <p id="token-error" class="field-error" role="alert">
            <span aria-hidden="true">⚠ </span>
            {error}
          </p>
        ) : null}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </section>
  );
}
