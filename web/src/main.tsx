/**
 * The moderator's page: sign-in, then the queue (with the item under review), stats and, for
 * admins, the policy. Every comment is attacker-written: it is only ever rendered as text
 * (Preact text nodes), and the server's CSP forbids inline script anyway.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, bindSession, type SessionView, type SignedOutView } from './api';
import { SignIn } from './signin';
import { QueueView } from './queue';
import { StatsView } from './stats';
import { PolicyView } from './policy';
import { AdaptView } from './adapt';

type Tab = 'queue' | 'stats' | 'policy' | 'adapt';

function App() {
  const [session, setSession] = useState<SessionView | null | undefined>(undefined);
  const [tab, setTab] = useState<Tab>('queue');
  bindSession(session ?? null, () => setSession(null));

  useEffect(() => {
    api<SessionView | SignedOutView>('GET', '/v1/session').then((s) => setSession(s.signedIn ? s : null), () => setSession(null));
  }, []);

  if (session === undefined) return <p class="loading">Loading…</p>;
  if (session === null) return <SignIn onSignedIn={setSession} />;

  const signOut = async () => {
    await api('DELETE', '/v1/session').catch(() => undefined);
    setSession(null);
  };
  const tabs: [Tab, string][] = [['queue', 'Queue'], ['stats', 'Stats']];
  if (session.key.role === 'admin') tabs.push(['policy', 'Policy'], ['adapt', 'Adapters']);
  return (
    <div class="shell">
      <header class="top">
        <h1>Moderato</h1>
        <nav aria-label="Sections">
          {tabs.map(([t, label]) => (
            <button type="button" class={t === tab ? 'tab current' : 'tab'} aria-current={t === tab ? 'page' : undefined} onClick={() => setTab(t)}>
              {label}
            </button>
          ))}
        </nav>
        <p class="who">
          Signed in as <strong data-testid="who">{session.key.name ?? session.key.id}</strong> ({session.key.role})
          <button type="button" class="link" onClick={signOut}>Sign out</button>
        </p>
      </header>
      <main>
        {tab === 'queue' && <QueueView me={session.key.id} />}
        {tab === 'stats' && <StatsView />}
        {tab === 'policy' && <PolicyView />}
        {tab === 'adapt' && <AdaptView />}
      </main>
    </div>
  );
}

render(<App />, document.getElementById('app')!);
