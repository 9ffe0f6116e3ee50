/**
 * Crash safety of the real server: `node bin/moderato.js serve` takes comments and decisions from
 * two ingesting sites and four moderators, is killed with SIGKILL mid-run, and restarted on the
 * same database. Every acknowledged comment and decision must be there; the interrupted ingest
 * batch is retried without duplicates; the queue then drains through two server instances on the
 * one database, with each item decided exactly once.
 * Runs on SQLite and PostgreSQL. Needs dist/ (npm test builds it in pretest).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HOLD_ALL, KINDS, makeTestDb, type TestDb } from '../queue/helpers';

const ROOT = join(__dirname, '../..');
const BIN = join(ROOT, 'bin/moderato.js');
const MODERATORS = ['m1', 'm2', 'm3', 'm4'];
const TO_STATUS: Record<string, string> = { approve: 'approved', reject: 'rejected' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Server { proc: ChildProcess; base: string; log: () => string }

/** Starts the real server on a free port and waits until the model is ready. */
async function startServer(db: TestDb): Promise<Server> {
  const proc = spawn(process.execPath, [BIN, 'serve'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATABASE_URL: db.url, MODERATO_LEASE_SECONDS: '2', MODERATO_POLICY: '', MODERATO_RATE_LIMIT_PER_CLIENT: '0', MODERATO_RATE_LIMIT_PER_KEY: '0' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  proc.stderr!.on('data', (d) => (log += d));
  const deadline = Date.now() + 120_000;
  let base: string | null = null;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`server exited ${proc.exitCode}: ${log}`);
    const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
    if (m) base = m[1]!;
    if (base && (await fetch(`${base}/readyz`).then((r) => r.status, () => 0)) === 200) return { proc, base, log: () => log };
    await sleep(100);
  }
  proc.kill('SIGKILL');
  throw new Error(`server not ready: ${log}`);
}

/** Runs `moderato keys create` for real and answers the key from stdout's last line. */
function createKey(db: TestDb, role: string, name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, 'keys', 'create', '--role', role, '--name', name], { cwd: ROOT, env: { ...process.env, DATABASE_URL: db.url }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => (code === 0 ? resolve(out.trimEnd().split('\n').pop()!) : reject(new Error(`keys create exited ${code}: ${err}`))));
  });
}

/** One JSON request; answers status and body. Throws when the connection fails (the server died). */
async function call(base: string, method: string, path: string, key: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const r = await fetch(base + path, {
    method,
    headers: { Authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() };
}

describe.each(KINDS)('SIGKILL mid-run on %s', (kind) => {
  let db: TestDb;
  let server: Server | null = null;
  let second: Server | null = null;
  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist/src/cli/index.js'))) throw new Error('dist/ is missing: run "npx tsc -p ." (npm test does it in pretest)');
    db = makeTestDb(kind);
  });
  afterAll(async () => {
    server?.proc.kill('SIGKILL');
    second?.proc.kill('SIGKILL');
    await db.destroy();
  });

  it('loses no acknowledged comment or decision and drains cleanly after restart', async () => {
    const keys: Record<string, string> = { site: await createKey(db, 'ingest', 'site'), admin: await createKey(db, 'admin', 'root') };
    for (const m of MODERATORS) keys[m] = await createKey(db, 'moderator', m);
    server = await startServer(db);
    // Hold everything so every comment needs a decision.
    expect((await call(server.base, 'PUT', '/v1/policy', keys.admin!, { thresholds: HOLD_ALL })).status).toBe(200);

    const accepted = new Map<string, string>(); // id -> status answered at ingest
    const decided = new Map<string, { action: string; decisionId: number; by: string }>();
    const unacked: { id: string; text: string }[][] = [];
    let alive = true;
    let next = 0;
    const base = server.base;

    const ingester = async (site: string) => {
      while (alive) {
        const batch = Array.from({ length: 8 }, () => {
          const n = next++;
          return { id: `${site}-${n}`, text: n % 3 ? `Reply ${n}: you are an idiot.` : `Reply ${n}: thanks, good article.` };
        });
        try {
          const r = await call(base, 'POST', '/v1/comments', keys.site!, { comments: batch });
          if (r.status !== 201 && r.status !== 200) throw new Error(`ingest answered ${r.status}: ${JSON.stringify(r.body)}`);
          for (const it of r.body.items) accepted.set(it.id, it.status);
        } catch (e) {
          if (alive) throw e;
          unacked.push(batch); // in flight when the server died: the site retries it later
        }
      }
    };
    const moderator = async (name: string) => {
      while (alive) {
        try {
          const claim = await call(base, 'POST', '/v1/queue/claim', keys[name]!, { limit: 4 });
          if (claim.body.items.length === 0) await sleep(20);
          for (const it of claim.body.items) {
            const action = it.id.length % 2 ? 'approve' : 'reject';
            const r = await call(base, 'POST', `/v1/comments/${it.id}/decision`, keys[name]!, { action }, { 'Idempotency-Key': `${name}:${it.id}` });
            if (r.status !== 200) throw new Error(`decision answered ${r.status}: ${JSON.stringify(r.body)}`);
            decided.set(it.id, { action, decisionId: r.body.decision.id, by: name });
          }
        } catch (e) {
          if (alive) throw e;
          return;
        }
      }
    };
    const killer = async () => {
      const until = Date.now() + 60_000;
      while ((accepted.size < 240 || decided.size < 60) && Date.now() < until) await sleep(10);
      alive = false;
      server!.proc.kill('SIGKILL');
    };
    await Promise.all([ingester('a'), ingester('b'), ...MODERATORS.map(moderator), killer()]);
    await new Promise((r) => (server!.proc.exitCode !== null || server!.proc.signalCode ? r(null) : server!.proc.once('exit', r)));
    expect(server.proc.signalCode).toBe('SIGKILL');
    expect(accepted.size).toBeGreaterThanOrEqual(240);
    expect(decided.size).toBeGreaterThanOrEqual(60);

    server = await startServer(db);
    const b2 = server.base;
    // Every acknowledged comment is there; every acknowledged decision is in its history and status.
    for (const [id] of accepted) {
      const r = await call(b2, 'GET', `/v1/comments/${encodeURIComponent(id)}`, keys.m1!);
      expect(r.status).toBe(200);
      const d = decided.get(id);
      if (d) {
        expect(r.body.status).toBe(TO_STATUS[d.action]);
        expect(r.body.decisions).toEqual([expect.objectContaining({ id: d.decisionId, action: d.action, moderator: d.by })]);
      }
    }
    // The site retries what was in flight: stored at most once, whether or not it got in before the kill.
    const retried = unacked.flat();
    for (const batch of unacked) expect([200, 201]).toContain((await call(b2, 'POST', '/v1/comments', keys.site!, { comments: batch })).status);
    const all = new Set([...accepted.keys(), ...retried.map((c) => c.id)]);

    // Drain through two instances on the same database (how a site scales out): leases of the
    // dead run expire (2 s) and everything left is decided once.
    second = await startServer(db);
    const drain = async (name: string, via: string) => {
      for (;;) {
        const claim = await call(via, 'POST', '/v1/queue/claim', keys[name]!, { limit: 10 });
        if (claim.body.items.length === 0) {
          const left = await call(via, 'GET', '/v1/queue?limit=1', keys[name]!);
          if (left.body.items.length === 0) return;
          await sleep(200);
          continue;
        }
        for (const it of claim.body.items) {
          const r = await call(via, 'POST', `/v1/comments/${it.id}/decision`, keys[name]!, { action: 'approve' }, { 'Idempotency-Key': `${name}:${it.id}` });
          expect(r.status).toBe(200);
        }
      }
    };
    await Promise.all(MODERATORS.map((m, i) => drain(m, i % 2 ? second!.base : server!.base)));
    const stats = (await call(b2, 'GET', '/v1/stats', keys.m1!)).body;
    expect(stats.total).toBe(all.size);
    expect(stats.byStatus.pending).toBe(0);
    expect(stats.byStatus.approved + stats.byStatus.rejected).toBe(all.size);
    for (const id of all) {
      const r = await call(b2, 'GET', `/v1/comments/${encodeURIComponent(id)}`, keys.m1!);
      expect(r.body.decisions.filter((d: { action: string }) => d.action === 'approve' || d.action === 'reject')).toHaveLength(1);
    }
    for (const s of [server, second]) {
      s.proc.kill('SIGTERM');
      await new Promise((r) => (s.proc.exitCode !== null ? r(null) : s.proc.once('exit', r)));
    }
    server = second = null;
    process.stderr.write(`[${kind}] crash test: ${accepted.size} comments and ${decided.size} decisions acknowledged before SIGKILL, ${retried.length} in flight retried, ${all.size} drained\n`);
  }, 240_000);
});
