/**
 * PostgreSQL tables of distributed batches, beside pg-boss's own in the same schema. pg-boss
 * holds the jobs (one per chunk: who has it, its lease, its retries); these tables hold what
 * the jobs point at and what they produced:
 *
 * - `batch`: one row per submitted archive, with the scorer mode its chunks are scored in;
 * - `batch_chunk`: the chunk's units (the exact requests `moderato score` would make), as JSON text;
 * - `batch_result`: a chunk's JSONL results. Its primary key makes a chunk's results stored
 *   exactly once: a worker whose lease ran out and that finishes late inserts nothing.
 */
import { Pool, type PoolClient } from 'pg';
import { ModeratoError } from '../../errors';
import type { ScorerMode } from '../../scorer';
import type { Unit } from '../units';

/** Default schema when the URL has no `?schema=`. */
export const DEFAULT_BATCH_SCHEMA = 'moderato_batch';

/** A `--db` URL split into what `pg` connects to and the schema to use. */
export interface BatchDb {
  connectionString: string;
  schema: string;
}

/** Parses a `postgres://...[?schema=NAME]` URL; anything else is `MOD_ERR_CONFIG`. */
export function parseBatchDb(url: string | undefined): BatchDb {
  if (!url) throw new ModeratoError('MOD_ERR_CONFIG', 'batch commands need PostgreSQL: pass --db postgres://... or set DATABASE_URL');
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new ModeratoError('MOD_ERR_CONFIG', `batch commands need a postgres:// URL (pg-boss runs on PostgreSQL), got "${url.replace(/\/\/[^@/]*@/, '//***@')}"`);
  }
  const u = new URL(url);
  const schema = u.searchParams.get('schema') ?? DEFAULT_BATCH_SCHEMA;
  u.searchParams.delete('schema');
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new ModeratoError('MOD_ERR_CONFIG', `invalid PostgreSQL schema name "${schema}" (lowercase letters, digits, underscore)`);
  return { connectionString: u.toString(), schema };
}

/** A batch's progress, as `moderato batch status` shows it. */
export interface BatchStatus {
  id: string;
  source: string;
  /** The scorer mode its chunks are scored in (by workers of that mode). */
  mode: ScorerMode;
  createdAt: Date;
  /** False while `batch submit` is still adding chunks. */
  submitted: boolean;
  chunks: { done: number; total: number };
  comments: { done: number; total: number };
  /** Malformed lines skipped at submit. */
  problems: number;
  /** Scoring throughput over the results so far (comments/s), null before two results. */
  rate: number | null;
  /** Seconds to go at `rate`, null when unknown. */
  etaSeconds: number | null;
  /**
   * `retries`: chunk attempts after a chunk's first (its worker failed or lost its lease, e.g.
   * was killed); `errors`: attempts that failed with an error; `chunksGivenUp`: chunks pg-boss
   * will not retry again.
   */
  failures: { retries: number; errors: number; chunksGivenUp: number; lastError: string | null };
  workers: number;
}

/** One chunk as stored. */
export interface ChunkRow {
  seq: number;
  first: number;
  comments: number;
  units: Unit[];
}

const connectTimeoutMillis = 10_000;

/** Access to the batch tables. */
export class BatchStore {
  readonly pool: Pool;
  constructor(readonly db: BatchDb) {
    this.pool = new Pool({ connectionString: db.connectionString, max: 4, connectionTimeoutMillis: connectTimeoutMillis });
  }

  private t(name: string): string {
    return `${this.db.schema}.${name}`;
  }

  /** Creates the schema and tables (idempotent, safe from several processes at once). */
  async migrate(): Promise<void> {
    const c = await this.connect();
    try {
      await c.query('BEGIN');
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`moderato-batch:${this.db.schema}`]);
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${this.db.schema}`);
      await c.query(`CREATE TABLE IF NOT EXISTS ${this.t('batch')} (
        id uuid PRIMARY KEY, source text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), submitted_at timestamptz,
        chunks integer NOT NULL DEFAULT 0, comments bigint NOT NULL DEFAULT 0, problems integer NOT NULL DEFAULT 0)`);
      // Batches from before scorer modes were fast.
      await c.query(`ALTER TABLE ${this.t('batch')} ADD COLUMN IF NOT EXISTS mode text NOT NULL DEFAULT 'fast'`);
      await c.query(`CREATE TABLE IF NOT EXISTS ${this.t('batch_chunk')} (
        batch_id uuid NOT NULL REFERENCES ${this.t('batch')} (id) ON DELETE CASCADE, seq integer NOT NULL,
        first bigint NOT NULL, comments integer NOT NULL, units text NOT NULL,
        attempts integer NOT NULL DEFAULT 0, failures integer NOT NULL DEFAULT 0, last_error text, given_up boolean NOT NULL DEFAULT false,
        PRIMARY KEY (batch_id, seq))`);
      await c.query(`CREATE TABLE IF NOT EXISTS ${this.t('batch_result')} (
        batch_id uuid NOT NULL, seq integer NOT NULL, lines text NOT NULL, comments integer NOT NULL,
        worker text NOT NULL, ms integer NOT NULL, scored_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (batch_id, seq), FOREIGN KEY (batch_id, seq) REFERENCES ${this.t('batch_chunk')} (batch_id, seq) ON DELETE CASCADE)`);
      await c.query('COMMIT');
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  private async connect(): Promise<PoolClient> {
    try {
      return await this.pool.connect();
    } catch (e) {
      throw new ModeratoError('MOD_ERR_CONFIG', `cannot connect to PostgreSQL at ${this.db.connectionString.replace(/\/\/[^@/]*@/, '//***@')}: ${(e as Error).message}`);
    }
  }

  /** Adds a batch row (its totals are set by {@link finishSubmit}). */
  async createBatch(id: string, source: string, mode: ScorerMode = 'fast'): Promise<void> {
    await this.pool.query(`INSERT INTO ${this.t('batch')} (id, source, mode) VALUES ($1, $2, $3)`, [id, source, mode]);
  }

  /** Stores chunks (in one statement). */
  async addChunks(batchId: string, chunks: ChunkRow[]): Promise<void> {
    if (chunks.length === 0) return;
    const values: unknown[] = [];
    const rows = chunks.map((ch, i) => {
      values.push(batchId, ch.seq, ch.first, ch.comments, JSON.stringify(ch.units));
      return `($${i * 5 + 1}, $${i * 5 + 2}, $${i * 5 + 3}, $${i * 5 + 4}, $${i * 5 + 5})`;
    });
    await this.pool.query(`INSERT INTO ${this.t('batch_chunk')} (batch_id, seq, first, comments, units) VALUES ${rows.join(', ')}`, values);
  }

  /** Marks the submit complete with its totals: from then on status has an ETA and export may run. */
  async finishSubmit(batchId: string, totals: { chunks: number; comments: number; problems: number }): Promise<void> {
    await this.pool.query(`UPDATE ${this.t('batch')} SET submitted_at = now(), chunks = $2, comments = $3, problems = $4 WHERE id = $1`, [batchId, totals.chunks, totals.comments, totals.problems]);
  }

  /** Withdraws a batch with its chunks and results (a submit that failed part way). */
  async deleteBatch(batchId: string): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.t('batch')} WHERE id = $1`, [batchId]);
  }

  /**
   * Loads a chunk and counts the attempt; `done` when it has results already, `missing` when
   * its batch was withdrawn (a submit that failed part way): nothing to do for either.
   */
  async startChunk(batchId: string, seq: number): Promise<ChunkRow | 'done' | 'missing'> {
    const r = await this.pool.query<{ first: string; comments: number; units: string; done: boolean }>(
      `UPDATE ${this.t('batch_chunk')} c SET attempts = attempts + CASE WHEN d.done THEN 0 ELSE 1 END
       FROM (SELECT EXISTS (SELECT 1 FROM ${this.t('batch_result')} WHERE batch_id = $1 AND seq = $2) AS done) d
       WHERE c.batch_id = $1 AND c.seq = $2 RETURNING c.first, c.comments, c.units, d.done`,
      [batchId, seq],
    );
    if (r.rowCount === 0) return 'missing';
    const row = r.rows[0];
    if (row.done) return 'done';
    return { seq, first: Number(row.first), comments: row.comments, units: JSON.parse(row.units) as Unit[] };
  }

  /** Stores a chunk's results; false when another worker stored them first (they are kept, not doubled). */
  async saveResult(batchId: string, seq: number, lines: string, comments: number, worker: string, ms: number): Promise<boolean> {
    const r = await this.pool.query(
      `INSERT INTO ${this.t('batch_result')} (batch_id, seq, lines, comments, worker, ms) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (batch_id, seq) DO NOTHING`,
      [batchId, seq, lines, comments, worker, ms],
    );
    return r.rowCount === 1;
  }

  /** Records a failed attempt (`givenUp` when pg-boss will not retry it). */
  async recordFailure(batchId: string, seq: number, message: string, givenUp: boolean): Promise<void> {
    await this.pool.query(`UPDATE ${this.t('batch_chunk')} SET failures = failures + 1, last_error = $3, given_up = given_up OR $4 WHERE batch_id = $1 AND seq = $2`, [
      batchId,
      seq,
      message.slice(0, 2000),
      givenUp,
    ]);
  }

  /** The batch's progress; `MOD_ERR_NOT_FOUND` for an unknown id. */
  async status(batchId: string): Promise<BatchStatus> {
    if (!/^[0-9a-f-]{36}$/i.test(batchId)) throw new ModeratoError('MOD_ERR_INPUT', `"${batchId}" is not a batch id (a UUID printed by batch submit)`);
    const b = await this.pool.query<{ source: string; mode: ScorerMode; created_at: Date; submitted_at: Date | null; chunks: number; comments: string; problems: number }>(
      `SELECT source, mode, created_at, submitted_at, chunks, comments, problems FROM ${this.t('batch')} WHERE id = $1`,
      [batchId],
    );
    if (b.rowCount === 0) throw new ModeratoError('MOD_ERR_NOT_FOUND', `no batch ${batchId} in schema ${this.db.schema}`);
    const c = await this.pool.query<{ total: string; comments: string; retries: string; failures: string; given_up: string; last_error: string | null }>(
      `SELECT count(*) AS total, coalesce(sum(comments), 0) AS comments, coalesce(sum(greatest(attempts - 1, 0)), 0) AS retries,
              coalesce(sum(failures), 0) AS failures, count(*) FILTER (WHERE given_up) AS given_up,
              (SELECT last_error FROM ${this.t('batch_chunk')} WHERE batch_id = $1 AND last_error IS NOT NULL LIMIT 1) AS last_error
       FROM ${this.t('batch_chunk')} WHERE batch_id = $1`,
      [batchId],
    );
    const r = await this.pool.query<{ done: string; comments: string; first_at: Date | null; last_at: Date | null; first_ms: number | null; workers: string }>(
      `SELECT count(*) AS done, coalesce(sum(comments), 0) AS comments, min(scored_at) AS first_at, max(scored_at) AS last_at,
              (SELECT ms FROM ${this.t('batch_result')} WHERE batch_id = $1 ORDER BY scored_at LIMIT 1) AS first_ms, count(DISTINCT worker) AS workers
       FROM ${this.t('batch_result')} WHERE batch_id = $1`,
      [batchId],
    );
    const batch = b.rows[0];
    const chunkRow = c.rows[0];
    const res = r.rows[0];
    const submitted = batch.submitted_at !== null;
    const total = submitted ? Number(batch.comments) : Number(chunkRow.comments);
    const done = Number(res.comments);
    const doneChunks = Number(res.done);
    // Time from the start of the first chunk (its end minus its duration) to the last result.
    const span = res.first_at && res.last_at ? (res.last_at.getTime() - res.first_at.getTime() + (res.first_ms ?? 0)) / 1000 : 0;
    const rate = span > 0 ? done / span : null;
    return {
      id: batchId,
      source: batch.source,
      mode: batch.mode,
      createdAt: batch.created_at,
      submitted,
      chunks: { done: doneChunks, total: submitted ? batch.chunks : Number(chunkRow.total) },
      comments: { done, total },
      problems: batch.problems,
      rate,
      etaSeconds: rate && submitted ? (total - done) / rate : null,
      failures: { retries: Number(chunkRow.retries), errors: Number(chunkRow.failures), chunksGivenUp: Number(chunkRow.given_up), lastError: chunkRow.last_error },
      workers: Number(res.workers),
    };
  }

  /** Results of chunks `seq > after`, in order, `limit` chunks at a time (for a streaming export). */
  async resultsAfter(batchId: string, after: number, limit: number): Promise<Array<{ seq: number; lines: string }>> {
    const r = await this.pool.query<{ seq: number; lines: string }>(`SELECT seq, lines FROM ${this.t('batch_result')} WHERE batch_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, [batchId, after, limit]);
    return r.rows;
  }

  /** Closes the connection pool. */
  async close(): Promise<void> {
    await this.pool.end();
  }
}
