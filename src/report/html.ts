/**
 * The report as one self-contained HTML file: inline CSS and SVG charts drawn here, no script,
 * no fonts or images fetched, so it opens offline and can be mailed as it is.
 */
import { CATEGORIES } from '../types';
import { BINS, POSITION_BUCKETS, type ReportStats, type ThreadStats } from './aggregate';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const pct = (n: number, d: number): string => (d ? `${((100 * n) / d).toFixed(1)}%` : '-');
const num = (n: number): string => n.toLocaleString('en');

interface Bar {
  label: string;
  value: number;
  /** Shown on hover and to screen readers. */
  title: string;
}

/** A vertical bar chart; `max` fixes the scale (e.g. 1 for shares). */
function bars(caption: string, data: Bar[], opts: { max?: number; yLabel?: (v: number) => string; color?: string; width?: number } = {}): string {
  const W = opts.width ?? 640;
  const H = 200;
  const pad = { l: 48, r: 8, t: 8, b: 40 };
  const max = opts.max ?? Math.max(1e-9, ...data.map((d) => d.value));
  const bw = (W - pad.l - pad.r) / Math.max(1, data.length);
  const y = (v: number): number => pad.t + (H - pad.t - pad.b) * (1 - v / max);
  const fmt = opts.yLabel ?? ((v: number) => num(Math.round(v)));
  const ticks = [0, 0.5, 1].map((f) => `<text x="${pad.l - 6}" y="${y(max * f) + 4}" text-anchor="end">${esc(fmt(max * f))}</text><line x1="${pad.l}" x2="${W - pad.r}" y1="${y(max * f)}" y2="${y(max * f)}" class="grid"/>`);
  const longest = Math.max(1, ...data.map((d) => d.label.length));
  const every = Math.max(1, Math.ceil((data.length * longest * 6.5) / (W - pad.l - pad.r)));
  const rects = data.map((d, i) => {
    const x = pad.l + i * bw;
    const label = i % every === 0 ? `<text x="${x + bw / 2}" y="${H - pad.b + 14}" text-anchor="middle">${esc(d.label)}</text>` : '';
    return `<rect x="${x + 1}" y="${y(d.value)}" width="${Math.max(1, bw - 2)}" height="${Math.max(0, H - pad.b - y(d.value))}" fill="${opts.color ?? '#4a6fa5'}"><title>${esc(d.title)}</title></rect>${label}`;
  });
  return `<figure><svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(caption)}">${ticks.join('')}${rects.join('')}</svg><figcaption>${esc(caption)}</figcaption></figure>`;
}

function histogram(caption: string, hist: number[], color?: string, width?: number): string {
  return bars(
    caption,
    hist.map((v, i) => ({ label: (i / BINS).toFixed(1), value: v, title: `${(i / BINS).toFixed(2)}-${((i + 1) / BINS).toFixed(2)}: ${num(v)} comments` })),
    { color, width },
  );
}

function threadLabel(t: ThreadStats): string {
  return t.title ? `${t.title} (${t.id})` : t.id;
}

function threadTable(caption: string, rows: ThreadStats[]): string {
  if (rows.length === 0) return '';
  const body = rows
    .map(
      (t) =>
        `<tr><td>${esc(threadLabel(t))}</td><td>${num(t.comments)}</td><td>${(t.toxicitySum / t.comments).toFixed(3)}</td><td>${t.toxicityMax.toFixed(3)}</td><td>${pct(t.flagged, t.comments)}</td><td>${pct(t.offTopicFlagged, t.comments)}</td></tr>`,
    )
    .join('');
  return `<table><caption>${esc(caption)}</caption><thead><tr><th scope="col">thread</th><th scope="col">comments</th><th scope="col">mean toxicity</th><th scope="col">max toxicity</th><th scope="col">flagged</th><th scope="col">off-topic</th></tr></thead><tbody>${body}</tbody></table>`;
}

/** Days bucketed by day, week or month so a chart has at most about 60 bars. */
function overTime(s: ReportStats): string {
  if (s.days.size === 0) return '<p class="note">No dates in the input (createdAt): comments over time are not shown.</p>';
  const days = [...s.days.keys()].sort();
  const span = (Date.parse(days[days.length - 1]) - Date.parse(days[0])) / 86_400_000;
  const key = span > 730 ? (d: string) => d.slice(0, 7) : span > 90 ? (d: string) => isoWeekStart(d) : (d: string) => d;
  const unit = span > 730 ? 'month' : span > 90 ? 'week' : 'day';
  const buckets = new Map<string, { comments: number; flagged: number }>();
  for (const d of days) {
    const k = key(d);
    const b = buckets.get(k) ?? { comments: 0, flagged: 0 };
    b.comments += s.days.get(d)!.comments;
    b.flagged += s.days.get(d)!.flagged;
    buckets.set(k, b);
  }
  const rows = [...buckets.entries()];
  return (
    bars(`Comments per ${unit}`, rows.map(([k, b]) => ({ label: k, value: b.comments, title: `${k}: ${num(b.comments)} comments` })), { color: '#8a9bb0' }) +
    bars(`Flagged share per ${unit}`, rows.map(([k, b]) => ({ label: k, value: b.flagged / b.comments, title: `${k}: ${pct(b.flagged, b.comments)} of ${num(b.comments)} flagged` })), {
      max: 1,
      yLabel: (v) => `${Math.round(v * 100)}%`,
      color: '#b5473a',
    })
  );
}

function isoWeekStart(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
}

/** The most toxic threads: highest mean toxicity among threads with at least `minComments`. */
export function topThreads(s: ReportStats, n = 15, minComments = 3): ThreadStats[] {
  const all = [...s.threads.values()];
  const big = all.filter((t) => t.comments >= minComments);
  return (big.length ? big : all).sort((a, b) => b.toxicitySum / b.comments - a.toxicitySum / a.comments || b.comments - a.comments).slice(0, n);
}

/** Renders the whole report. */
export function renderHtml(s: ReportStats, opts: { source: string; generatedAt?: Date }): string {
  const largest = [...s.threads.values()].sort((a, b) => b.comments - a.comments).slice(0, 30);
  const drift = s.positions.map((p, i) => {
    const [lo, hi] = POSITION_BUCKETS[i];
    const label = hi === Infinity ? `${lo}+` : lo === hi ? `${lo}` : `${lo}-${hi}`;
    return { label, value: p.comments ? p.offTopicSum / p.comments : 0, title: `comments ${label} of their thread: mean off-topic ${p.comments ? (p.offTopicSum / p.comments).toFixed(3) : '-'} over ${num(p.comments)}` };
  });
  const catRows = CATEGORIES.map((c) => `<tr><th scope="row">${c.replace('_', ' ')}</th><td>${num(s.categories[c].flagged)}</td><td>${pct(s.categories[c].flagged, s.comments)}</td></tr>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Moderato report: ${esc(opts.source)}</title>
<style>
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:980px;padding:0 1rem;color:#1d232b;background:#fff}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2.2rem;border-bottom:1px solid #d5dbe3}
.kpis{display:flex;gap:1rem;flex-wrap:wrap}.kpi{border:1px solid #d5dbe3;border-radius:6px;padding:.6rem 1rem}.kpi b{display:block;font-size:1.4rem}
figure{margin:1rem 0}svg{width:100%;height:auto}svg text{font-size:11px;fill:#4b5563}.grid{stroke:#e5e7eb}
figcaption,.note{color:#4b5563;font-size:.9rem}table{border-collapse:collapse;width:100%;margin:1rem 0;font-size:.9rem}
caption{text-align:left;font-weight:600;margin-bottom:.3rem}th,td{border-bottom:1px solid #e5e7eb;padding:.3rem .5rem;text-align:right}
th:first-child,td:first-child{text-align:left}.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:0 1.5rem}
</style></head><body>
<h1>Moderato report</h1>
<p>${esc(opts.source)}, generated ${esc((opts.generatedAt ?? new Date()).toISOString().slice(0, 16).replace('T', ' '))} UTC.</p>
<div class="kpis">
<div class="kpi"><b>${num(s.comments)}</b>comments</div>
<div class="kpi"><b>${pct(s.flagged, s.comments)}</b>flagged (${num(s.flagged)})</div>
<div class="kpi"><b>${num(s.threads.size)}</b>threads</div>
<div class="kpi"><b>${pct(s.offTopicFlagged, s.withContext)}</b>off-topic, of ${num(s.withContext)} with context</div>
</div>
${s.badLines ? `<p class="note">${num(s.badLines)} line(s) of the input were not results and were skipped.</p>` : ''}
<h2>Toxicity</h2>
${histogram('Comments by toxicity score', s.toxicity, '#b5473a')}
<h2>Categories</h2>
<table><caption>Comments flagged per category</caption><thead><tr><th scope="col">category</th><th scope="col">flagged</th><th scope="col">share</th></tr></thead><tbody>${catRows}</tbody></table>
<div class="grid2">${CATEGORIES.map((c) => histogram(`${c.replace('_', ' ')} score`, s.categories[c].hist, undefined, 360)).join('')}</div>
<h2>Threads</h2>
${largest.length ? bars('Flagged share in the largest threads', largest.map((t) => ({ label: t.id.slice(0, 10), value: t.flagged / t.comments, title: `${threadLabel(t)}: ${pct(t.flagged, t.comments)} of ${num(t.comments)} flagged` })), { max: 1, yLabel: (v) => `${Math.round(v * 100)}%`, color: '#b5473a' }) : '<p class="note">No thread ids in the input: per-thread figures are not shown.</p>'}
${threadTable('Most toxic threads (mean toxicity, threads of 3+ comments)', topThreads(s))}
<h2>Over time</h2>
${overTime(s)}
<h2>Off-topic drift</h2>
${s.withContext ? histogram('Comments by off-topic score (comments with an article or thread)', s.offTopic, '#6b5ca5') + bars('Mean off-topic score by position in the thread: does the conversation drift?', drift, { max: 1, yLabel: (v) => v.toFixed(1), color: '#6b5ca5' }) : '<p class="note">No comment had context (article or thread): off-topic is not shown.</p>'}
</body></html>
`;
}

/** The plain summary printed on stderr. */
export function renderSummary(s: ReportStats): string {
  const lines = [
    `${num(s.comments)} comments, ${num(s.flagged)} flagged (${pct(s.flagged, s.comments)}), ${num(s.threads.size)} threads${s.badLines ? `, ${num(s.badLines)} line(s) skipped` : ''}`,
    `by category: ${CATEGORIES.map((c) => `${c} ${num(s.categories[c].flagged)} (${pct(s.categories[c].flagged, s.comments)})`).join(', ')}`,
    `off-topic: ${num(s.offTopicFlagged)} of ${num(s.withContext)} with context (${pct(s.offTopicFlagged, s.withContext)})`,
  ];
  const top = topThreads(s, 5);
  if (top.length) lines.push('most toxic threads:', ...top.map((t) => `  ${(t.toxicitySum / t.comments).toFixed(3)} mean toxicity, ${pct(t.flagged, t.comments)} flagged of ${num(t.comments)}: ${threadLabel(t)}`));
  return lines.join('\n');
}
