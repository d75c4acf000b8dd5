import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, setUnauthorizedHandler, storeToken, storedToken, type Me } from './api';
import { followFreeze, type StreamState } from './freeze-stream';
import { useRoute, href } from './router';
import { FreezeBanner } from './ui';
import { SignIn } from './pages/sign-in';
import { DriftsPage } from './pages/drifts';
import { DriftPage } from './pages/drift';
import { AuditPage } from './pages/audit';
import { ExceptionsPage } from './pages/exceptions';
import { FreezePage } from './pages/freeze';

export interface Session {
  me: Me;
  freeze: StreamState;
  signOut(message?: string): void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('no session');
  return s;
}

const NAV = [
  { path: 'drifts', label: 'Drifts' },
  { path: 'freeze', label: 'Freeze' },
  { path: 'exceptions', label: 'Exceptions' },
  { path: 'audit', label: 'Audit log' },
];

export function App() {
  const [me, setMe] = useState<Me | null>(null);
  const [checking, setChecking] = useState(() => storedToken() !== null);
  const [flash, setFlash] = useState<string | null>(null);
  const [freeze, setFreeze] = useState<StreamState>({ view: null, live: false, error: null });
  const route = useRoute();

  const signOut = useCallback((message?: string) => {
    storeToken(null);
    setMe(null);
    setFlash(message ?? null);
  }, []);

  // A 401 from any call: the token no longer works (removed, rotated). Sign out and say why.
  useEffect(() => {
    setUnauthorizedHandler(() =>
      signOut('Your token was refused by the controller (401): it may have been removed or rotated. Sign in again.'),
    );
    return () => setUnauthorizedHandler(null);
  }, [signOut]);

  // A token from this tab's earlier visit: check it is still good.
  useEffect(() => {
    if (!storedToken()) return;
    api<Me>('GET', '/v1/me')
      .then(setMe, () => undefined)
      .finally(() => setChecking(false));
  }, []);

  useEffect(() => {
    if (!me) return;
    return followFreeze(setFreeze);
  }, [me]);

  const main = useRef<HTMLElement>(null);
  useEffect(() => {
    document.title = `${titleOf(route.path)} · driftwarden`;
  }, [route.path.join('/')]);

  if (!me) {
    return (
      <>
        <header class="top">
          <p class="brand">driftwarden</p>
        </header>
        <main id="main" ref={main}>
          {checking ? (
            <p role="status">Checking your session…</p>
          ) : (
            <SignIn
              flash={flash}
              onSignedIn={(m, token) => {
                storeToken(token);
                setFlash(null);
                setMe(m);
              }}
            />
          )}
        </main>
      </>
    );
  }

  const section = route.path[0] ?? 'drifts';
  return (
    <SessionContext.Provider value={{ me, freeze, signOut }}>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), main.current?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <p class="brand">
          <a href={href('/drifts')}>driftwarden</a>
        </p>
        <nav aria-label="Main">
          <ul>
            {NAV.map((n) => (
              <li key={n.path}>
                <a href={href(`/${n.path}`)} aria-current={section === n.path ? 'page' : undefined}>
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span>
            {me.identity ?? me.name} <span class="role">({me.role})</span>
          </span>
          <button type="button" class="link" onClick={() => signOut('You are signed out. The token was removed from this tab.')}>
            Sign out
          </button>
        </div>
      </header>
      <FreezeBanner view={freeze.view} live={freeze.live} error={freeze.error} />
      <main id="main" tabIndex={-1} ref={main}>
        {section === 'drifts' && route.path[1] ? <DriftPage id={route.path[1]} /> : null}
        {section === 'drifts' && !route.path[1] ? <DriftsPage params={route.params} /> : null}
        {section === 'freeze' ? <FreezePage /> : null}
        {section === 'exceptions' ? <ExceptionsPage /> : null}
        {section === 'audit' ? <AuditPage params={route.params} /> : null}
        {!['drifts', 'freeze', 'exceptions', 'audit'].includes(section) ? (
          <p>
            No such page. <a href={href('/drifts')}>Go to the drifts.</a>
          </p>
        ) : null}
      </main>
    </SessionContext.Provider>
  );
}

function titleOf(path: string[]): string {
  if (path[0] === 'drifts' && path[1]) return `Drift ${path[1]}`;
  return NAV.find((n) => n.path === (path[0] ?? 'drifts'))?.label ?? 'driftwarden';
}

export { ApiError };
