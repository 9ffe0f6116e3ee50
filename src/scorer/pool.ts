/**
 * A pool of scorer threads (piscina): every thread loads the models once and scores with the
 * same library scorer as {@link createScorer}, so a result is the same whichever thread made it.
 * Used by the batch CLI (`moderato score --workers N`, `moderato worker`) and fit for the HTTP
 * server: a bounded queue, and a distinct error when it is full so a caller can shed load.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Piscina from 'piscina';
import { ModeratoError, type ErrorCode } from '../errors';
import { packageRoot } from '../util/paths';
import type { ModelInfo } from '../types';
import type { ScorerMode, ScorerOptions, ScorerRequest as ScoreRequest, ScorerResult as ScoreResult } from './scorer';
import type { PoolReply, PoolTask } from './pool-worker';
import { allocateSharedTables, fillSharedTables, toxicityDirOf } from '../model/tables';
import { defaultModelDir } from '../model/paths';
import { scorerModelDir } from './modes';

/** Options for {@link createScorerPool}. */
export interface ScorerPoolOptions {
  /** Worker threads (default: `os.availableParallelism()`). */
  threads?: number;
  /**
   * Tasks that may wait for a free thread beyond those running (default: `threads * 4`). One more
   * rejects with {@link ScorerPoolFullError}; use `Infinity` for an unbounded queue.
   */
  maxQueue?: number;
  /**
   * Tasks handed to a thread at once (default 1). A batch run wants 2: the next task then waits
   * in the thread, which starts it the moment it is done instead of waiting for the main thread
   * (busy reading and writing) to hand it over.
   */
  tasksPerThread?: number;
  /** How each thread builds its scorers (mode, model dirs, backend, thresholds): plain data only, no `model` or `topic` objects. */
  scorer?: ScorerOptions;
  /** Each thread's young generation, MB (default {@link YOUNG_GENERATION_MB}). */
  youngGenerationMb?: number;
  /**
   * Build the convolutional model's embedding table once, on this thread, while the threads
   * start, and share it and one folded vocabulary, which the threads fill word by word as they
   * score (default true; src/model/tables.ts). False: each thread decodes the table and folds
   * the words it meets on its own.
   */
  shareTables?: boolean;
  /**
   * Each thread scores a fixed warm-up batch before it reports loaded (default true; ./warmup.ts),
   * so its first tasks run compiled code: a server's first requests. A batch run that only wants
   * its whole run short can skip it: its own first comments warm the code up, and the warm-up's
   * 300 comments are work on top (20,000 posts, 2 workers: 3.70 -> 3.55 s wall, 5 alternated runs).
   * A number scores that many of the warm-up's comments instead: `PRIMER_COMMENTS` (./warmup.ts)
   * is what the batch CLI asks for, so each thread has run every rare branch before V8 optimises.
   */
  warmUp?: boolean | number;
}

/**
 * A thread's young generation, MB. V8's default here (about 48 MB) had a thread scavenge often,
 * and the scavenges run on V8's helper threads, which with every core scoring take CPU from the
 * other scorer thread: 64 cut the helper threads' CPU by about a third and raised 2 threads'
 * fast scoring rate ~10% (20,000 posts, paired runs); 128-512 did no better.
 */
export const YOUNG_GENERATION_MB = 64;

/** A pool of scorer threads. Every method may be called concurrently. */
export interface ScorerPool {
  /** Number of worker threads. */
  readonly threads: number;
  /**
   * Resolves once every thread has loaded the models (rejects with the load error, e.g.
   * `MOD_ERR_MODEL`): the default mode's model info, with `modes`, every mode a task may ask for
   * (threads of an accurate pool also score fast, over the same convolutional model). Call it
   * before the first task: then each thread gets one of its info tasks.
   */
  ready(): Promise<ModelInfo>;
  /** The model info of each mode the threads serve (what a result of that mode was scored with). */
  modeInfos(): Promise<Partial<Record<ScorerMode, ModelInfo>>>;
  /**
   * Scores one request in a thread: the same results as `Scorer.score(req)` of the scorer of
   * `mode` (default: the pool's own mode). A mode the threads do not serve rejects with
   * MOD_ERR_MODE_UNAVAILABLE.
   */
  score(req: ScoreRequest, mode?: ScorerMode): Promise<ScoreResult[]>;
  /** Scores several requests as one task (one message each way): one result array per request. */
  scoreMany(reqs: ScoreRequest[], mode?: ScorerMode): Promise<ScoreResult[][]>;
  /**
   * Like {@link scoreMany} but each request's results come back as JSONL text (one
   * `JSON.stringify(result)` line per comment, each ending in `\n`), serialised in the thread.
   */
  scoreJsonl(reqs: ScoreRequest[], mode?: ScorerMode): Promise<string[]>;
  /** Tasks waiting for a thread (not counting those running). */
  readonly queueSize: number;
  /** Finishes queued and running tasks, then stops the threads. */
  close(): Promise<void>;
}

/** The pool's queue already holds `maxQueue` waiting tasks: shed load or retry later. */
export class ScorerPoolFullError extends Error {
  readonly code = 'SCORER_POOL_FULL';
  constructor(readonly maxQueue: number) {
    super(`scorer pool queue is full (${maxQueue} tasks waiting)`);
    this.name = 'ScorerPoolFullError';
  }
}

/** The compiled worker file: next to this one in dist/, or dist/'s copy when running from src/ (ts-jest). */
function workerFile(): string {
  const here = path.join(__dirname, 'pool-worker.js');
  if (fs.existsSync(here)) return here;
  const built = path.join(packageRoot(), 'dist', 'src', 'scorer', 'pool-worker.js');
  if (fs.existsSync(built)) return built;
  throw new ModeratoError('MOD_ERR_CONFIG', `scorer pool worker not found at ${built}: run "npm run build" first`);
}

function unwrap(reply: PoolReply): Exclude<PoolReply, { ok: false }> {
  if (reply.ok) return reply;
  const { code, message, details } = reply.error;
  if (code?.startsWith('MOD_ERR_')) throw new ModeratoError(code as ErrorCode, message, details);
  throw new ModeratoError('MOD_ERR_INTERNAL', `scorer thread failed: ${message}`);
}

/**
 * Starts a pool of scorer threads; each begins loading the models at once.
 * @example
 * const pool = createScorerPool({ threads: 2 });
 * await pool.ready();
 * const [results] = await pool.scoreMany([{ comments: [{ id: 'c1', text: 'you idiot' }] }]);
 * await pool.close();
 */
export function createScorerPool(opts: ScorerPoolOptions = {}): ScorerPool {
  if (opts.scorer?.model || opts.scorer?.topic) throw new ModeratoError('MOD_ERR_CONFIG', 'a scorer pool loads its models in each thread: give model folders (modelDir, topicDir), not loaded models');
  const threads = Math.max(1, Math.floor(opts.threads ?? os.availableParallelism()));
  const maxQueue = opts.maxQueue ?? threads * 4;
  const tableDir = opts.shareTables === false ? undefined : toxicityDirOf(scorerModelDir(opts.scorer ?? {}) ?? defaultModelDir());
  const shared = tableDir !== undefined ? allocateSharedTables(tableDir) : undefined;
  const piscina = new Piscina<PoolTask, PoolReply>({
    filename: workerFile(),
    minThreads: threads,
    maxThreads: threads,
    maxQueue: Number.isFinite(maxQueue) ? Math.max(0, Math.floor(maxQueue)) : undefined,
    idleTimeout: Infinity,
    concurrentTasksPerWorker: Math.max(1, Math.floor(opts.tasksPerThread ?? 1)),
    // Not piscina's default 'sync': an idle thread then blocks in Atomics.wait until a task comes,
    // which froze each thread's model load (started when its module loads) as soon as it awaited
    // anything (the wasm backend's start) while the main thread was busy, e.g. filling the shared
    // tables below: a scratch thread's wasm start took 1.2 s behind a 1.5 s busy main thread
    // against 0.01 s with this. Tasks then travel as plain messages (a batch task is ~0.1 s of work).
    atomics: 'disabled',
    workerData: { scorer: { ...(opts.scorer ?? {}), ...(shared ? { shared } : {}) }, warmUp: opts.warmUp ?? true },
    resourceLimits: { maxYoungGenerationSizeMb: opts.youngGenerationMb ?? YOUNG_GENERATION_MB },
    // natural's dotenv prints tips on stdout, which carries JSONL in the CLI.
    env: { ...process.env, DOTENV_CONFIG_QUIET: 'true' },
  });
  // The threads are starting (their module imports take ~0.1 s): fill the tables meanwhile.
  // A thread that needs them first waits; if this fails each thread loads its own (and reports
  // any error in the files, as without sharing).
  if (shared) fillSharedTables(shared);

  const run = async (task: PoolTask): Promise<Exclude<PoolReply, { ok: false }>> => {
    let reply: PoolReply;
    try {
      reply = await piscina.run(task);
    } catch (err) {
      if (err instanceof Error && /Task queue is at limit|No task queue available/.test(err.message)) throw new ScorerPoolFullError(maxQueue);
      throw new ModeratoError('MOD_ERR_INTERNAL', `scorer thread failed: ${(err as Error).message}`);
    }
    return unwrap(reply);
  };
  type Infos = { info: ModelInfo; modes: Array<{ mode: ScorerMode; info: ModelInfo }> };
  let infos: Promise<Infos> | undefined;
  // One info task per thread (piscina hands each to an idle thread first), so ready() means every
  // thread is loaded: a batch's timing then starts with all of them able to score, and a thread
  // still loading is never mistaken for a slow one.
  const loaded = (): Promise<Infos> => (infos ??= Promise.all(Array.from({ length: threads }, () => run({ kind: 'info' }))).then((r) => r[0] as Infos));
  // `mode` stays off the task when absent, so a task without one is what it was before modes.
  const withMode = (mode: ScorerMode | undefined) => (mode === undefined ? {} : { mode });

  return {
    threads,
    async ready() {
      const r = await loaded();
      return { ...r.info, modes: r.modes.map((m) => m.mode) };
    },
    async modeInfos() {
      const r = await loaded();
      return Object.fromEntries(r.modes.map((m) => [m.mode, m.info]));
    },
    async score(req, mode) {
      const r = await run({ kind: 'score', requests: [req], ...withMode(mode) });
      return (r as { results: ScoreResult[][] }).results[0];
    },
    async scoreMany(reqs, mode) {
      if (reqs.length === 0) return [];
      const r = await run({ kind: 'score', requests: reqs, ...withMode(mode) });
      return (r as { results: ScoreResult[][] }).results;
    },
    async scoreJsonl(reqs, mode) {
      if (reqs.length === 0) return [];
      const r = await run({ kind: 'score', requests: reqs, jsonl: true, ...withMode(mode) });
      return (r as { lines: string[] }).lines;
    },
    get queueSize() {
      return piscina.queueSize;
    },
    close() {
      return piscina.close();
    },
  };
}
