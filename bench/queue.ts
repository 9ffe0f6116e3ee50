/**
 * Queue throughput on each store (SQLite file, PostgreSQL on 127.0.0.1): items per second through
 * ingest and through claim+decide, at the store and end to end over HTTP with the real scorer.
 * Baselines in the same run: the scorer alone on the same batches (the floor of HTTP ingest), and
 * SQLite with `synchronous=NORMAL` (what the fsync per commit of the default FULL costs).
 *
 *   node dist/bench/queue.js [--items 1000] [--stores sqlite,postgres] [--no-http]
 *   (PostgreSQL: MODERATO_BENCH_PG, default postgres://postgres@127.0.0.1:5432/test)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { openStore, PostgresStore, SqliteStore, type Actor, type NewComment, type QueueStore } from '../src/queue';
import { createApp } from '../src/server/app';
import { configFromEnv } from '../src/server/config';
import { createScorer, type Scorer } from '../src/scorer';
import { CATEGORIES, type Category } from '../src/types';

// Timing helpers, kept local so this benchmark builds on its own.
const since = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;
function summarize(ms: number[]): { min: number; median: number; p99: number } {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? NaN;
  return { min: s[0] ?? NaN, median: q(0.5), p99: q(0.99) };
}
function table(header: string[], rows: (string | number)[][]): string {
  const fmt = (x: number): string => (Math.abs(x) >= 100 ? Math.round(x).toLocaleString('en') : Math.abs(x) >= 1 ? x.toFixed(2) : x.toFixed(3));
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => String(r[i]).length)));
  const line = (r: (string | number)[]) => r.map((c, i) => String(c).padEnd(widths[i]!)).join(' | ');
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('-|-'), ...cells.slice(1).map(line)].join('\n');
}

const TEMPLATES = [
  'Thanks for the article, the new footbridge will help commuters a lot.',
  'You are a stupid idiot and nobody wants to read your garbage.',
  'I disagree with the council: the money should go to schools instead.',
  'Shut up, moron, go back to wherever you came from.',
  'Does anyone know when the consultation closes?',
];
const text = (i: number) => `${TEMPLATES[i % TEMPLATES.length]} (#${i})`;

/** A pre-scored comment for the store-level runs. */
function record(id: string, i: number): NewComment {
  const categories = Object.fromEntries(CATEGORIES.map((c, k) => [c, ((i * 7 + k * 13) % 100) / 100])) as Record<Category, number>;
  const toxicity = Math.max(...Object.values(categories));
  return {
    id, text: text(i), threadId: `t${i % 20}`, result: { id, toxicity, categories, offTopic: null, flagged: true, reasons: [], spans: [] },
    status: 'pending', category: 'insult', score: toxicity, model: { name: 'bench', version: '0' },
  };
}

interface Row { store: string; phase: string; items: number; seconds: number; perSec: number; ms: number[] }
const rows: Row[] = [];
function report(store: string, phase: string, items: number, ms: number[], totalMs: number): void {
  rows.push({ store, phase, items, seconds: totalMs / 1000, perSec: items / (totalMs / 1000), ms });
  process.stderr.write(`  ${store} ${phase}: ${(items / (totalMs / 1000)).toFixed(0)} items/s\n`);
}

/** Four moderators claiming 10 at a time and deciding each; per-decision latency. */
async function decideAll(claim: (m: Actor) => Promise<string[]>, decide: (m: Actor, id: string, k: number) => Promise<void>): Promise<{ ms: number[]; total: number; n: number }> {
  const ms: number[] = [];
  let n = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    ['m1', 'm2', 'm3', 'm4'].map(async (name) => {
      const me = { id: `key_${name}`, name };
      for (;;) {
        const ids = await claim(me);
        if (ids.length === 0) return;
        for (const id of ids) {
          const t = process.hrtime.bigint();
          await decide(me, id, n++);
          ms.push(since(t));
        }
      }
    }),
  );
  return { ms, total: since(t0), n };
}

async function storeRuns(label: string, store: QueueStore, items: number): Promise<void> {
  const ms1: number[] = [];
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < items; i++) {
    const t = process.hrtime.bigint();
    await store.ingest([record(`s1-${i}`, i)]);
    ms1.push(since(t));
  }
  report(label, 'store ingest, 1 per call', items, ms1, since(t0));
  const ms100: number[] = [];
  t0 = process.hrtime.bigint();
  for (let i = 0; i < items; i += 100) {
    const t = process.hrtime.bigint();
    await store.ingest(Array.from({ length: Math.min(100, items - i) }, (_, k) => record(`s100-${i + k}`, i + k)));
    ms100.push(since(t));
  }
  report(label, 'store ingest, 100 per call', items, ms100, since(t0));
  const d = await decideAll(
    async (m) => (await store.claim({ moderator: m, limit: 10, leaseSeconds: 60 })).map((c) => c.id),
    async (m, id, k) => void (await store.decide({ commentId: id, action: k % 3 ? 'approve' : 'reject', moderator: m, idempotencyKey: id })),
  );
  report(label, 'store claim+decide, 4 moderators', d.n, d.ms, d.total);
}

async function httpRuns(label: string, store: QueueStore, scorer: Scorer, items: number): Promise<void> {
  const deps = { scorer: { current: scorer }, config: { ...configFromEnv({}), leaseSeconds: 60 }, store, log: () => undefined };
  const server = createApp(deps).listen(0);
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ingestKey = (await store.createApiKey({ role: 'ingest' })).key;
  const modKeys = new Map<string, string>();
  for (const m of ['m1', 'm2', 'm3', 'm4']) modKeys.set(`key_${m}`, (await store.createApiKey({ role: 'moderator', name: m })).key);
  const post = async (path: string, key: string, body: unknown, headers: Record<string, string> = {}) => {
    const r = await fetch(base + path, { method: 'POST', headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const json = (await r.json()) as any;
    if (r.status >= 300) throw new Error(`${path}: ${r.status} ${JSON.stringify(json)}`);
    return json;
  };
  try {
    const ms: number[] = [];
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < items; i += 10) {
      const t = process.hrtime.bigint();
      await post('/v1/comments', ingestKey, { comments: Array.from({ length: Math.min(10, items - i) }, (_, k) => ({ id: `h-${i + k}`, text: text(i + k), threadId: `t${(i + k) % 20}` })) });
      ms.push(since(t));
    }
    report(label, 'HTTP ingest (scored), 10 per request', items, ms, since(t0));
    // The same without threadId: no thread context to score along, one scorer call per request.
    const ms2: number[] = [];
    const t1 = process.hrtime.bigint();
    for (let i = 0; i < items; i += 10) {
      const t = process.hrtime.bigint();
      await post('/v1/comments', ingestKey, { comments: Array.from({ length: Math.min(10, items - i) }, (_, k) => ({ id: `n-${i + k}`, text: text(i + k) })) });
      ms2.push(since(t));
    }
    report(label, 'HTTP ingest, no thread context', items, ms2, since(t1));
    // Only held comments need decisions; how many depends on the model and policy.
    const keyOf = (m: Actor) => modKeys.get(m.id)!;
    const d = await decideAll(
      async (m) => ((await post('/v1/queue/claim', keyOf(m), { limit: 10 })).items as { id: string }[]).map((c) => c.id),
      async (m, id, k) => void (await post(`/v1/comments/${id}/decision`, keyOf(m), { action: k % 3 ? 'approve' : 'reject' }, { 'Idempotency-Key': id })),
    );
    report(label, 'HTTP claim+decide, 4 moderators', d.n, d.ms, d.total);
  } finally {
    await new Promise((r) => server.close(r));
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { items: { type: 'string', default: '1000' }, stores: { type: 'string', default: 'sqlite,postgres' }, 'no-http': { type: 'boolean', default: false } } });
  const items = Number(values.items);
  const stores = values.stores!.split(',');
  const pgBase = process.env.MODERATO_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
  let scorer: Scorer | null = null;
  if (!values['no-http']) {
    scorer = await createScorer();
    process.stderr.write(`bench: scorer ${scorer.info.name} ${scorer.info.version} (${scorer.info.backend})\n`);
    // Baseline: the scorer alone on the same batches HTTP ingest sends.
    const ms: number[] = [];
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < items; i += 10) {
      const t = process.hrtime.bigint();
      await scorer.score({ comments: Array.from({ length: Math.min(10, items - i) }, (_, k) => ({ id: `b${i + k}`, text: text(i + k) })) });
      ms.push(since(t));
    }
    report('-', 'baseline: scorer alone, 10 per call', items, ms, since(t0));
  }
  for (const kind of stores) {
    const dir = mkdtempSync(join(tmpdir(), 'moderato-bench-'));
    const schema = `bench_${randomBytes(4).toString('hex')}`;
    const open = async (): Promise<QueueStore> => (kind === 'sqlite' ? openStore(`sqlite:${join(dir, `q${rows.length}.db`)}`) : openStore(`${pgBase}?schema=${schema}`));
    try {
      process.stderr.write(`bench: ${kind}\n`);
      if (kind === 'sqlite') {
        const normal = new SqliteStore(join(dir, 'normal.db'), { synchronous: 'NORMAL' });
        await normal.migrate();
        await storeRuns('sqlite (sync=NORMAL, baseline)', normal, items);
        await normal.close();
      }
      let store = await open();
      await storeRuns(kind, store, items);
      await store.close();
      if (scorer) {
        store = await open();
        await httpRuns(kind, store, scorer, items);
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      if (kind === 'postgres') {
        const s = new PostgresStore(pgBase, { schema });
        await s.dropSchema();
        await s.close();
      }
    }
  }
  scorer?.dispose();
  console.log(
    table(
      ['store', 'phase', 'items', 'seconds', 'items/s', 'min ms', 'median ms', 'p99 ms'],
      rows.map((r) => {
        const s = summarize(r.ms);
        return [r.store, r.phase, r.items, r.seconds, r.perSec, s.min, s.median, s.p99];
      }),
    ),
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
