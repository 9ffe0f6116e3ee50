/**
 * Latency of `POST /v1/score` with one comment on a warm server, fast mode (the convolutional
 * model alone, the baseline) against accurate mode (with the sentence-encoder heads), in the same
 * run: each mode's server in this process (scoring in its worker thread), sequential requests,
 * every comment a different text (the encoder's memo of vectors never answers for it).
 *
 *   node dist/bench/score-latency.js [--requests 200] [--warmup 20] [--workers 1] [--heads DIR] [--modes fast,accurate]
 *                                    [--request-modes fast,accurate]
 *
 * `--request-modes` sends each request with a `mode` in the body, taking the listed modes in turn
 * (request 1 fast, 2 accurate, 3 fast, ...), so on one server both paths are measured against
 * each other under the same load; a server is sent only the modes its `/readyz` lists (a fast
 * server: fast). Without it, requests carry no `mode` (the server's own).
 *
 * Texts: tsd_trial comments (../shared/datasets), else numbered sentences.
 */
import * as http from 'node:http';
import { parseArgs } from 'node:util';
import { startServer } from '../src/server/serve';
import { createLogger } from '../src/server/logging';
import { loadTsd } from '../src/data';
import type { ScorerMode } from '../src/scorer';

function call(port: number, method: 'GET' | 'POST', path: string, body = ''): Promise<{ status: number; ms: number; text: string }> {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - t0) / 1e6, text: Buffer.concat(chunks).toString('utf8') }));
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
  const { values } = parseArgs({ options: { requests: { type: 'string', default: '200' }, warmup: { type: 'string', default: '20' }, workers: { type: 'string', default: '1' }, heads: { type: 'string' }, modes: { type: 'string', default: 'fast,accurate' }, 'request-modes': { type: 'string' } } });
  const n = Number(values.requests);
  const warm = Number(values.warmup);
  const asked = values['request-modes']?.split(',') as ScorerMode[] | undefined;
  const all = texts((n + warm) * (asked?.length ?? 1));
  const rows: string[] = [];
  for (const mode of values.modes!.split(',') as ScorerMode[]) {
    const srv = await startServer(
      { port: 0, host: '127.0.0.1', databaseUrl: 'sqlite::memory:', scoreWorkers: Number(values.workers), rateLimitPerClient: 0, rateLimitPerKey: 0, scoreRequiresKey: false },
      { mode, ...(mode === 'accurate' && values.heads ? { modelDir: values.heads } : {}) },
      createLogger('silent'),
    );
    await srv.ready;
    const served = (JSON.parse((await call(srv.port, 'GET', '/readyz')).text) as { model: { modes?: ScorerMode[] } }).model.modes ?? [mode];
    const skipped = (asked ?? []).filter((m) => !served.includes(m));
    if (skipped.length) process.stderr.write(`server ${mode} does not serve ${skipped.join(', ')} (it serves ${served.join(', ')}): not measured there\n`);
    // undefined: no `mode` in the body, the server's own.
    const paths: Array<ScorerMode | undefined> = asked ? asked.filter((m) => served.includes(m)) : [undefined];
    const times = paths.map((): number[] => []);
    let t = 0;
    for (let i = 0; i < warm + n; i++) {
      for (let j = 0; j < paths.length; j++, t++) {
        const body = { comments: [{ id: `c${t}`, text: all[t] }], ...(paths[j] ? { mode: paths[j] } : {}) };
        const r = await call(srv.port, 'POST', '/v1/score', JSON.stringify(body));
        if (r.status !== 200) throw new Error(`${mode} server, ${paths[j] ?? 'default'} request: HTTP ${r.status} ${r.text}`);
        if (i >= warm) times[j].push(r.ms);
      }
    }
    await srv.close();
    paths.forEach((p, j) => {
      const ms = times[j].sort((a, b) => a - b);
      rows.push(`| ${mode} | ${p ?? '(none)'} | ${n} | ${q(ms, 0).toFixed(1)} | ${q(ms, 0.5).toFixed(1)} | ${q(ms, 0.9).toFixed(1)} | ${q(ms, 0.99).toFixed(1)} |`);
    });
  }
  process.stdout.write(['| server mode | request mode | requests | min ms | p50 ms | p90 ms | p99 ms |', '| --- | --- | --- | --- | --- | --- | --- |', ...rows].join('\n') + '\n');
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
