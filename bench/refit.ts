/**
 * A site's refit as the server runs it (`POST /v1/adapt/sites/{site}/fit`: labels read from the
 * store, `fitAdapter` in a worker thread, the version written), on 10,000 stored decisions, and
 * what the rest of the server sees meanwhile: `GET /healthz` latency and the event loop's delay,
 * against the same probes with no fit running, in the same run. SQLite, and PostgreSQL when
 * MODERATO_TEST_PG (default postgres://postgres@127.0.0.1:5432/test) answers.
 * Run: node dist/bench/refit.js [DECISIONS]   (built code: npx tsc -p tsconfig.json first)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { quantize } from '../src/adapt';
import { ENCODER_DIM } from '../src/encoder/types';
import { openStore, type ImportedLabel, type QueueStore } from '../src/queue';
import { createApp } from '../src/server/app';
import { configFromEnv } from '../src/server/config';
import { CATEGORIES } from '../src/types';
import { mulberry32 } from '../src/util/prng';
import { sigmoid } from '../src/util/math';
import { since, summarize, table } from './stats';

const N = Number(process.argv[2] ?? 10_000);
const PG = process.env.MODERATO_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Decisions that follow the base toxicity and one direction of the vector (an adapter can gain on
 * the base), as stored features. Its own generator: bench/adapt.ts runs its benchmark on import.
 */
function labels(n: number): ImportedLabel[] {
  const rand = mulberry32(7);
  const gauss = (): number => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  return Array.from({ length: n }, (_, i) => {
    const v = Float32Array.from({ length: ENCODER_DIM }, gauss);
    const norm = Math.hypot(...v);
    v.forEach((x, j) => (v[j] = x / norm));
    const t = gauss();
    const base = { toxicity: sigmoid(t + 0.5 * gauss()), ...Object.fromEntries(CATEGORIES.map((c) => [c, sigmoid(t - 1 + gauss())])) };
    const z = t + 3 * v[0]! * Math.sqrt(ENCODER_DIM) - 1 + 0.5 * gauss();
    return { id: `d${i}`, text: `decision ${i}`, label: z > 0 ? 1 : 0, features: { base, vector: quantize(v) } } as ImportedLabel;
  });
}

/** Probes `/healthz` every 20 ms until `done` settles; answers each probe's latency (ms). */
async function probe(url: string, done: Promise<unknown>): Promise<number[]> {
  let over = false;
  void done.finally(() => (over = true));
  const out: number[] = [];
  while (!over) {
    const t = process.hrtime.bigint();
    await fetch(`${url}/healthz`).then((r) => r.text());
    out.push(since(t));
    await new Promise((r) => setTimeout(r, 20));
  }
  return out;
}

async function run(kind: string, store: QueueStore, rows: (string | number)[][]): Promise<void> {
  const all = labels(N);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i += 1000) await store.importLabels('bench', all.slice(i, i + 1000));
  const importMs = since(t0);
  const t1 = process.hrtime.bigint();
  await store.siteExamples('bench');
  const readMs = since(t1);
  const deps = { scorer: { current: null }, config: { ...configFromEnv({}), refitEvery: 0, rateLimitPerClient: 0, rateLimitPerKey: 0 }, store };
  const key = (await store.createApiKey({ role: 'admin', name: 'bench' })).key;
  const server = createApp(deps).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const idle = await probe(url, new Promise((r) => setTimeout(r, 3000)));
    const idleLoop = loop.percentile(99) / 1e6;
    loop.reset();
    const t2 = process.hrtime.bigint();
    const fit = fetch(`${url}/v1/adapt/sites/bench/fit`, { method: 'POST', headers: { Authorization: `Bearer ${key}` } }).then((r) => r.json() as Promise<{ version: { report: { auc: { toxicity?: { base: number; adapted: number } } } }; activated: boolean }>);
    const during = await probe(url, fit);
    const fitMs = since(t2);
    const fitLoop = loop.percentile(99) / 1e6;
    loop.disable();
    const out = await fit;
    const auc = out.version.report.auc.toxicity;
    const i = summarize(idle);
    const d = summarize(during);
    rows.push([kind, N, importMs, readMs, fitMs, `${auc ? `${auc.base.toFixed(3)} -> ${auc.adapted.toFixed(3)}` : '-'}${out.activated ? ' (active)' : ''}`,
      `${i.median.toFixed(1)} / ${i.p99.toFixed(1)} (${i.n})`, `${d.median.toFixed(1)} / ${d.p99.toFixed(1)} (${d.n})`, `${idleLoop.toFixed(1)} / ${fitLoop.toFixed(1)}`]);
  } finally {
    await new Promise((r) => server.close(r));
  }
}

async function main(): Promise<void> {
  const rows: (string | number)[][] = [];
  const dir = mkdtempSync(join(tmpdir(), 'moderato-refit-'));
  const sqlite = await openStore(`sqlite:${join(dir, 'bench.db')}`);
  try {
    await run('sqlite', sqlite, rows);
  } finally {
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const schema = `bench_refit_${randomBytes(4).toString('hex')}`;
  const pg = await openStore(`${PG}?schema=${schema}`).catch((e: Error) => (console.error(`PostgreSQL skipped: ${e.message}`), null));
  if (pg) {
    try {
      await run('postgres', pg, rows);
    } finally {
      await pg.close();
      const c = new Client({ connectionString: PG });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    }
  }
  console.log(table(['store', 'decisions', 'import ms', 'read labels ms', 'POST fit ms', 'toxicity AUC base -> adapted', '/healthz idle p50 / p99 ms (n)', '/healthz during fit p50 / p99 ms (n)', 'loop delay p99 idle / fit ms'], rows));
}

void main();
