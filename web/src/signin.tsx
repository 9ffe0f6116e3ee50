/** The sign-in form: an API key in, a session cookie out (the key is not kept by the page). */
import { useState } from 'preact/hooks';
import { api, ApiError, type SessionView } from './api';

/** The sign-in form; calls `onSignedIn` with the new session. */
export function SignIn({ onSignedIn }: { onSignedIn: (s: SessionView) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const s = await api<SessionView>('POST', '/v1/session', { key: key.trim() });
      setKey('');
      onSignedIn(s);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin">
      <h1>Moderato</h1>
      <form onSubmit={submit}>
        <h2>Sign in</h2>
        <p>Use a moderator or admin API key (<code>moderato keys create --role moderator</code>). The page keeps a session cookie, not the key.</p>
        <label for="key">API key</label>
        <input id="key" name="key" type="password" autocomplete="off" spellcheck={false} required value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} />
        <button type="submit" disabled={busy}>Sign in</button>
        {error && <p role="alert" class="error">{error}</p>}
      </form>
    </main>
  );
}
