/**
 * 1,200 held comments, four moderator processes claiming and deciding at once (each with its own
 * database connection, so the store's locking is what keeps them apart), plus one moderator that
 * claims and dies: every item must be decided exactly once, on both stores.
 * Needs dist/ (npm test builds it in pretest).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { QueueStore } from '../../src/queue';
import { KINDS, makeTestDb, newComment, type TestDb } from './helpers';

const WORKER = join(__dirname, '../../dist/test/queue/claim-worker.js');
const N = 1200;
const MODERATORS = ['ann', 'bea', 'cid', 'dov'];

interface Line { type: 'claim' | 'decision' | 'retry'; ids?: string[]; id?: string; action?: string; decisionId?: number; replayed?: boolean }

/**
 * Runs one worker process to its end; answers its JSON lines. `decide` workers report `ready` and
 * wait for `barrier` to resolve before they start, so all moderators start together.
 */
function worker(url: string, name: string, mode: 'decide' | 'abandon', leaseSeconds: number, batch: number, ready?: () => void, barrier?: Promise<void>): Promise<Line[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [WORKER, url, name, mode, String(leaseSeconds), String(batch)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let signalled = false;
    p.stdout.on('data', (d) => {
      out += d;
      if (!signalled && out.includes('"type":"ready"')) {
        signalled = true;
        ready?.();
        void barrier?.then(() => p.stdin.end('go\n'));
      }
    });
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line).filter((l) => (l.type as string) !== 'ready')) : reject(new Error(`worker ${name} exited ${code}: ${err}`))));
  });
}

describe.each(KINDS)('concurrent moderators on %s', (kind) => {
  let db: TestDb;
  let store: QueueStore;
  beforeAll(async () => {
    if (!existsSync(WORKER)) throw new Error(`${WORKER} is missing: run "npx tsc -p ." (npm test does it in pretest)`);
    db = makeTestDb(kind);
    store = await db.open();
  });
  afterAll(async () => {
    await store.close();
    await db.destroy();
  });

  it(`decides each of ${N} items exactly once with ${MODERATORS.length} moderators and one that vanishes`, async () => {
    const ids = Array.from({ length: N }, (_, i) => `c${String(i).padStart(4, '0')}`);
    for (let i = 0; i < N; i += 100) await store.ingest(ids.slice(i, i + 100).map((id) => newComment(id)));

    // The vanishing moderator grabs 25 items on a 1 s lease and exits without deciding.
    const abandoned = (await worker(db.url, 'ghost', 'abandon', 1, 25))[0]!.ids!;
    expect(abandoned).toHaveLength(25);
    const started = Date.now();
    let readyCount = 0;
    let go!: () => void;
    const barrier = new Promise<void>((r) => (go = r));
    const onReady = (): void => {
      if (++readyCount === MODERATORS.length) go();
    };
    const results = await Promise.all(MODERATORS.map((m) => worker(db.url, m, 'decide', 30, 10, onReady, barrier)));
    const seconds = (Date.now() - started) / 1000;

    const decidedBy = new Map<string, string>();
    const claimedBy = new Map<string, string>();
    results.forEach((lines, w) => {
      for (const l of lines) {
        if (l.type === 'claim') {
          for (const id of l.ids!) {
            // Each item is claimed by exactly one live moderator (leases are 30 s, far longer than the run).
            expect(claimedBy.get(id)).toBeUndefined();
            claimedBy.set(id, MODERATORS[w]!);
          }
        } else if (l.type === 'decision') {
          expect(l.replayed).toBe(false);
          expect(decidedBy.get(l.id!)).toBeUndefined();
          decidedBy.set(l.id!, MODERATORS[w]!);
        } else {
          expect(l.replayed).toBe(true);
        }
      }
    });
    expect(decidedBy.size).toBe(N);
    // The abandoned items came back once their lease expired and were decided by someone else.
    for (const id of abandoned) expect(MODERATORS).toContain(decidedBy.get(id));
    // The moderators really ran concurrently (start barrier) and shared the work. Not a fairness
    // bound: SQLite serialises writers and its busy-retry can starve one process for the whole
    // 1-2 s run (seen: 0 of 1,200 under a parallel test run), which costs time, never correctness.
    expect(new Set(decidedBy.values()).size).toBeGreaterThanOrEqual(2);

    const stats = await store.stats();
    expect(stats.byStatus.pending).toBe(0);
    expect(stats.byStatus.approved + stats.byStatus.rejected).toBe(N);
    const page = await store.listQueue({ status: 'all', limit: N + 1 });
    expect(page.items).toHaveLength(N);
    for (const id of ids) {
      const c = await store.getComment(id);
      expect(c!.decisions).toHaveLength(1);
      expect(c!.decisions[0]!.moderator).toBe(decidedBy.get(id));
    }
    process.stderr.write(`[${kind}] ${N} items claimed+decided by ${MODERATORS.length} processes in ${seconds.toFixed(1)} s (${(N / seconds).toFixed(0)} items/s)\n`);
  }, 180_000);
});
