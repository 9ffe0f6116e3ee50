/**
 * The server's scorer: the library's scorer pool (src/scorer/pool.ts, the same threads the batch
 * CLI uses) behind the `Scorer` interface the routes call, so no model pass runs on the event
 * loop. A full pool queue becomes 503 MOD_ERR_OVERLOADED with `Retry-After`; every call is
 * counted in the metrics (batch size, time).
 */
import { ModeratoError } from '../errors';
import { ScorerPoolFullError, type Scorer, type ScorerPool, type Thresholds } from '../scorer';
import type { ModelInfo, ScoreRequest, ScoreResult } from '../types';
import type { ServerMetrics } from './metrics';

/** Seconds a client is told to wait when the pool is full: scoring tasks take tens of ms, so one second is ample. */
export const OVERLOAD_RETRY_SECONDS = 1;

/** A Scorer that scores in `pool`; `info` is what `pool.ready()` answered. */
export function poolScorer(pool: ScorerPool, info: ModelInfo, metrics?: ServerMetrics): Scorer {
  const t = info.thresholds ?? {};
  const thresholds: Thresholds = { toxicity: t.toxicity!, category: t.category!, offTopic: t.offTopic! };
  return instrumentScorer({
    info,
    thresholds,
    async score(req: ScoreRequest): Promise<ScoreResult[]> {
      try {
        return await pool.score(req);
      } catch (e) {
        if (e instanceof ScorerPoolFullError) {
          metrics?.rejected.inc({ reason: 'overloaded' });
          throw new ModeratoError('MOD_ERR_OVERLOADED', `Every scoring worker is busy and ${e.maxQueue} requests are waiting; retry in ${OVERLOAD_RETRY_SECONDS} s`, { retryAfterSeconds: OVERLOAD_RETRY_SECONDS });
        }
        throw e;
      }
    },
    dispose(): void {
      // The pool is closed by its owner (serve.ts) once in-flight requests have finished.
    },
  }, metrics);
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
