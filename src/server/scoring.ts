/**
 * The server's scorer: the library's scorer pool (src/scorer/pool.ts, the same threads the batch
 * CLI uses) behind the `Scorer` interface the routes call, so no model pass runs on the event
 * loop. A full pool queue becomes 503 MOD_ERR_OVERLOADED with `Retry-After`; every call is
 * counted in the metrics (batch size, time).
 */
import type { NextFunction, Request, Response } from 'express';
import { ModeratoError } from '../errors';
import { ScorerPoolFullError, type Scorer, type ScorerPool, type Thresholds } from '../scorer';
import type { ModelInfo, ScoreRequest, ScoreResult } from '../types';
import type { ServerMetrics } from './metrics';

/** Seconds a client is told to wait when the pool is full: scoring tasks take tens of ms, so one second is ample. */
export const OVERLOAD_RETRY_SECONDS = 1;

/** A Scorer whose capacity can be asked before any work is done on a request. */
export interface AdmittingScorer extends Scorer {
  /** True when a new scoring task would be turned away (every worker busy, the queue full). */
  saturated(): boolean;
}

/** The 503 a full pool answers. */
export function overloaded(maxQueue: number, metrics?: ServerMetrics): ModeratoError {
  metrics?.rejected.inc({ reason: 'overloaded' });
  return new ModeratoError('MOD_ERR_OVERLOADED', `Every scoring worker is busy and ${maxQueue} requests are waiting; retry in ${OVERLOAD_RETRY_SECONDS} s`, { retryAfterSeconds: OVERLOAD_RETRY_SECONDS });
}

/** A Scorer that scores in `pool` (queue bounded by `maxQueue`); `info` is what `pool.ready()` answered. */
export function poolScorer(pool: ScorerPool, info: ModelInfo, metrics?: ServerMetrics, maxQueue = Infinity): AdmittingScorer {
  const t = info.thresholds ?? {};
  const thresholds: Thresholds = { toxicity: t.toxicity!, category: t.category!, offTopic: t.offTopic! };
  const scorer = instrumentScorer({
    info,
    thresholds,
    async score(req: ScoreRequest): Promise<ScoreResult[]> {
      try {
        return await pool.score(req);
      } catch (e) {
        if (e instanceof ScorerPoolFullError) throw overloaded(e.maxQueue, metrics);
        throw e;
      }
    },
    dispose(): void {
      // The pool is closed by its owner (serve.ts) once in-flight requests have finished.
    },
  }, metrics);
  return { ...scorer, info: scorer.info, thresholds: scorer.thresholds, saturated: () => pool.queueSize >= maxQueue };
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
