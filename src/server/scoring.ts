/**
 * The server's scorer: the library's scorer pool (src/scorer/pool.ts, the same threads the batch
 * CLI uses) behind the `Scorer` interface the routes call, so no model pass runs on the event
 * loop. A full pool queue becomes 503 MOD_ERR_OVERLOADED with `Retry-After`; every call is
 * counted in the metrics (batch size, time). A request may ask for another mode than the
 * server's ({@link scorerForMode}): an accurate server's threads also score fast.
 */
import type { NextFunction, Request, Response } from 'express';
import { ModeratoError } from '../errors';
import { SCORER_MODES, ScorerPoolFullError, type Scorer, type ScorerMode, type ScorerPool, type Thresholds } from '../scorer';
import { modeOf } from '../scorer/set';
import type { ModelInfo, ScoreRequest, ScoreResult } from '../types';
import type { ServerMetrics } from './metrics';

/** Seconds a client is told to wait when the pool is full: scoring tasks take tens of ms, so one second is ample. */
export const OVERLOAD_RETRY_SECONDS = 1;

/** A Scorer whose capacity can be asked before any work is done on a request. */
export interface AdmittingScorer extends Scorer {
  /** True when a new scoring task would be turned away (every worker busy, the queue full). */
  saturated(): boolean;
}

/** A Scorer that also scores in other modes (the pool's threads hold a scorer per mode). */
export interface ModalScorer extends Scorer {
  /** Every mode a request may ask for, this scorer's own included. */
  readonly modes: readonly ScorerMode[];
  /** The scorer of `mode`, one of `modes`; its `info` is the model that mode scores with. */
  forMode(mode: ScorerMode): Scorer;
}

/** The modes `scorer` serves: a {@link ModalScorer}'s, else its own alone. */
export function servedModes(scorer: Scorer): ScorerMode[] {
  const modal = scorer as Partial<ModalScorer>;
  return modal.modes && modal.forMode ? [...modal.modes] : [modeOf(scorer.info)];
}

/**
 * The scorer for a request's `mode` (absent: the server's own). A mode the server does not serve
 * is MOD_ERR_MODE_UNAVAILABLE (400), saying how to start the server with it.
 */
export function scorerForMode(scorer: Scorer, mode: ScorerMode | undefined): Scorer {
  if (mode === undefined || mode === modeOf(scorer.info)) return scorer;
  const modes = servedModes(scorer);
  if (modes.includes(mode)) return (scorer as ModalScorer).forMode(mode);
  throw new ModeratoError(
    'MOD_ERR_MODE_UNAVAILABLE',
    `This server scores ${modes.join(' and ')} only, not ${mode}: start it with MODERATO_MODE=${mode} (or moderato serve --mode ${mode})`,
    { mode, available: modes },
  );
}

function thresholdsOf(info: ModelInfo): Thresholds {
  const t = info.thresholds ?? {};
  return { toxicity: t.toxicity!, category: t.category!, offTopic: t.offTopic! };
}

/** The 503 a full pool answers. */
export function overloaded(maxQueue: number, metrics?: ServerMetrics): ModeratoError {
  metrics?.rejected.inc({ reason: 'overloaded' });
  return new ModeratoError('MOD_ERR_OVERLOADED', `Every scoring worker is busy and ${maxQueue} requests are waiting; retry in ${OVERLOAD_RETRY_SECONDS} s`, { retryAfterSeconds: OVERLOAD_RETRY_SECONDS });
}

/**
 * A Scorer that scores in `pool` (queue bounded by `maxQueue`); `info` is what `pool.ready()`
 * answered, `modeInfos` what `pool.modeInfos()` did (needed for each mode but the pool's own
 * that a request may ask for: the modes in `info.modes`).
 */
export function poolScorer(pool: ScorerPool, info: ModelInfo, metrics?: ServerMetrics, maxQueue = Infinity, modeInfos: Partial<Record<ScorerMode, ModelInfo>> = {}): AdmittingScorer & ModalScorer {
  // `modes` describes the server (`/readyz`), not the model a result was scored with.
  const { modes: listed, ...own } = info;
  const inMode = (mode: ScorerMode | undefined, modeInfo: ModelInfo): Scorer => instrumentScorer({
    info: modeInfo,
    thresholds: thresholdsOf(modeInfo),
    async score(req: ScoreRequest): Promise<ScoreResult[]> {
      try {
        return await pool.score(req, mode);
      } catch (e) {
        if (e instanceof ScorerPoolFullError) throw overloaded(e.maxQueue, metrics);
        throw e;
      }
    },
    dispose(): void {
      // The pool is closed by its owner (serve.ts) once in-flight requests have finished.
    },
  }, metrics);
  const scorer = inMode(undefined, own);
  const ownMode = modeOf(own);
  const modes = SCORER_MODES.filter((m) => m === ownMode || (listed?.includes(m) && modeInfos[m]));
  const others = new Map(modes.filter((m) => m !== ownMode).map((m) => [m, inMode(m, modeInfos[m]!)]));
  return {
    ...scorer,
    info: scorer.info,
    thresholds: scorer.thresholds,
    saturated: () => pool.queueSize >= maxQueue,
    modes,
    forMode(mode) {
      if (mode === ownMode) return scorer;
      const other = others.get(mode);
      if (!other) throw new ModeratoError('MOD_ERR_INTERNAL', `forMode(${mode}): the pool serves ${modes.join(', ')}`);
      return other;
    },
  };
}

/**
 * Middleware for the pure scoring routes: when the pool is saturated, answers 503 before the
 * body is read, parsed or validated, so shedding load costs the event loop almost nothing (a
 * storm of retried requests would otherwise keep it busy parsing bodies it will refuse).
 */
export function shedWhenSaturated(current: () => Scorer | null, maxQueue: number, metrics?: ServerMetrics) {
  return (_req: Request, _res: Response, next: NextFunction): void => {
    const s = current() as Partial<AdmittingScorer> | null;
    next(s?.saturated?.() ? overloaded(maxQueue, metrics) : undefined);
  };
}

/** Wraps `scorer` so each call records its batch size and duration. */
export function instrumentScorer(scorer: Scorer, metrics?: ServerMetrics): Scorer {
  if (!metrics) return scorer;
  return {
    info: scorer.info,
    thresholds: scorer.thresholds,
    async score(req: ScoreRequest): Promise<ScoreResult[]> {
      metrics.batchSize.observe(req.comments.length);
      const end = metrics.scoringSeconds.startTimer();
      try {
        return await scorer.score(req);
      } finally {
        end();
      }
    },
    dispose: () => scorer.dispose(),
  };
}
