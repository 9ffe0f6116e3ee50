/**
 * The body of one scorer-pool thread (see ./pool.ts). Loaded by piscina in a worker thread: it
 * builds the library scorers from `workerData` as soon as the thread starts (./set.ts: the mode
 * asked for, and in accurate mode a fast scorer over the same convolutional model), so every
 * thread loads the models once, and then scores the batches it is handed with the scorer of the
 * task's mode. In the `accurate` mode that includes the sentence encoder: its passes (the
 * heaviest CPU work per comment) run here, never on the event loop of the server that owns the pool.
 */
import { workerData } from 'worker_threads';
import { ModeratoError, isModeratoError } from '../errors';
import type { ScorerMode, ScorerOptions, ScorerRequest as ScoreRequest, ScorerResult as ScoreResult } from './scorer';
import { createScorerSet, type ScorerSet } from './set';
import { warmUp } from './warmup';
import type { ModelInfo } from '../types';

/**
 * What the main thread sends. `jsonl` asks for each request's results as JSONL text; `mode`
 * picks the scorer (default: the thread's main one, the mode the options asked for).
 */
export type PoolTask = { kind: 'info' } | { kind: 'score'; requests: ScoreRequest[]; jsonl?: boolean; mode?: ScorerMode };

/** What comes back. Errors travel as data: structured clone drops an Error's `code`. */
export type PoolReply =
  | { ok: true; info: ModelInfo; modes: Array<{ mode: ScorerMode; info: ModelInfo }> }
  | { ok: true; results: ScoreResult[][] }
  | { ok: true; lines: string[] }
  | { ok: false; error: { code?: string; message: string; details?: unknown } };

const data = (workerData ?? {}) as { scorer?: ScorerOptions; warmUp?: boolean | number };
const options = (data.scorer ?? {}) as ScorerOptions;
// The thread warms up before it reports loaded (./warmup.ts): its first tasks then run compiled
// code, and a batch run's timed window no longer holds each thread's compilation. The fast scorer
// is the one warmed (every set serves it; an accurate scorer runs the same convolutional model
// under its encoder pass, whose warm-up would cost seconds of load).
const scorersReady: Promise<ScorerSet> = createScorerSet(options).then(async (set) => {
  if (data.warmUp !== false) await warmUp(set.get('fast') ?? set.main, typeof data.warmUp === 'number' ? data.warmUp : undefined);
  return set;
});
// Keep a failed load from crashing the thread as an unhandled rejection; the next task reports it.
scorersReady.catch(() => undefined);

function toReply(err: unknown): PoolReply {
  if (isModeratoError(err)) return { ok: false, error: { code: err.code, message: err.message, details: err.details } };
  const e = err as { message?: string; stack?: string };
  return { ok: false, error: { message: e?.stack ?? e?.message ?? String(err) } };
}

/** A result as it is written out: the internal `features` (typed arrays, for the queue) left off. */
function publicResult(r: ScoreResult): ScoreResult {
  if (r.features === undefined) return r;
  const { features: _internal, ...pub } = r;
  void _internal;
  return pub;
}

/** Handles one task: model info, or a batch of score requests scored one after another. */
export default async function handle(task: PoolTask): Promise<PoolReply> {
  try {
    const set = await scorersReady;
    if (task.kind === 'info') return { ok: true, info: set.main.info, modes: set.modes.map((mode) => ({ mode, info: set.get(mode)!.info })) };
    const scorer = task.mode === undefined ? set.main : set.get(task.mode);
    if (!scorer) throw new ModeratoError('MOD_ERR_MODE_UNAVAILABLE', `scorer mode ${JSON.stringify(task.mode)} is not served here: the threads loaded ${set.main.info.name} ${set.main.info.version}, which serves ${set.modes.join(', ')}`, { mode: task.mode, available: set.modes });
    const results: ScoreResult[][] = [];
    for (const req of task.requests) results.push(await scorer.score(req));
    if (!task.jsonl) return { ok: true, results };
    // Serialising here keeps JSON.stringify off the main thread, which also reads the input.
    return { ok: true, lines: results.map((rs) => rs.map((r) => JSON.stringify(publicResult(r)) + '\n').join('')) };
  } catch (err) {
    return toReply(err);
  }
}
