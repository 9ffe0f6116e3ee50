import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Readable } from 'stream';
import { aggregate, renderHtml, renderSummary, topThreads } from '../../src/report';

const ROOT = path.join(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'moderato.js');

const cats = (insult: number) => ({ insult, threat: 0.01, identity_attack: 0.02, profanity: 0.03, other: 0.04 });
function line(id: string, toxicity: number, extra: Record<string, unknown> = {}) {
  const flagged = toxicity >= 0.5;
  return JSON.stringify({
    id,
    ...extra,
    toxicity,
    categories: cats(toxicity),
    offTopic: 'offTopic' in extra ? extra.offTopic : 0.2,
    flagged,
    reasons: flagged ? [{ code: 'toxicity', score: toxicity, message: '' }, { code: 'category', category: 'insult', score: toxicity, message: '' }] : [],
    spans: [],
  });
}

const sample = [
  line('a1', 0.9, { threadId: 't1', threadTitle: '<script>alert(1)</script> Bridge', createdAt: '2026-03-01T10:00:00Z' }),
  line('a2', 0.1, { threadId: 't1', threadTitle: '<script>alert(1)</script> Bridge', createdAt: '2026-03-01T11:00:00Z' }),
  line('a3', 0.7, { threadId: 't1', threadTitle: '<script>alert(1)</script> Bridge', createdAt: '2026-03-02T09:00:00Z' }),
  line('b1', 0.05, { threadId: 't2', createdAt: '2026-03-02T10:00:00Z' }),
  line('b2', 0.15, { threadId: 't2', createdAt: '2026-03-02T10:30:00Z' }),
  line('b3', 0.25, { threadId: 't2' }),
  line('s1', 0.6, { offTopic: null }),
  'not json',
  '{"id":"x"}',
].join('\n');

describe('report', () => {
  it('aggregates counts, categories, threads, days and positions from scored JSONL', async () => {
    const s = await aggregate(Readable.from([sample]));
    expect(s.comments).toBe(7);
    expect(s.flagged).toBe(3);
    expect(s.badLines).toBe(2);
    expect(s.categories.insult.flagged).toBe(3);
    expect(s.categories.threat.flagged).toBe(0);
    expect(s.withContext).toBe(6);
    expect(s.toxicity.reduce((a, b) => a + b, 0)).toBe(7);
    expect(s.toxicity[18]).toBe(1); // 0.9
    expect(s.threads.get('t1')).toMatchObject({ comments: 3, flagged: 2, toxicityMax: 0.9 });
    expect([...s.days.entries()]).toEqual([
      ['2026-03-01', { comments: 2, flagged: 1 }],
      ['2026-03-02', { comments: 3, flagged: 1 }],
    ]);
    expect(s.positions.slice(0, 3).map((p) => p.comments)).toEqual([2, 2, 2]);
    expect(topThreads(s).map((t) => t.id)).toEqual(['t1', 't2']);
    expect(renderSummary(s)).toMatch(/^7 comments, 3 flagged \(42\.9%\), 2 threads, 2 line\(s\) skipped/);
  });

  it('renders one self-contained HTML file: charts inline, nothing fetched, no script, titles escaped', async () => {
    const html = renderHtml(await aggregate(Readable.from([sample])), { source: 'x.jsonl', generatedAt: new Date('2026-03-03T00:00:00Z') });
    expect(html).toMatch(/^<!doctype html>/);
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(10);
    expect(html).not.toMatch(/<script|<link|<img|src=|url\(|@import/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; Bridge (t1)');
    for (const heading of ['Toxicity', 'Categories', 'Threads', 'Over time', 'Off-topic drift']) expect(html).toContain(`<h2>${heading}</h2>`);
  });

  it('moderato report writes the HTML and a summary on stderr; an input without results is MOD_ERR_INPUT', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moderato-report-'));
    fs.writeFileSync(path.join(dir, 'scored.jsonl'), sample + '\n');
    const r = spawnSync(process.execPath, [BIN, 'report', path.join(dir, 'scored.jsonl'), '--html', path.join(dir, 'r.html')], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/7 comments, 3 flagged/);
    expect(r.stdout).toBe('');
    expect(fs.readFileSync(path.join(dir, 'r.html'), 'utf8')).toContain('<h2>Off-topic drift</h2>');
    fs.writeFileSync(path.join(dir, 'empty.jsonl'), 'nothing here\n');
    const bad = spawnSync(process.execPath, [BIN, 'report', path.join(dir, 'empty.jsonl'), '--html', path.join(dir, 'e.html')], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/MOD_ERR_INPUT: .*holds no scored results/);
    expect(fs.existsSync(path.join(dir, 'e.html'))).toBe(false);
  });
});
