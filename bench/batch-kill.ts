/**
 * `node dist/bench/batch-kill.js`: the distributed batch's recovery from a dead worker, as an
 * operator meets it. 6,000 posts (bench/posts.ts) submitted to PostgreSQL with the default chunk
 * size and lease, three `moderato worker --drain` processes started at once, the first of them
 * to start a chunk SIGKILLed there. Reported: time from the workers' start to the
 * last chunk stored, time from the kill to then, and the checks that nothing was lost or doubled
 * (every chunk stored once, by a live worker; the export holds each post once).
 *
 *   node dist/bench/batch-kill.js [--posts 6000 --workers 3 --threads 1 --db postgres://...]
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { Client } from 'pg';
import { packageRoot } from '../src/util/paths';
import { posts } from './posts';
import { table } from './stats';

const bin = path.join(packageRoot(), 'bin', 'moderato.js');

function cli(args: string[]): string {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, DOTENV_CONFIG_QUIET: 'true' } });
  if (r.status !== 0) throw new Error(`moderato ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return r.stdout;
}

function worker(db: string, threads: string, onLine: (line: string) => void): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [bin, 'worker', '--db', db, '--workers', threads, '--drain'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DOTENV_CONFIG_QUIET: 'true' } });
  let buf = '';
  child.stderr!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    parts.forEach(onLine);
  });
  return { child, exited: new Promise((r) => child.once('exit', (code) => r(code))) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { posts: { type: 'string', default: '6000' }, workers: { type: 'string', default: '3' }, threads: { type: 'string', default: '1' }, db: { type: 'string' }, datasets: { type: 'string' } },
  });
  const n = Number(values.posts);
  const base = values.db ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `bench_kill_${process.pid}`;
  const db = `${base}${base.includes('?') ? '&' : '?'}schema=${schema}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moderato-bench-kill-'));
  const input = path.join(dir, 'posts.jsonl');
  fs.writeFileSync(input, posts(n, values.datasets).map((text, i) => JSON.stringify({ id: `p${i}`, text })).join('\n') + '\n');
  const pg = new Client({ connectionString: base.replace(/\?.*$/, '') });
  await pg.connect();
  try {
    const id = cli(['batch', 'submit', input, '--db', db]).trim().split('\n').pop()!;
    process.stderr.write(`bench:batch-kill: ${n} posts submitted as batch ${id}; ${values.workers} workers of ${values.threads} thread(s), ${os.availableParallelism()} cores, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
    const t0 = Date.now();
    let killedAt = 0;
    let killedSeq = -1;
    let victim = -1;
    const ws: ReturnType<typeof worker>[] = [];
    for (let i = 0; i < Number(values.workers); i++) {
      const w = worker(db, values.threads!, (line) => {
        const m = /chunk [0-9a-f-]+\/(\d+): started/.exec(line);
        if (m && !killedAt) {
          w.child.kill('SIGKILL');
          killedAt = Date.now();
          killedSeq = Number(m[1]);
          victim = i;
        }
      });
      ws.push(w);
    }
    // Done when every chunk has its result: polled, so the figure does not wait for the drain.
    let doneAt = 0;
    while (!doneAt) {
      await new Promise((r) => setTimeout(r, 250));
      const [{ chunks, results }] = (await pg.query(`SELECT (SELECT chunks FROM ${schema}.batch WHERE id = $1) AS chunks, (SELECT count(*)::int FROM ${schema}.batch_result WHERE batch_id = $1) AS results`, [id])).rows;
      if (results === chunks) doneAt = Date.now();
      if (Date.now() - t0 > 600_000) throw new Error('the batch did not complete in 10 minutes');
    }
    const codes = await Promise.all(ws.map((w) => w.exited));
    const victimName = `${os.hostname()}:${ws[victim]?.child.pid}`;
    const rows = (await pg.query(`SELECT c.seq, c.attempts, r.worker FROM ${schema}.batch_chunk c LEFT JOIN ${schema}.batch_result r USING (batch_id, seq) WHERE c.batch_id = $1`, [id])).rows as Array<{ seq: number; attempts: number; worker: string | null }>;
    const out = cli(['batch', 'export', id, '--db', db]).trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id);
    const checks: Array<[string, boolean]> = [
      ['a worker was killed mid-chunk', killedAt > 0],
      ['every chunk stored once', rows.every((r) => r.worker !== null)],
      ['none by the killed worker', rows.every((r) => r.worker !== victimName)],
      [`the killed chunk (${killedSeq}) retried`, (rows.find((r) => r.seq === killedSeq)?.attempts ?? 0) >= 2],
      [`export holds ${n} results, each post once`, out.length === n && new Set(out).size === n],
      ['live workers exited 0', codes.every((c, i) => i === victim || c === 0)],
    ];
    process.stdout.write(
      table(
        ['figure', 'value', 'target'],
        [
          ['posts / chunks', `${n} / ${rows.length}`, ''],
          ['workers start -> batch complete, s', (doneAt - t0) / 1000, '<= 90'],
          ['SIGKILL -> batch complete, s', (doneAt - killedAt) / 1000, ''],
          ['workers start -> SIGKILL, s', (killedAt - t0) / 1000, ''],
          ['chunk attempts in all', String(rows.reduce((a, r) => a + r.attempts, 0)), ''],
        ],
      ) + '\n\n' + checks.map(([what, ok]) => `${ok ? 'ok  ' : 'FAIL'} ${what}`).join('\n') + `\nload average at the end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}\n`,
    );
    if (!checks.every(([, ok]) => ok)) process.exitCode = 1;
  } finally {
    await pg.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await pg.end();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
