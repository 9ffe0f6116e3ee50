/**
 * Distributed batches on this machine's PostgreSQL (a unique schema per run, pg-boss's too):
 * submit a few thousand comments, run 3 worker processes, SIGKILL one mid-chunk; every comment
 * is then scored exactly once, within seconds of the short lease, and the export equals a
 * single-process `moderato score`. A slow live worker keeps its chunks past their lease.
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { PG_BASE } from '../queue/helpers';
import { BatchStore, parseBatchDb, runWorker, submitBatch } from '../../src/batch/jobs';
import { openArchive } from '../../src/batch';
import { createScorerPool } from '../../src/scorer';
import { writeIdentityHeads } from '../heads';

const ROOT = path.join(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'moderato.js');
const schema = `mb_${process.pid}_${randomBytes(4).toString('hex')}`;
const DB = `${PG_BASE}?schema=${schema}`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moderato-jobs-'));

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: os.tmpdir(), timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const WORDS = ['harbour', 'bridge', 'council', 'idiot', 'ferry', 'market', 'stupid', 'budget', 'great', 'news', 'moron', 'lovely'];
const file = path.join(dir, 'archive.jsonl');
fs.writeFileSync(
  file,
  Array.from({ length: 3000 }, (_, i) =>
    i % 300 === 11
      ? JSON.stringify({
          article: { id: `a${i}`, title: 'Footbridge approved', body: 'The council approved a footbridge over the harbour.' },
          comments: Array.from({ length: 40 }, (_, k) => ({ id: `t${i}.${k}`, text: `${WORDS[(i + k) % 12]} and the ${WORDS[k % 12]}`, parentId: k ? `t${i}.${k - 1}` : undefined })),
        })
      : JSON.stringify({ id: `c${i}`, text: `${WORDS[i % 12]} ${WORDS[(i * 5) % 12]} ${WORDS[(i * 7) % 12]} number ${i}` }),
  ).join('\n') + '\n',
);
const TOTAL = 3000 - 10 + 10 * 40;

function startWorker(): { child: ChildProcess; lines: string[]; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, 'worker', '--db', DB, '--workers', '1', '--lease-check', '1', '--drain'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const lines: string[] = [];
  let buf = '';
  child.stderr!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
    child.emit('line', parts);
  });
  return { child, lines, exited: new Promise((r) => child.once('exit', (code) => r(code))) };
}

async function query<T>(sql: string, values: unknown[] = []): Promise<T[]> {
  const c = new Client({ connectionString: PG_BASE });
  await c.connect();
  try {
    return (await c.query(sql, values)).rows as T[];
  } finally {
    await c.end();
  }
}

afterAll(async () => {
  await query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
});

describe('moderato batch + worker on PostgreSQL (pg-boss)', () => {
  let id: string;
  let reference: string;

  it('submit splits the archive into chunk jobs, threads whole, and prints the batch id alone on the last line', () => {
    const ref = run(['score', file, '--workers', '1', '--output', path.join(dir, 'ref.jsonl')]);
    expect(ref.code).toBe(0);
    reference = fs.readFileSync(path.join(dir, 'ref.jsonl'), 'utf8');
    const r = run(['batch', 'submit', file, '--db', DB, '--chunk', '150', '--lease', '4']);
    expect(r.code).toBe(0);
    id = r.stdout.trimEnd().split('\n').pop()!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.stderr).toMatch(new RegExp(`submitted ${TOTAL} comments in \\d+ chunk`));
  });

  it('export of an unfinished batch is a clear MOD_ERR_INPUT', () => {
    const r = run(['batch', 'export', id, '--db', DB]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/MOD_ERR_INPUT: batch .* is not finished: 0\/\d+ chunks/);
  });

  it('3 workers, one SIGKILLed mid-chunk: every comment scored exactly once, export equal to moderato score', async () => {
    const chunks = await query<{ seq: number; comments: number; units: string }>(`SELECT seq, comments, units FROM ${schema}.batch_chunk WHERE batch_id = $1`, [id]);
    // Threads stay whole: a thread's comments are all in one chunk.
    for (const ch of chunks) for (const u of JSON.parse(ch.units)) if (!u.req.independent) expect(u.req.comments).toHaveLength(40);
    expect(chunks.reduce((s, c) => s + c.comments, 0)).toBe(TOTAL);

    // Three workers at once; the first to start a chunk is killed there, so that chunk's lease must expire.
    // (Not a fixed one: the others may take every chunk before a slow starter claims one.)
    const workers = [startWorker(), startWorker(), startWorker()];
    const { victim, killedSeq } = await new Promise<{ victim: (typeof workers)[number]; killedSeq: number }>((resolve, reject) => {
      let killed = false;
      for (const w of workers) {
        w.child.on('line', (parts: string[]) => {
          for (const l of parts) {
            const m = /chunk [0-9a-f-]+\/(\d+): started/.exec(l);
            if (m && !killed) {
              killed = true;
              w.child.kill('SIGKILL');
              resolve({ victim: w, killedSeq: Number(m[1]) });
            }
          }
        });
      }
      void Promise.all(workers.map((w) => w.exited)).then(() => reject(new Error(`every worker exited before one started a chunk:\n${workers.map((w) => w.lines.join('\n')).join('\n')}`)));
    });
    const others = workers.filter((w) => w !== victim);
    await victim.exited;
    const killedAt = Date.now();
    const victimName = `${os.hostname()}:${victim.child.pid}`;
    const codes = await Promise.race([
      Promise.all(others.map((w) => w.exited)),
      new Promise((_, reject) => setTimeout(() => reject(new Error('workers did not drain in 150 s')), 150_000)),
    ]);
    expect(codes).toEqual([0, 0]);
    // The dead worker's chunk came back after its 4 s lease (not after the chunk's length or a long default).
    expect(Date.now() - killedAt).toBeLessThan(60_000);

    const results = await query<{ seq: number; worker: string; comments: number }>(`SELECT seq, worker, comments FROM ${schema}.batch_result WHERE batch_id = $1`, [id]);
    expect(results.map((r) => r.seq).sort((a, b) => a - b)).toEqual(chunks.map((c) => c.seq).sort((a, b) => a - b));
    const killed = results.find((r) => r.seq === killedSeq)!;
    expect(killed.worker).not.toBe(victimName);
    expect(results.every((r) => r.worker !== victimName)).toBe(true);
    expect(others.some((w) => w.lines.some((l) => new RegExp(`/${killedSeq}: started .*attempt 2`).test(l)))).toBe(true);

    const st = run(['batch', 'status', id, '--db', DB, '--json']);
    expect(st.code).toBe(0);
    const status = JSON.parse(st.stdout);
    expect(status).toMatchObject({ submitted: true, comments: { done: TOTAL, total: TOTAL }, failures: { chunksGivenUp: 0 } });
    expect(status.chunks.done).toBe(status.chunks.total);
    expect(status.failures.retries).toBeGreaterThanOrEqual(1);
    expect(status.rate).toBeGreaterThan(0);
    expect(run(['batch', 'status', id, '--db', DB]).stdout).toMatch(/: done\nchunks: +\d+\/\d+\ncomments: +\d+\/\d+ \(100%\)/);

    const out = path.join(dir, 'export.jsonl');
    const ex = run(['batch', 'export', id, '--db', DB, '--output', out]);
    expect(ex.code).toBe(0);
    const exported = fs.readFileSync(out, 'utf8');
    const ids = exported.trim().split('\n').map((l) => JSON.parse(l).id);
    expect(ids).toHaveLength(TOTAL);
    expect(new Set(ids).size).toBe(TOTAL);
    expect(exported).toBe(reference);
  }, 240_000);

  it('exports CSV with a header row and one row per comment', () => {
    const r = run(['batch', 'export', id, '--db', DB, '--format', 'csv']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('id,threadId,threadTitle,createdAt,toxicity,insult,threat,identity_attack,profanity,other,offTopic,flagged,reasons,spans');
    expect(lines).toHaveLength(TOTAL + 1);
    expect(lines[1]).toMatch(/^c0,,,,0\.\d+,.*,(true|false),/);
  });

  it('a late worker storing a chunk again stores nothing: results are kept exactly once', async () => {
    const store = new BatchStore(parseBatchDb(DB));
    try {
      const [before] = await query<{ lines: string; worker: string }>(`SELECT lines, worker FROM ${schema}.batch_result WHERE batch_id = $1 AND seq = 0`, [id]);
      expect(await store.saveResult(id, 0, 'late\n', 1, 'late-worker', 1)).toBe(false);
      expect(await store.startChunk(id, 0)).toBe('done');
      const [after] = await query<{ lines: string; worker: string }>(`SELECT lines, worker FROM ${schema}.batch_result WHERE batch_id = $1 AND seq = 0`, [id]);
      expect(after).toEqual(before);
    } finally {
      await store.close();
    }
  });

  it('a slow live worker keeps its chunks past their 2 s lease (renewed while it scores): each scored once, in one attempt', async () => {
    const db = parseBatchDb(DB);
    const small = path.join(dir, 'small.jsonl');
    fs.writeFileSync(small, Array.from({ length: 200 }, (_, i) => JSON.stringify({ id: `s${i}`, text: `${WORDS[i % 12]} ${WORDS[(i * 7) % 12]} ${i}` })).join('\n') + '\n');
    const sub = await submitBatch(openArchive(small), { db, source: small, chunkComments: 100, leaseSeconds: 2 });
    expect(sub.chunks).toBe(2);
    const pool = createScorerPool({ threads: 1, maxQueue: Infinity });
    const lines: string[] = [];
    try {
      await pool.ready();
      // Tasks one at a time, each after 1.5 s: a chunk of two tasks takes over 3 s, longer than its lease.
      let turn: Promise<unknown> = Promise.resolve();
      const slow = {
        threads: 1,
        scoreJsonl: (reqs: Parameters<typeof pool.scoreJsonl>[0]) => {
          const mine = turn.then(() => new Promise((r) => setTimeout(r, 1500))).then(() => pool.scoreJsonl(reqs));
          turn = mine.catch(() => undefined);
          return mine;
        },
      };
      const s = await runWorker({ db, pool: slow, checkSeconds: 1, drain: true, log: (l) => lines.push(l) });
      expect(s.comments).toBe(200);
    } finally {
      await pool.close();
    }
    const rows = await query<{ seq: number; attempts: number; ms: number }>(
      `SELECT c.seq, c.attempts, r.ms FROM ${schema}.batch_chunk c JOIN ${schema}.batch_result r USING (batch_id, seq) WHERE c.batch_id = $1 ORDER BY c.seq`,
      [sub.id],
    );
    expect(rows.map((r) => r.attempts)).toEqual([1, 1]);
    expect(rows.every((r) => r.ms > 3000)).toBe(true);
    // pg-boss never took a chunk back: each job completed in its first attempt.
    const jobs = await query<{ state: string; retry_count: number }>(`SELECT state, retry_count FROM ${schema}.job WHERE data->>'batchId' = $1`, [sub.id]);
    expect(jobs).toEqual([{ state: 'completed', retry_count: 0 }, { state: 'completed', retry_count: 0 }]);
    expect(lines.filter((l) => /lease lost|failed|already stored/.test(l))).toEqual([]);
  }, 60_000);

  it('an accurate batch goes to accurate workers only: a fast worker leaves it, an accurate one scores it', async () => {
    const small = path.join(dir, 'accurate.jsonl');
    fs.writeFileSync(small, Array.from({ length: 100 }, (_, i) => JSON.stringify({ id: `x${i}`, text: `${WORDS[i % 12]} ${WORDS[(i * 5) % 12]} ${i}` })).join('\n') + '\n');
    const sub = run(['batch', 'submit', small, '--db', DB, '--mode', 'accurate', '--chunk', '50']);
    expect(sub.code).toBe(0);
    expect(sub.stderr).toMatch(/submitted 100 comments in 2 chunk\(s\), accurate mode/);
    const bid = sub.stdout.trimEnd().split('\n').pop()!;
    expect(await query(`SELECT DISTINCT name FROM ${schema}.job WHERE data->>'batchId' = $1`, [bid])).toEqual([{ name: 'moderato-batch-chunk-accurate' }]);
    const fast = run(['worker', '--db', DB, '--workers', '1', '--lease-check', '1', '--drain']);
    expect(fast.code).toBe(0);
    expect(fast.stderr).toMatch(/stored 0 chunk\(s\), 0 comments/);
    const heads = writeIdentityHeads();
    try {
      const acc = run(['worker', '--db', DB, '--mode', 'accurate', '--model', heads.dir, '--workers', '1', '--lease-check', '1', '--drain']);
      expect(acc.stderr).toMatch(/accurate mode, waiting for chunks/);
      expect(acc.stderr).toMatch(/stored 2 chunk\(s\), 100 comments/);
    } finally {
      heads.remove();
    }
    const st = JSON.parse(run(['batch', 'status', bid, '--db', DB, '--json']).stdout);
    expect(st).toMatchObject({ mode: 'accurate', chunks: { done: 2, total: 2 } });
    const ids = run(['batch', 'export', bid, '--db', DB]).stdout.trim().split('\n').map((l) => JSON.parse(l).id);
    expect(ids).toEqual(Array.from({ length: 100 }, (_, i) => `x${i}`));
  }, 120_000);

  it.each([
    [['batch', 'submit', 'x.jsonl', '--mode', 'slow'], /MOD_ERR_INPUT: --mode must be one of fast, accurate, cascade, got "slow"/],
    [['batch', 'status', 'not-an-id'], /MOD_ERR_INPUT: "not-an-id" is not a batch id/],
    [['batch', 'status', '00000000-0000-0000-0000-000000000000'], /MOD_ERR_NOT_FOUND: no batch/],
  ])('%j is a clear error', (args, message) => {
    const r = run([...args, '--db', DB]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
  });

  it('a database URL that is not PostgreSQL is MOD_ERR_CONFIG', () => {
    const r = run(['worker', '--db', 'sqlite:./x.db']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/MOD_ERR_CONFIG: batch commands need a postgres:\/\/ URL/);
  });
});
