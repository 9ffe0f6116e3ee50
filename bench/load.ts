/**
 * HTTP load on the real server (autocannon, loopback, bounded): req/s and p50/p99 latency of
 * `POST /v1/score` at 1, 8, 32 and 128 connections with 1 and 20 comments per request, and the
 * latency of `GET /healthz` probed alongside (one probe every 50 ms). Baseline in the same run:
 * the same server scoring on its event loop (MODERATO_SCORE_WORKERS=0, as before the pool)
 * against the default (scoring in worker threads, bounded queue: 503 when full).
 *
 *   node dist/bench/load.js [--duration 5] [--connections 1,8,32,128] [--sizes 1,20] [--modes before,after] [--queue N]
 *
 * Each server runs in its own process (`node bin/moderato.js serve`, SQLite in memory, rate
 * limits off); autocannon and the prober share this process, so probe times include its own
 * event-loop delay (they can only overstate the server's).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import * as os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const ROOT = join(__dirname, '..', '..');
const TEXTS = [
  'Thanks for the article, the new footbridge will help commuters a lot.',
  'You are a stupid idiot and nobody wants to read your garbage.',
  'I disagree with the council: the money should go to schools instead, and the vote was rushed without asking the people who live by the harbour.',
  'Shut up, moron. Go back to wherever you came from.',
  'Does anyone know when construction starts? The article does not say.',
];

function body(n: number): string {
  return JSON.stringify({ article: { title: 'Council approves harbour footbridge' }, comments: Array.from({ length: n }, (_, i) => ({ id: `c${i}`, text: TEXTS[i % TEXTS.length] })) });
}

/** A free loopback port (the OS picks one; the server takes it right after). */
async function freePort(): Promise<number> {
  const net = await import('node:net');
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as import('node:net').AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** Starts `moderato serve` with request logs on (to /dev/null: the cost of logging is part of serving). */
async function startServer(workers: number, queue?: number): Promise<{ proc: ChildProcess; port: number }> {
  const port = await freePort();
  const proc = spawn(process.execPath, [join(ROOT, 'bin', 'moderato.js'), 'serve'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: 'sqlite::memory:', MODERATO_SCORE_WORKERS: String(workers), ...(queue !== undefined ? { MODERATO_SCORE_QUEUE: String(queue) } : {}), MODERATO_RATE_LIMIT_PER_CLIENT: '0', MODERATO_RATE_LIMIT_PER_KEY: '0' },
    stdio: 'ignore',
  });
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}`);
    if ((await get(port, '/readyz').then((r) => r.status, () => 0)) === 200) return { proc, port };
    await new Promise((r) => setTimeout(r, 200));
  }
  proc.kill('SIGKILL');
  throw new Error('server not ready after 120 s');
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function get(port: number, path: string): Promise<{ status: number; ms: number }> {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    });
    req.on('error', reject);
  });
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? NaN;
};

async function cell(port: number, connections: number, size: number, duration: number) {
  const probes: number[] = [];
  let probing = true;
  const prober = (async () => {
    while (probing) {
      probes.push((await get(port, '/healthz')).ms);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const r = await autocannon({ url: `http://127.0.0.1:${port}/v1/score`, method: 'POST', headers: { 'content-type': 'application/json' }, body: body(size), connections, duration, timeout: 30 });
  probing = false;
  await prober;
  return { ok: r['2xx'], busy: r.non2xx, rps: r['2xx'] / duration, p50: r.latency.p50, p99: r.latency.p99, hz50: pct(probes, 0.5), hz99: pct(probes, 0.99), hzMax: Math.max(...probes), errors: r.errors + r.timeouts };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { duration: { type: 'string', default: '5' }, connections: { type: 'string', default: '1,8,32,128' }, sizes: { type: 'string', default: '1,20' }, modes: { type: 'string', default: 'before,after' }, queue: { type: 'string' } } });
  const queue = values.queue === undefined ? undefined : Number(values.queue);
  const duration = Number(values.duration);
  const conns = values.connections!.split(',').map(Number);
  const sizes = values.sizes!.split(',').map(Number);
  const workers = Math.max(1, os.availableParallelism() - 1);
  console.log(`load bench: ${duration} s per cell, ${os.availableParallelism()} cores, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} at start`);
  const rows: string[] = [];
  for (const mode of values.modes!.split(',')) {
    const { proc, port } = await startServer(mode === 'before' ? 0 : workers, queue);
    try {
      for (const size of sizes) {
        for (const c of conns) {
          const r = await cell(port, c, size, duration);
          const row = `| ${mode === 'before' ? 'before (event loop)' : `after (${workers} worker${workers > 1 ? 's' : ''}, queue ${queue ?? 64})`} | ${size} | ${c} | ${r.rps.toFixed(1)} | ${r.p50} | ${r.p99} | ${r.busy} | ${r.hz50.toFixed(1)} | ${r.hz99.toFixed(1)} | ${r.hzMax.toFixed(1)} |`;
          rows.push(row);
          console.log(row);
        }
      }
    } finally {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    }
  }
  console.log(`\n| server | comments/request | connections | req/s (2xx) | p50 ms | p99 ms | 503s | /healthz p50 ms | p99 ms | max ms |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n${rows.join('\n')}`);
  console.log(`load average at end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  agent.destroy();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
