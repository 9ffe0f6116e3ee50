/**
 * `moderato score --ingest`: the held comments of an archive go into the moderation queue. A
 * scorer wrapper sees each batch's results as they come back, classifies every result with the
 * queue's current policy (as `POST /v1/comments` does) and stores those the policy holds
 * (`pending`), with their text, thread and article, so moderators can work through an archive.
 * Storing is idempotent on the comment id: a resumed or repeated run adds nothing twice.
 */
import { classify, heldReasons, resolveWithScopes, type BaseThresholds, type NewComment, type QueueStore } from '../queue';
import type { ModelInfo, ScoreRequest, ScoreResult } from '../types';
import type { JsonlScorer } from './pipeline';

/** What {@link withIngest} stored so far. */
export interface IngestCounts {
  held: number;
  /** Held comments the queue already had (an earlier run). */
  known: number;
}

/**
 * Wraps `scorer` so that every result the queue's policy holds is stored in `store` before the
 * batch's results are handed on (so a result written to the output is already in the queue).
 */
export async function withIngest(scorer: JsonlScorer, store: QueueStore, info: ModelInfo): Promise<{ scorer: JsonlScorer; counts: IngestCounts }> {
  const policy = await store.getPolicy();
  const t = info.thresholds ?? {};
  const base: BaseThresholds = { toxicity: t.toxicity ?? 0.5, category: t.category ?? 0.5, offTopic: t.offTopic ?? 0.5 };
  const counts: IngestCounts = { held: 0, known: 0 };
  const wrapped: JsonlScorer = {
    async scoreJsonl(reqs: ScoreRequest[]) {
      const texts = await scorer.scoreJsonl(reqs);
      const records: NewComment[] = [];
      reqs.forEach((req, i) => {
        // Every result is classified: a policy may hold below the scorer's own thresholds.
        const lines = texts[i].split('\n');
        req.comments.forEach((c, k) => {
          const result = JSON.parse(lines[k]) as ScoreResult;
          const threadId = c.threadId ?? req.article?.id ?? null;
          const applied = resolveWithScopes(policy?.policy ?? null, base, { threadId });
          const cls = classify(result, applied.values);
          if (cls.status !== 'pending') return;
          records.push({
            id: c.id, text: c.text, threadId, parentId: c.parentId ?? null, author: c.author ?? null, siteId: null,
            article: req.article ?? null, metadata: c.createdAt ? { createdAt: c.createdAt } : null,
            result: { ...result, reasons: heldReasons(result, applied) }, status: cls.status, category: cls.category, score: cls.score, model: { name: info.name, version: info.version }, policyVersion: policy?.version ?? null,
          });
        });
      });
      if (records.length) {
        const outcomes = await store.ingest(records);
        for (const o of outcomes) o.created ? counts.held++ : counts.known++;
      }
      return texts;
    },
  };
  return { scorer: wrapped, counts };
}
