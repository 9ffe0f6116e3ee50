/**
 * Admin: the policy thresholds (global, per site, per thread) as a form. Saving needs a preview
 * of the draft first: how many pending comments it would release and published ones it would hold.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type Policy, type PolicyPreview, type PolicyThresholds, type PolicyVersion } from './api';

const KEYS = ['toxicity', 'offTopic', 'insult', 'threat', 'identity_attack', 'profanity', 'other'] as const;
type Key = (typeof KEYS)[number];
type Scope = { kind: 'global' } | { kind: 'sites' | 'threads'; id: string };

const scopeOf = (p: Policy, s: Scope): PolicyThresholds => (s.kind === 'global' ? p.thresholds : (p[s.kind]?.[s.id]?.thresholds ?? {}));

function withScope(p: Policy, s: Scope, t: PolicyThresholds): Policy {
  if (s.kind === 'global') return { ...p, thresholds: t };
  const all = { ...(p[s.kind] ?? {}) };
  if (Object.keys(t).length) all[s.id] = { thresholds: t };
  else delete all[s.id];
  return { ...p, [s.kind]: all };
}

/** The policy tab (admin keys only): edit a scope's thresholds, preview, save. */
export function PolicyView() {
  const [current, setCurrent] = useState<PolicyVersion | null>(null);
  const [draft, setDraft] = useState<Policy>({ thresholds: {} });
  const [scope, setScope] = useState<Scope>({ kind: 'global' });
  const [preview, setPreview] = useState<{ of: string; r: PolicyPreview } | null>(null);
  const [msg, setMsg] = useState('');
  const [error, setError] = useState<string | null>(null);
  const fail = (e: unknown) => setError(e instanceof ApiError ? e.message : String(e));

  const load = () =>
    api<PolicyVersion>('GET', '/v1/policy').then((p) => {
      setCurrent(p);
      setDraft(p.policy);
    }, fail);
  useEffect(() => void load(), []);

  const t = scopeOf(draft, scope);
  const setKey = (k: Key, v: number | null | undefined) => {
    const next: PolicyThresholds = { ...t };
    if (v === undefined) delete next[k];
    else next[k] = v;
    setDraft(withScope(draft, scope, next));
  };
  const draftJson = JSON.stringify(draft);
  const doPreview = async () => {
    setError(null);
    try {
      setPreview({ of: draftJson, r: await api<PolicyPreview>('POST', '/v1/policy/preview', draft) });
    } catch (e) {
      fail(e);
    }
  };
  const save = async () => {
    setError(null);
    try {
      const v = await api<PolicyVersion>('PUT', '/v1/policy', draft);
      setMsg(`Saved as version ${v.version}.`);
      setPreview(null);
      await load();
    } catch (e) {
      fail(e);
    }
  };
  const previewed = preview?.of === draftJson;
  const scopeIds = scope.kind === 'global' ? [] : Object.keys(draft[scope.kind] ?? {});

  return (
    <section class="policy" aria-labelledby="policy-title">
      <h2 id="policy-title">Policy thresholds</h2>
      <p>A comment is held when a score is at or above its threshold. Empty: inherit (site and thread scopes fall back to global, global to the model's tuned thresholds). "Never": this score never holds. Current version: {current ? `${current.version} (${current.changedBy ?? 'default'})` : '…'}.</p>
      <form onSubmit={(e) => { e.preventDefault(); void doPreview(); }}>
        <fieldset>
          <legend>Scope</legend>
          <label>Applies to <select value={scope.kind} onChange={(e) => { const k = (e.target as HTMLSelectElement).value as Scope['kind']; setScope(k === 'global' ? { kind: 'global' } : { kind: k, id: '' }); }}>
            <option value="global">every comment (global)</option><option value="sites">one site</option><option value="threads">one thread</option>
          </select></label>
          {scope.kind !== 'global' && (
            <label>{scope.kind === 'sites' ? 'Site id' : 'Thread id'} <input list="scope-ids" value={scope.id} required onChange={(e) => setScope({ kind: scope.kind, id: (e.target as HTMLInputElement).value.trim() })} /></label>
          )}
          <datalist id="scope-ids">{scopeIds.map((id) => <option value={id} />)}</datalist>
        </fieldset>
        {/* Disabled until the saved policy has loaded: an edit made earlier would be overwritten by it. */}
        <fieldset disabled={!current || (scope.kind !== 'global' && !scope.id)}>
          <legend>Thresholds</legend>
          <table class="thresholds">
            <thead><tr><th scope="col">Score</th><th scope="col">Threshold (0–1)</th><th scope="col">Never hold</th></tr></thead>
            <tbody>
              {KEYS.map((k) => (
                <tr>
                  <th scope="row"><label for={`th-${k}`}>{k}</label></th>
                  <td><input id={`th-${k}`} type="number" min={0} max={1} step={0.01} disabled={t[k] === null} value={typeof t[k] === 'number' ? String(t[k]) : ''}
                    onChange={(e) => { const v = (e.target as HTMLInputElement).value; setKey(k, v === '' ? undefined : Number(v)); }} /></td>
                  <td><input type="checkbox" aria-label={`never hold on ${k}`} checked={t[k] === null} onChange={(e) => setKey(k, (e.target as HTMLInputElement).checked ? null : undefined)} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </fieldset>
        <fieldset disabled={!current}>
          <legend>Audit sample</legend>
          {/* Held comments alone would teach each site's adapter only what the policy already holds. */}
          <label for="audit-share">Share of would-be-published comments queued as audit items (0–1; empty: 0.02)</label>{' '}
          <input id="audit-share" type="number" min={0} max={1} step={0.01} value={draft.auditShare === undefined ? '' : String(draft.auditShare)}
            onChange={(e) => { const v = (e.target as HTMLInputElement).value; const next = { ...draft }; if (v === '') delete next.auditShare; else next.auditShare = Number(v); setDraft(next); }} />
        </fieldset>
        <div class="buttons">
          <button type="submit" disabled={!current}>Preview</button>
          <button type="button" disabled={!previewed} onClick={save}>Save</button>
          <button type="button" onClick={() => { if (current) setDraft(current.policy); setPreview(null); }}>Reset</button>
        </div>
      </form>
      {error && <p role="alert" class="error">{error}</p>}
      {preview && (
        <div class="preview" data-testid="preview" role="status">
          <h3>Preview{previewed ? '' : ' (of an earlier draft: preview again to save)'}</h3>
          <ul>
            <li>Pending: <strong data-testid="preview-release">{preview.r.pending.release}</strong> would be released, {preview.r.pending.hold} stay held (of {preview.r.pending.scanned}).</li>
            <li>Published: <strong data-testid="preview-hold">{preview.r.published.hold}</strong> would now be held, {preview.r.published.keep} stay published (of {preview.r.published.scanned}).</li>
            {preview.r.truncated && <li>Only the oldest comments of each status were read: the counts are a lower bound.</li>}
          </ul>
          <p class="note">Saving changes future comments only; stored comments keep their status.</p>
        </div>
      )}
      {msg && <p role="status">{msg}</p>}
      <details><summary>Policy document</summary><pre>{JSON.stringify(draft, null, 2)}</pre></details>
    </section>
  );
}
