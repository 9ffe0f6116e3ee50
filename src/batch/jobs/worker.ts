/**
 * `moderato worker`: takes chunk jobs from pg-boss, scores each on a pool of scorer threads
 * (all cores) through the same ordered pipeline as `moderato score`, and stores the results
 * once. Killed mid-chunk, it loses nothing: the job's lease expires and pg-boss hands the chunk
 * to another worker; results stored twice are impossible (see BatchStore.saveResult).
 */
import * as os from 'os';
import type PgBoss from 'pg-boss';
import { createScorerPool, type ScorerOptions } from '../../scorer';
import { scoreUnits } from '../pipeline';
import type { Unit } from '../units';
import { CHUNK_QUEUE, startBoss, type ChunkJob } from './boss';
import { BatchStore, type BatchDb } from './store';

/** Options of {@link runWorker}. */
export interface WorkerOptions {
  db: BatchDb;
  /** Scorer threads (default: the number of cores). */
  threads?: number;
  /** Chunks worked on at once (default 2: one is scored while the other is fetched or stored). */
  concurrency?: number;
  /** How often expired leases are looked for, seconds (default 30). */
  checkSeconds?: number;
  /** Stop once no chunk is waiting or running anywhere. */
  drain?: boolean;
  scorer?: ScorerOptions;
  /** One line per event (chunk started, stored, failed). */
  log?(line: string): void;
  /** Aborting stops taking chunks, finishes the ones in hand and returns. */
  signal?: AbortSignal;
}

/** What a worker did before it stopped. */
export interface WorkerSummary {
  name: string;
  chunks: number;
  comments: number;
}

async function* fromArray(units: Unit[]): AsyncGenerator<Unit> {
  yield* units;
}

/** Runs a worker until `signal` aborts (or, with `drain`, until no work is left). */
export async function runWorker(opts: WorkerOptions): Promise<WorkerSummary> {
  const log = opts.log ?? (() => undefined);
  const name = `${os.hostname()}:${process.pid}`;
  const summary: WorkerSummary = { name, chunks: 0, comments: 0 };
  const store = new BatchStore(opts.db);
  let boss: PgBoss | undefined;
  const pool = createScorerPool({ threads: opts.threads, maxQueue: Infinity, scorer: opts.scorer });
  try {
    await store.migrate();
    await pool.ready();
    boss = await startBoss(opts.db, { supervise: true, checkSeconds: opts.checkSeconds, onError: (e) => log(`pg-boss: ${e.message}`) });
    let busy = 0;
    const handle = async ([job]: PgBoss.JobWithMetadata<ChunkJob>[]): Promise<void> => {
      const { batchId, seq } = job.data;
      busy++;
      try {
        const chunk = await store.startChunk(batchId, seq);
        if (chunk === 'done' || chunk === 'missing') {
          log(`chunk ${batchId}/${seq}: ${chunk === 'done' ? 'already stored by another worker' : 'its batch was withdrawn'}; skipped`);
          return;
        }
        log(`chunk ${batchId}/${seq}: started (${chunk.comments} comments${job.retryCount ? `, attempt ${job.retryCount + 1}` : ''})`);
        const t0 = Date.now();
        let text = '';
        await scoreUnits(fromArray(chunk.units), { scorer: pool, inFlight: pool.threads * 2, write: async (t) => void (text += t) });
        const stored = await store.saveResult(batchId, seq, text, chunk.comments, name, Date.now() - t0);
        if (stored) {
          summary.chunks++;
          summary.comments += chunk.comments;
        }
        log(`chunk ${batchId}/${seq}: ${stored ? 'stored' : 'already stored by another worker; dropped'} (${Date.now() - t0} ms)`);
      } catch (e) {
        const message = (e as Error).message;
        const givenUp = job.retryCount >= job.retryLimit;
        log(`chunk ${batchId}/${seq}: failed: ${message}${givenUp ? ' (given up)' : ' (will be retried)'}`);
        await store.recordFailure(batchId, seq, message, givenUp).catch(() => undefined);
        throw e;
      } finally {
        busy--;
      }
    };
    for (let i = 0; i < Math.max(1, opts.concurrency ?? 2); i++) {
      await boss.work<ChunkJob>(CHUNK_QUEUE, { batchSize: 1, pollingIntervalSeconds: 1, includeMetadata: true }, handle);
    }
    log(`worker ${name}: ${pool.threads} scorer thread(s), waiting for chunks`);
    await new Promise<void>((resolve) => {
      if (opts.signal?.aborted) return resolve();
      opts.signal?.addEventListener('abort', () => resolve(), { once: true });
      if (!opts.drain) return;
      let idleChecks = 0;
      const timer = setInterval(async () => {
        try {
          // created, retry and active jobs (a dead worker's job stays active until its lease ends).
          const left = await boss!.getQueueSize(CHUNK_QUEUE, { before: 'completed' });
          idleChecks = left === 0 && busy === 0 ? idleChecks + 1 : 0;
          if (idleChecks >= 2) {
            clearInterval(timer);
            resolve();
          }
        } catch (e) {
          log(`drain check: ${(e as Error).message}`);
        }
      }, 1000);
      opts.signal?.addEventListener('abort', () => clearInterval(timer), { once: true });
    });
    return summary;
  } finally {
    await boss?.stop({ graceful: true, wait: true, close: true, timeout: 60_000 });
    await pool.close();
    await store.close();
  }
}
