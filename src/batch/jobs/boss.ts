/**
 * The pg-boss side of distributed batches: one queue of chunk jobs. A job's lease is pg-boss's
 * expiration: a job active longer than `expireInSeconds` (its worker died or hung) is failed
 * by pg-boss's maintenance and retried, so another worker takes the chunk.
 */
import PgBoss from 'pg-boss';
import type { BatchDb } from './store';

/** The queue every chunk job goes to. */
export const CHUNK_QUEUE = 'moderato-batch-chunk';

/** Data of one chunk job. */
export interface ChunkJob {
  batchId: string;
  seq: number;
}

/** Options of {@link startBoss}. */
export interface BossOptions {
  /** Run pg-boss maintenance here (workers do): how expired leases come back. */
  supervise?: boolean;
  /** How often maintenance looks for expired leases, seconds (default 30). */
  checkSeconds?: number;
  onError?(err: Error): void;
}

/** Starts pg-boss on the batch schema (installing or migrating it) and makes sure the chunk queue exists. */
export async function startBoss(db: BatchDb, opts: BossOptions = {}): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: db.connectionString,
    schema: db.schema,
    max: 4,
    supervise: opts.supervise ?? false,
    schedule: false,
    maintenanceIntervalSeconds: Math.max(1, Math.round(opts.checkSeconds ?? 30)),
  });
  // pg-boss emits transient errors (a dropped connection) as events; without a listener they would crash.
  boss.on('error', (e) => opts.onError?.(e));
  await boss.start();
  if (!(await boss.getQueue(CHUNK_QUEUE))) {
    try {
      await boss.createQueue(CHUNK_QUEUE, { name: CHUNK_QUEUE, policy: 'standard' });
    } catch (e) {
      // Another process created it between the check and here.
      if (!(await boss.getQueue(CHUNK_QUEUE))) throw e;
    }
  }
  return boss;
}
