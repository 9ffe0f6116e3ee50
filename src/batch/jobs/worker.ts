/**
 * `moderato worker`: claims chunk jobs from pg-boss, scores them on a pool of scorer threads
 * (all cores) through the same ordered pipeline as `moderato score`, and stores the results
 * once. It renews the lease of every chunk in hand while it works (see ./lease.ts), so leases
 * are short: killed mid-chunk, it loses nothing, its chunks go to another worker within a lease
 * and a maintenance interval; results stored twice are impossible (see BatchStore.saveResult).
 */
import * as os from 'os';
import type PgBoss from 'pg-boss';
import { createScorerPool, type ScorerMode, type ScorerOptions } from '../../scorer';
import { scoreUnits, type JsonlScorer } from '../pipeline';
import type { Unit } from '../units';
import { chunkQueue, DEFAULT_LEASE_SECONDS, renewLeases, startBoss, type ChunkJob } from './boss';
import { claimSize, DEFAULT_CLAIM_SECONDS, Heartbeat, type Lease } from './lease';
import { BatchStore, type BatchDb } from './store';

/** Options of {@link runWorker}. */
export interface WorkerOptions {
  db: BatchDb;
  /** Scorer threads (default: the number of cores). */
  threads?: number;
  /** How often expired leases are looked for, seconds (default 15). */
  checkSeconds?: number;
  /** Seconds of work claimed at once at the measured speed (default 15). */
  claimSeconds?: number;
  /** Stop once no chunk is waiting or running anywhere. */
  drain?: boolean;
  /** The mode of the batches this worker scores (default fast); its scorer is loaded in it. */
  mode?: ScorerMode;
  scorer?: ScorerOptions;
  /** A scorer of the caller's instead of a pool of `threads` (not closed by the worker). */
  pool?: JsonlScorer & { readonly threads: number };
  /** One line per event (chunk started, stored, failed). */
  log?(line: string): void;
  /** Aborting stops claiming chunks, finishes the ones in hand and returns. */
  signal?: AbortSignal;
}

/** What a worker did before it stopped. */
export interface WorkerSummary {
  name: string;
  chunks: number;
  comments: number;
}

/** The chunk was taken back while this worker scored it: its lease ran out. */
class LeaseLost extends Error {}

/** Most chunks in one claim. */
const MAX_CLAIM = 200;
/** Seconds between looks at an empty queue. */
const POLL_MS = 1000;

async function* fromArray(units: Unit[]): AsyncGenerator<Unit> {
  yield* units;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/** Runs a worker until `signal` aborts (or, with `drain`, until no work is left). */
export async function runWorker(opts: WorkerOptions): Promise<WorkerSummary> {
  const log = opts.log ?? (() => undefined);
  const name = `${os.hostname()}:${process.pid}`;
  const summary: WorkerSummary = { name, chunks: 0, comments: 0 };
  const store = new BatchStore(opts.db);
  const mode = opts.mode ?? 'fast';
  const queue = chunkQueue(mode);
  // Two tasks per thread: a thread never waits for the main thread to hand it the next one.
  const own = opts.pool ? undefined : createScorerPool({ threads: opts.threads, maxQueue: Infinity, tasksPerThread: 2, scorer: { ...opts.scorer, mode } });
  const pool = opts.pool ?? own!;
  const heartbeat = new Heartbeat((jobs, seconds) => renewLeases(store.pool, opts.db.schema, queue, jobs, seconds), log);
  let boss: PgBoss | undefined;
  try {
    await store.migrate();
    await own?.ready();
    boss = await startBoss(opts.db, { supervise: true, checkSeconds: opts.checkSeconds, onError: (e) => log(`pg-boss: ${e.message}`) });
    const b = boss;

    const scoreChunk = async (job: PgBoss.JobWithMetadata<ChunkJob>, lease: Lease): Promise<number> => {
      const { batchId, seq } = job.data;
      if (lease.lost) throw new LeaseLost();
      const chunk = await store.startChunk(batchId, seq);
      if (chunk === 'done' || chunk === 'missing') {
        log(`chunk ${batchId}/${seq}: ${chunk === 'done' ? 'already stored by another worker' : 'its batch was withdrawn'}; skipped`);
        await b.complete(queue, job.id);
        return 0;
      }
      log(`chunk ${batchId}/${seq}: started (${chunk.comments} comments${job.retryCount ? `, attempt ${job.retryCount + 1}` : ''})`);
      const t0 = Date.now();
      let text = '';
      // Tasks of a unit or so keep every thread busy on a chunk of a few hundred comments.
      await scoreUnits(fromArray(chunk.units), {
        scorer: pool,
        inFlight: pool.threads * 4,
        taskComments: 64,
        write: async (t) => {
          if (lease.lost) throw new LeaseLost();
          text += t;
        },
      });
      const stored = await store.saveResult(batchId, seq, text, chunk.comments, name, Date.now() - t0);
      await b.complete(queue, job.id);
      if (stored) {
        summary.chunks++;
        summary.comments += chunk.comments;
      }
      log(`chunk ${batchId}/${seq}: ${stored ? 'stored' : 'already stored by another worker; dropped'} (${Date.now() - t0} ms)`);
      return chunk.comments;
    };

    const handle = async (job: PgBoss.JobWithMetadata<ChunkJob>, lease: Lease): Promise<number> => {
      const { batchId, seq } = job.data;
      try {
        return await scoreChunk(job, lease);
      } catch (e) {
        if (lease.lost || e instanceof LeaseLost) {
          log(`chunk ${batchId}/${seq}: lease lost (taken back while scoring); left to its new holder`);
          return 0;
        }
        const message = (e as Error).message;
        const givenUp = job.retryCount >= job.retryLimit;
        log(`chunk ${batchId}/${seq}: failed: ${message}${givenUp ? ' (given up)' : ' (will be retried)'}`);
        await store.recordFailure(batchId, seq, message, givenUp).catch(() => undefined);
        await b.fail(queue, job.id, { message }).catch((err: Error) => log(`chunk ${batchId}/${seq}: could not fail the job: ${err.message}`));
        return 0;
      } finally {
        heartbeat.release(job.id);
      }
    };

    log(`worker ${name}: ${pool.threads} scorer thread(s), ${mode} mode, waiting for chunks`);
    const claimSeconds = opts.claimSeconds ?? DEFAULT_CLAIM_SECONDS;
    let rate: number | undefined;
    let seenChunks = 0;
    let seenComments = 0;
    let idleChecks = 0;
    while (!opts.signal?.aborted) {
      let jobs: PgBoss.JobWithMetadata<ChunkJob>[];
      try {
        const waiting = await b.getQueueSize(queue);
        const size = claimSize({ rate, chunkComments: seenChunks ? seenComments / seenChunks : 0, waiting, targetSeconds: claimSeconds, max: MAX_CLAIM });
        jobs = await b.fetch<ChunkJob>(queue, { batchSize: size, includeMetadata: true });
        if (jobs.length === 0 && opts.drain) {
          // created, retry and active jobs (a dead worker's job stays active until its lease ends).
          const left = await b.getQueueSize(queue, { before: 'completed' });
          idleChecks = left === 0 ? idleChecks + 1 : 0;
          if (idleChecks >= 2) break;
        }
      } catch (e) {
        // The database went away for a moment: a worker outlives it, as pg-boss's own polling does.
        log(`claim failed (retried in ${POLL_MS} ms): ${(e as Error).message}`);
        jobs = [];
      }
      if (jobs.length === 0) {
        await sleep(POLL_MS, opts.signal);
        continue;
      }
      idleChecks = 0;
      const leases = jobs.map((j) => heartbeat.hold(j, Number(j.expireInSeconds) || DEFAULT_LEASE_SECONDS));
      const t0 = Date.now();
      let next = 0;
      let comments = 0;
      // Two chunks at once: one is scored while the other is fetched or stored.
      const lane = async (): Promise<void> => {
        while (next < jobs.length) {
          const i = next++;
          comments += await handle(jobs[i], leases[i]);
        }
      };
      await Promise.all([lane(), lane()]);
      if (comments > 0) {
        const measured = comments / Math.max(0.001, (Date.now() - t0) / 1000);
        rate = rate === undefined ? measured : (rate + measured) / 2;
        seenChunks += jobs.length;
        seenComments += comments;
      }
      if (jobs.length > 1) log(`claim of ${jobs.length} chunk(s) done: ${comments} comments in ${Date.now() - t0} ms`);
    }
    return summary;
  } finally {
    heartbeat.stop();
    await boss?.stop({ graceful: true, wait: true, close: true, timeout: 60_000 });
    await own?.close();
    await store.close();
  }
}
