/**
 * Stats: held and decided comments over time by category (stacked bars, SVG drawn with
 * attributes only, so the CSP needs no inline style), and decisions per moderator. Every chart
 * has the same numbers as a table, for screen readers and for copying.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, query, type Activity } from './api';

const COLORS: Record<string, string> = {
  insult: '#c0392b', threat: '#7d3c98', identity_attack: '#d35400', profanity: '#1f618d', other: '#566573', toxicity: '#922b21', off_topic: '#117a65', none: '#aab7b8',
};
const RANGES = [
  { label: 'last 24 hours', hours: 24, bucketMinutes: 60 },
  { label: 'last 7 days', hours: 24 * 7, bucketMinutes: 24 * 60 },
  { label: 'last hour', hours: 1, bucketMinutes: 5 },
];

/** Every bucket of the range, empty ones too, so the bars sit on an even time axis (the API answers only buckets with events). */
function allBuckets(a: Activity): Activity['buckets'] {
  const ms = a.bucketSeconds * 1000;
  const have = new Map(a.buckets.map((b) => [Date.parse(b.start), b]));
  const out: Activity['buckets'] = [];
  for (let t = Math.floor(Date.parse(a.since) / ms) * ms; t <= Date.now(); t += ms) out.push(have.get(t) ?? { start: new Date(t).toISOString(), held: {}, decided: {} });
  return out;
}

function Chart({ title, buckets, field }: { title: string; buckets: Activity['buckets']; field: 'held' | 'decided' }) {
  const cats = [...new Set(buckets.flatMap((b) => Object.keys(b[field])))].sort();
  const totals = buckets.map((b) => Object.values(b[field]).reduce((s, n) => s + n, 0));
  const max = Math.max(1, ...totals);
  const W = 640, H = 160, bw = Math.max(2, Math.min(40, (W - 40) / Math.max(1, buckets.length) - 2));
  const total = totals.reduce((s, n) => s + n, 0);
  return (
    <figure class="chart">
      <figcaption>{title}: {total} in all</figcaption>
      <svg viewBox={`0 0 ${W} ${H + 20}`} width={W} height={H + 20} role="img" aria-label={`${title}, ${total} in all; the table below has the numbers`}>
        <line x1={30} y1={H} x2={W} y2={H} stroke="#333" />
        <text x={0} y={12} font-size="11">{max}</text>
        <text x={0} y={H} font-size="11">0</text>
        {buckets.length > 0 && <text x={34} y={H + 16} font-size="11">{new Date(buckets[0]!.start).toLocaleString()}</text>}
        {buckets.length > 1 && <text x={W} y={H + 16} font-size="11" text-anchor="end">{new Date(buckets[buckets.length - 1]!.start).toLocaleString()}</text>}
        {buckets.map((b, i) => {
          let y = H;
          return cats.map((c) => {
            const n = b[field][c] ?? 0;
            if (!n) return null;
            const h = (n / max) * (H - 10);
            y -= h;
            return <rect x={34 + i * (bw + 2)} y={y} width={bw} height={h} fill={COLORS[c] ?? '#888'}><title>{`${new Date(b.start).toLocaleString()}: ${c} ${n}`}</title></rect>;
          });
        })}
      </svg>
      <ul class="chart-legend">{cats.map((c) => <li><svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" fill={COLORS[c] ?? '#888'} /></svg> {c}</li>)}</ul>
      <details>
        <summary>Numbers</summary>
        <table>
          <thead><tr><th scope="col">From</th>{cats.map((c) => <th scope="col">{c}</th>)}</tr></thead>
          <tbody>{buckets.filter((b) => Object.keys(b[field]).length).map((b) => <tr><td>{new Date(b.start).toLocaleString()}</td>{cats.map((c) => <td>{b[field][c] ?? 0}</td>)}</tr>)}</tbody>
        </table>
      </details>
    </figure>
  );
}

/** The stats tab: activity over a chosen range and decisions per moderator. */
export function StatsView() {
  const [range, setRange] = useState(0);
  const [data, setData] = useState<Activity | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const r = RANGES[range]!;
    api<Activity>('GET', `/v1/stats/activity${query({ hours: r.hours, bucketMinutes: r.bucketMinutes })}`).then(setData, (e) => setError(e instanceof ApiError ? e.message : String(e)));
  }, [range]);
  return (
    <section class="stats" aria-labelledby="stats-title">
      <h2 id="stats-title">Activity</h2>
      <label>Range <select value={range} onChange={(e) => setRange(Number((e.target as HTMLSelectElement).value))}>{RANGES.map((r, i) => <option value={i}>{r.label}</option>)}</select></label>
      {error && <p role="alert" class="error">{error}</p>}
      {data && (
        <>
          <Chart title="Held comments by category" buckets={allBuckets(data)} field="held" />
          <Chart title="Decisions by category" buckets={allBuckets(data)} field="decided" />
          <table class="moderators" data-testid="moderators">
            <caption>Decisions per moderator</caption>
            <thead><tr><th scope="col">Moderator</th><th scope="col">Approved</th><th scope="col">Rejected</th><th scope="col">Escalated</th><th scope="col">Total</th></tr></thead>
            <tbody>
              {data.moderators.length === 0 && <tr><td colSpan={5}>No decisions in this range.</td></tr>}
              {data.moderators.map((m) => <tr><td>{m.moderator ?? m.moderatorId}</td><td>{m.approve}</td><td>{m.reject}</td><td>{m.escalate}</td><td>{m.total}</td></tr>)}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
