/**
 * `batch submit`: reads an archive into the same units `moderato score` scores, packs them into
 * chunks (a thread is one unit, so it never straddles two chunks) and sends one pg-boss job
 * per chunk. Chunks are stored and sent as they are read, so memory stays bounded and workers
 * can start before the submit ends.
 */
import { randomUUID } from 'crypto';
import { ModeratoError } from '../../errors';
import type { ScorerMode } from '../../scorer';
import type { Archive } from '../archive';
import { isProblem, toUnits, type Problem, type Unit } from '../units';
import { chunkQueue, DEFAULT_LEASE_SECONDS, startBoss, type ChunkJob } from './boss';
import { BatchStore, type BatchDb, type ChunkRow } from './store';

/** Options of {@link submitBatch}. */
export interface SubmitOptions {
  db: BatchDb;
  /** Shown by `batch status` (the file or folder name). */
  source: string;
  /** Scorer mode (default fast): the batch's chunks go to the workers of that mode. */
  mode?: ScorerMode;
  /**
   * Comments per chunk (default 250; a bigger thread makes a bigger chunk). Small, so that the
   * slow path's chunk is a few seconds of work: a fast worker claims many at once.
   */
  chunkComments?: number;
  /** Seconds a chunk stays with a worker that stopped renewing its lease (default 30). */
  leaseSeconds?: number;
  /** Attempts after the first before a chunk is given up (default 5). */
  retries?: number;
  onProblem?(p: Problem): void;
  onProgress?(comments: number): void;
}

/** What was submitted. */
export interface SubmitSummary {
  id: string;
  chunks: number;
  comments: number;
  problems: number;
}

/** Comments per chunk unless told. */
export const DEFAULT_CHUNK_COMMENTS = 250;

/** Chunks stored and sent per round trip. */
const SEND_EVERY = 20;

/** Splits `archive` into chunk jobs; answers the batch id. `MOD_ERR_INPUT` when it holds no comments. */
export async function submitBatch(archive: Archive, opts: SubmitOptions): Promise<SubmitSummary> {
  const perChunk = Math.max(1, opts.chunkComments ?? DEFAULT_CHUNK_COMMENTS);
  const lease = Math.max(1, Math.round(opts.leaseSeconds ?? DEFAULT_LEASE_SECONDS));
  const store = new BatchStore(opts.db);
  try {
    await store.migrate();
    const boss = await startBoss(opts.db);
    try {
      const id = randomUUID();
      const mode = opts.mode ?? 'fast';
      const queue = chunkQueue(mode);
      await store.createBatch(id, opts.source, mode);
      const summary: SubmitSummary = { id, chunks: 0, comments: 0, problems: 0 };
      let pending: ChunkRow[] = [];
      let chunk: ChunkRow = { seq: 0, first: 0, comments: 0, units: [] };
      const send = async (): Promise<void> => {
        await store.addChunks(id, pending);
        await boss.insert(
          pending.map((c) => ({ name: queue, data: { batchId: id, seq: c.seq } satisfies ChunkJob, expireInSeconds: lease, retryLimit: opts.retries ?? 5, retryDelay: 0 })),
        );
        pending = [];
        opts.onProgress?.(summary.comments);
      };
      const close = async (): Promise<void> => {
        if (chunk.units.length === 0) return;
        pending.push(chunk);
        summary.chunks++;
        chunk = { seq: summary.chunks, first: summary.comments, comments: 0, units: [] };
        if (pending.length >= SEND_EVERY) await send();
      };
      try {
        for await (const u of toUnits(archive.items) as AsyncGenerator<Unit | Problem>) {
          if (isProblem(u)) {
            summary.problems++;
            opts.onProblem?.(u);
            continue;
          }
          chunk.units.push(u);
          chunk.comments += u.req.comments.length;
          summary.comments += u.req.comments.length;
          if (chunk.comments >= perChunk) await close();
        }
        await close();
        if (pending.length) await send();
        if (summary.comments === 0) {
          throw new ModeratoError('MOD_ERR_INPUT', `nothing could be scored in ${opts.source}${summary.problems ? `: all ${summary.problems} line(s) were malformed` : ': it holds no comments'}`);
        }
      } catch (e) {
        // Take back what was sent: a half-submitted batch is of no use (its jobs find no chunk and end).
        await store.deleteBatch(id).catch(() => undefined);
        throw e;
      }
      await store.finishSubmit(id, summary);
      return summary;
    } finally {
      await boss.stop({ graceful: false, wait: true, close: true });
    }
  } finally {
    await store.close();
  }
}
