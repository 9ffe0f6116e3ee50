/**
 * Latency of `POST /v1/score` with one comment on a warm server, fast mode (the convolutional
 * model alone, the baseline) against accurate mode (with the sentence-encoder heads), in the same
 * run: each mode's server in this process (scoring in its worker thread), sequential requests,
 * every comment a different text (the encoder's memo of vectors never answers for it).
 *
 *   node dist/bench/score-latency.js [--requests 200] [--warmup 20] [--workers 1] [--heads DIR] [--modes fast,accurate]
 *
 * Texts: tsd_trial comments (../shared/datasets), else numbered sentences.
 */
import * as http from 'node:http';
import { parseArgs } from 'node:util';
import { startServer } from '../src/server/serve';
import { createLogger } from '../src/server/logging';
import { loadTsd } from '../src/data';
import type { ScorerMode } from '../src/scorer';

function post(port: number, body: string): Promise<{ status: number; ms: number }> {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/v1/score', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function texts(n: number): string[] {
  let pool: string[] = [];
  try {
    pool = [...new Set(loadTsd('tsd_trial').map((p) => p.text))];
  } catch {
    pool = [];
  }
  if (pool.length < n) pool = Array.from({ length: n }, (_, i) => `Comment ${i}: the council's plan for the harbour footbridge is ${i % 2 ? 'a waste of money' : 'long overdue'}, and whoever wrote this article should check the figures.`);
  return pool.slice(0, n);
}

const q = (xs: number[], p: number): number => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))];

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { requests: { type: 'string', default: '200' }, warmup: { type: 'string', default: '20' }, workers: { type: 'string', default: '1' }, heads: { type: 'string' }, modes: { type: 'string', default: 'fast,accurate' } } });
  const n = Number(values.requests);
  const warm = Number(values.warmup);
  const all = texts(n + warm);
  const rows: string[] = [];
  for (const mode of values.modes!.split(',') as ScorerMode[]) {
    const srv = await startServer(
      { port: 0, host: '127.0.0.1', databaseUrl: 'sqlite::memory:', scoreWorkers: Number(values.workers), rateLimitPerClient: 0, rateLimitPerKey: 0, scoreRequiresKey: false },
      { mode, ...(mode === 'accurate' && values.heads ? { modelDir: values.heads } : {}) },
      createLogger('silent'),
    );
    await srv.ready;
    const times: number[] = [];
    for (let i = 0; i < warm + n; i++) {
      const r = await post(srv.port, JSON.stringify({ comments: [{ id: `c${i}`, text: all[i] }] }));
      if (r.status !== 200) throw new Error(`${mode}: HTTP ${r.status}`);
      if (i >= warm) times.push(r.ms);
    }
    await srv.close();
    times.sort((a, b) => a - b);
    rows.push(`| ${mode} | ${n} | ${q(times, 0).toFixed(1)} | ${q(times, 0.5).toFixed(1)} | ${q(times, 0.9).toFixed(1)} | ${q(times, 0.99).toFixed(1)} |`);
  }
  process.stdout.write(['| mode | requests | min ms | p50 ms | p90 ms | p99 ms |', '| --- | --- | --- | --- | --- | --- |', ...rows].join('\n') + '\n');
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
