/**
 * The pg-boss side of distributed batches: one queue of chunk jobs per scorer mode (a worker
 * loads one scorer, so it takes one mode's chunks). A job's lease is pg-boss's
 * expiration: a job active longer than its `expire_in` (counted from `started_on`) is failed by
 * pg-boss's maintenance and retried, so another worker takes the chunk. The lease is short and
 * its holder renews it while it works ({@link renewLeases}): a dead worker's chunks come back
 * within a lease and a maintenance interval, a slow live worker keeps its chunks.
 */
import PgBoss from 'pg-boss';
import type { Pool } from 'pg';
import { SCORER_MODES, type ScorerMode } from '../../scorer';
import type { BatchDb } from './store';

/** The queue of the fast mode's chunk jobs (the only queue before modes). */
export const CHUNK_QUEUE = 'moderato-batch-chunk';

/** The queue of `mode`'s chunk jobs. */
export function chunkQueue(mode: ScorerMode): string {
  return mode === 'fast' ? CHUNK_QUEUE : `${CHUNK_QUEUE}-${mode}`;
}

/** Data of one chunk job. */
export interface ChunkJob {
  batchId: string;
  seq: number;
}

/** Seconds a chunk stays with a worker that stopped renewing its lease (it died or lost the database). */
export const DEFAULT_LEASE_SECONDS = 30;

/** How often workers look for expired leases: with the default lease, a dead worker's chunk is back within 45 s. */
export const DEFAULT_CHECK_SECONDS = 15;

/** Options of {@link startBoss}. */
export interface BossOptions {
  /** Run pg-boss maintenance here (workers do): how expired leases come back. */
  supervise?: boolean;
  /** How often maintenance looks for expired leases, seconds (default {@link DEFAULT_CHECK_SECONDS}). */
  checkSeconds?: number;
  onError?(err: Error): void;
}

/** Starts pg-boss on the batch schema (installing or migrating it) and makes sure the chunk queues exist. */
export async function startBoss(db: BatchDb, opts: BossOptions = {}): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: db.connectionString,
    schema: db.schema,
    max: 4,
    supervise: opts.supervise ?? false,
    schedule: false,
    maintenanceIntervalSeconds: Math.max(1, Math.round(opts.checkSeconds ?? DEFAULT_CHECK_SECONDS)),
  });
  // pg-boss emits transient errors (a dropped connection) as events; without a listener they would crash.
  boss.on('error', (e) => opts.onError?.(e));
  await boss.start();
  for (const name of SCORER_MODES.map(chunkQueue)) {
    if (await boss.getQueue(name)) continue;
    try {
      await boss.createQueue(name, { name, policy: 'standard' });
    } catch (e) {
      // Another process created it between the check and here.
      if (!(await boss.getQueue(name))) throw e;
    }
  }
  return boss;
}

/** One attempt at a chunk job: pg-boss keeps the job's id across retries, the attempt is its retry count. */
export interface HeldJob {
  id: string;
  retryCount: number;
}

/**
 * Extends the leases of `jobs` to `seconds` from now; answers the ids still held (the others
 * expired and were retried, perhaps by another worker). pg-boss 10 has no call for this, so it
 * moves the job's `expire_in` (its own column, counted from `started_on`) as its maintenance
 * reads it. Matching the attempt as well means a worker that lost a lease never renews the
 * next holder's.
 */
export async function renewLeases(pool: Pool, schema: string, queue: string, jobs: HeldJob[], seconds: number): Promise<Set<string>> {
  if (jobs.length === 0) return new Set();
  const r = await pool.query<{ id: string }>(
    `UPDATE ${schema}.job j SET expire_in = (now() - j.started_on) + make_interval(secs => $4)
     FROM unnest($2::uuid[], $3::int[]) AS h(id, retry_count)
     WHERE j.name = $1 AND j.id = h.id AND j.retry_count = h.retry_count AND j.state = 'active'
     RETURNING j.id`,
    [queue, jobs.map((j) => j.id), jobs.map((j) => j.retryCount), seconds],
  );
  return new Set(r.rows.map((x) => x.id));
}
