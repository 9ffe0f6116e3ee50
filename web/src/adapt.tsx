/**
 * Admin: each site's adapter (README "Site adaptation"). The sites with labelled decisions, and
 * for one site its history: every fitted version with the decisions it used, base vs adapted
 * cross-validated AUC, whether the gate let it through, the learning curve; activate any version
 * (roll back or forward), use the base model, or fit now. Charts are SVG drawn with attributes
 * only (the CSP forbids inline style), with the same numbers in a table.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './api';
import type { AdapterVersion, AdaptSite } from '../../src/queue/types';

/** `POST /v1/adapt/sites/{siteId}/fit`. */
interface FitOutcome {
  version: AdapterVersion;
  activated: boolean;
}

/** `GET /v1/adapt/sites/{siteId}`. */
interface SiteView {
  siteId: string;
  labels: number;
  refitEvery: number;
  fitting: boolean;
  activeVersion: number | null;
  versions: AdapterVersion[];
}

const f3 = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(3));

/**
 * What the gates let through: each attribute is gated on its own ("passed: toxicity, off_topic
 * (½)"); adapters fitted before per-attribute gates have one gate, toxicity's.
 */
function gateSummary(r: AdapterVersion['report']): string {
  const gated = Object.entries(r.auc).filter(([, a]) => a?.strength !== undefined);
  if (!gated.length) return r.activated ? 'passed' : 'held back';
  const active = gated.filter(([, a]) => a!.strength! > 0).map(([attr, a]) => (a!.strength! < 1 ? `${attr} (½)` : attr));
  return active.length ? `passed: ${active.join(', ')}` : 'held back';
}

/** Base and adapted AUC against the number of decisions, two lines on one axis. */
function Curve({ v }: { v: AdapterVersion }) {
  const pts = v.report.curve;
  if (!pts.length) return <p>No learning curve: this fit had too few approvals or rejections for a toxicity head.</p>;
  const W = 420, H = 160, L = 40, B = 24;
  const lo = Math.max(0, Math.floor(Math.min(...pts.flatMap((p) => [p.base, p.adapted])) * 20) / 20 - 0.05);
  const hi = Math.min(1, Math.ceil(Math.max(...pts.flatMap((p) => [p.base, p.adapted])) * 20) / 20 + 0.02);
  const maxN = Math.max(...pts.map((p) => p.n));
  const x = (n: number) => L + ((W - L - 10) * n) / maxN;
  const y = (a: number) => H - B - ((H - B - 8) * (a - lo)) / Math.max(0.01, hi - lo);
  const line = (k: 'base' | 'adapted') => pts.map((p, i) => `${i ? 'L' : 'M'}${x(p.n).toFixed(1)},${y(p[k]).toFixed(1)}`).join(' ');
  return (
    <figure class="chart" data-testid="adapt-curve">
      <figcaption>Learning curve of version {v.version}: cross-validated toxicity AUC with the first n decisions</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} width={W} height={H} role="img" aria-label={`Learning curve of version ${v.version}; the table below has the numbers`}>
        <line x1={L} y1={H - B} x2={W} y2={H - B} stroke="#333" />
        <line x1={L} y1={8} x2={L} y2={H - B} stroke="#333" />
        <text x={0} y={12} font-size="11">{hi.toFixed(2)}</text>
        <text x={0} y={H - B} font-size="11">{lo.toFixed(2)}</text>
        <text x={W} y={H - 6} font-size="11" text-anchor="end">{maxN} decisions</text>
        <path d={line('base')} fill="none" stroke="#566573" stroke-width="2" stroke-dasharray="5 3" />
        <path d={line('adapted')} fill="none" stroke="#0b57d0" stroke-width="2" />
        {/* Points as well as lines: a fit on fewer decisions than the first curve step has one point only. */}
        {pts.map((p) => <circle cx={x(p.n)} cy={y(p.base)} r="3" fill="#566573"><title>{`${p.n} decisions: base ${f3(p.base)}`}</title></circle>)}
        {pts.map((p) => <circle cx={x(p.n)} cy={y(p.adapted)} r="3" fill="#0b57d0"><title>{`${p.n} decisions: adapted ${f3(p.adapted)}, base ${f3(p.base)}`}</title></circle>)}
      </svg>
      <ul class="chart-legend">
        <li><svg width="18" height="8" aria-hidden="true"><line x1="0" y1="4" x2="18" y2="4" stroke="#0b57d0" stroke-width="2" /></svg> adapted</li>
        <li><svg width="18" height="8" aria-hidden="true"><line x1="0" y1="4" x2="18" y2="4" stroke="#566573" stroke-width="2" stroke-dasharray="5 3" /></svg> base</li>
      </ul>
      <details>
        <summary>Numbers</summary>
        <table>
          <thead><tr><th scope="col">Decisions</th><th scope="col">Base AUC</th><th scope="col">Adapted AUC</th></tr></thead>
          <tbody>{pts.map((p) => <tr><td>{p.n}</td><td>{f3(p.base)}</td><td>{f3(p.adapted)}</td></tr>)}</tbody>
        </table>
      </details>
    </figure>
  );
}

/** The adapters tab (admin keys only). */
export function AdaptView() {
  const [sites, setSites] = useState<AdaptSite[] | null>(null);
  const [siteId, setSiteId] = useState('');
  const [view, setView] = useState<SiteView | null>(null);
  const [shown, setShown] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [msg, setMsg] = useState('');
  const [error, setError] = useState<string | null>(null);
  const fail = (e: unknown) => setError(e instanceof ApiError ? `${e.code}: ${e.message}` : String(e));

  const loadSites = () => api<{ items: AdaptSite[] }>('GET', '/v1/adapt/sites').then((r) => {
    setSites(r.items);
    if (!siteId && r.items[0]) setSiteId(r.items[0].siteId);
  }, fail);
  const loadSite = (id: string) => (id ? api<SiteView>('GET', `/v1/adapt/sites/${encodeURIComponent(id)}`).then(setView, fail) : Promise.resolve(setView(null)));
  useEffect(() => void loadSites(), []);
  useEffect(() => {
    setShown(null);
    void loadSite(siteId);
  }, [siteId]);

  const act = async (what: () => Promise<string>) => {
    setError(null);
    setMsg('');
    setBusy(true);
    try {
      const done = await what();
      // The message after the reload, so what it says and the table agree when it appears.
      await Promise.all([loadSite(siteId), loadSites()]);
      setMsg(done);
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  };
  const fit = () => act(async () => {
    const r = await api<FitOutcome>('POST', `/v1/adapt/sites/${encodeURIComponent(siteId)}/fit`);
    setShown(r.version.version);
    return r.activated ? `Version ${r.version.version} fitted and activated.` : `Version ${r.version.version} fitted; not activated (it does not beat the active model by the margin).`;
  });
  const activate = (version: number | null) => act(async () => {
    await api('POST', `/v1/adapt/sites/${encodeURIComponent(siteId)}/activate`, { version });
    return version === null ? 'The base model now scores this site.' : `Version ${version} is now active.`;
  });

  const current = view?.versions.find((v) => v.version === (shown ?? view.versions[0]?.version));
  return (
    <section class="adapt" aria-labelledby="adapt-title">
      <h2 id="adapt-title">Site adapters</h2>
      <p>Each site's moderators' approvals and rejections train that site's adapter; each attribute's head (toxicity, a category, off-topic) is applied only when its cross-validated AUC beats the base model by the margin. Roll back to any version, or use the base model.</p>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>Site <input list="adapt-sites" value={siteId} data-testid="adapt-site" onChange={(e) => setSiteId((e.target as HTMLInputElement).value.trim())} /></label>
        <datalist id="adapt-sites">{(sites ?? []).map((s) => <option value={s.siteId} />)}</datalist>
        <button type="button" disabled={!siteId || busy || view?.fitting} onClick={fit}>{busy ? 'Working…' : 'Fit now'}</button>
        <button type="button" disabled={!siteId || busy || view?.activeVersion == null} onClick={() => activate(null)}>Use the base model</button>
      </form>
      {sites && (
        <table class="adapt-sites" data-testid="adapt-sites">
          <caption>Sites with labelled decisions</caption>
          <thead><tr><th scope="col">Site</th><th scope="col">Decisions</th><th scope="col">Active version</th><th scope="col">Versions</th></tr></thead>
          <tbody>{sites.map((s) => <tr><th scope="row"><button type="button" class="link" onClick={() => setSiteId(s.siteId)}>{s.siteId}</button></th><td>{s.labels}</td><td>{s.activeVersion ?? 'base'}</td><td>{s.versions}</td></tr>)}</tbody>
        </table>
      )}
      {error && <p role="alert" class="error">{error}</p>}
      {msg && <p role="status" data-testid="adapt-msg">{msg}</p>}
      {view && (
        <div data-testid="adapt-site-view">
          <h3>{view.siteId}</h3>
          <p>{view.labels} labelled decisions; refitted automatically every {view.refitEvery || '–'} new decisions{view.fitting ? '; a fit is running' : ''}. Active: <strong data-testid="adapt-active">{view.activeVersion === null ? 'base model' : `version ${view.activeVersion}`}</strong>.</p>
          {view.versions.length === 0 ? <p>No adapter fitted yet.</p> : (
            <table class="adapt-versions" data-testid="adapt-versions">
              <thead><tr><th scope="col">Version</th><th scope="col">Fitted</th><th scope="col">Decisions (rejected)</th><th scope="col">Base AUC</th><th scope="col">Adapted AUC</th><th scope="col">Gate</th><th scope="col">Suggested threshold</th><th scope="col">State</th></tr></thead>
              <tbody>
                {view.versions.map((v) => (
                  <tr data-version={v.version} class={v.active ? 'active' : undefined}>
                    <th scope="row"><button type="button" class="link" aria-pressed={current?.version === v.version} onClick={() => setShown(v.version)}>v{v.version}</button></th>
                    <td>{new Date(v.createdAt).toLocaleString()}{v.createdBy ? ` · ${v.createdBy}` : ''}</td>
                    <td title={v.report.base ? `fitted over ${v.report.base.toxicity}${v.report.base.off_topic ? ` and ${v.report.base.off_topic}` : ''}${v.report.otherBase ? `; ${v.report.otherBase.toxicity} decisions scored by other models left out` : ''}` : undefined}>{v.report.decisions} ({v.report.positives})</td>
                    <td>{f3(v.report.auc.toxicity?.base)}</td>
                    <td>{f3(v.report.auc.toxicity?.adapted)}</td>
                    <td>{gateSummary(v.report)}</td>
                    <td>{v.report.suggestedThreshold ? `${v.report.suggestedThreshold.threshold.toFixed(2)} (precision ${f3(v.report.suggestedThreshold.precision)})` : '–'}</td>
                    <td>{v.active ? <strong>active</strong> : <button type="button" disabled={busy} onClick={() => activate(v.version)}>{view.activeVersion !== null && v.version < view.activeVersion ? 'Roll back to this' : 'Activate'}</button>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {current && <Curve v={current} />}
        </div>
      )}
    </section>
  );
}
