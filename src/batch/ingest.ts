/**
 * `moderato score --ingest`: an archive goes into the moderation queue through the same library
 * call as `POST /v1/comments` (src/queue/ingest.ts), so one copy of the rules decides: the queue's
 * policy holds comments, an audit sample of those it would publish is queued marked `audit`, each
 * comment is scored with its site's active adapter, and in the accurate mode its features are
 * stored, so a moderator's decision on it is a label for the site's next refit without
 * re-embedding. Every comment is stored (published ones too, as over HTTP). Storing is idempotent
 * on the comment id: a resumed or repeated run scores and adds nothing twice.
 */
import { ingestComments, type AdapterSource, type IngestInput, type IngestItem, type QueueStore, type StoredComment } from '../queue';
import type { Scorer, ScorerPool, Thresholds } from '../scorer';
import type { ModelInfo, ScoreRequest, ScoreResult } from '../types';
import type { JsonlScorer } from './pipeline';

/** What {@link withIngest} stored so far. */
export interface IngestCounts {
  /** Held by the policy (pending, not audit). */
  held: number;
  /** Queued through the audit sample (the policy would have published them). */
  audit: number;
  /** Stored as published (or decided by the policy) without a moderator. */
  published: number;
  /** Comments the queue already had (an earlier or interrupted run): answered as stored. */
  known: number;
}

/** Options of {@link withIngest}. */
export interface IngestOptions {
  /** The site of comments whose line names none (`--site`); else the default site. */
  siteId?: string;
  /** Each site's active adapter (a `SiteAdaptation` over the same store). */
  adapters?: AdapterSource;
}

/** The pool's threads behind the `Scorer` interface ingest calls: features and adapters travel through `pool.score`. */
export function poolAsScorer(pool: ScorerPool, info: ModelInfo): Scorer {
  const t = info.thresholds ?? {};
  const thresholds: Thresholds = { toxicity: t.toxicity ?? 0.5, category: t.category ?? 0.5, offTopic: t.offTopic ?? 0.5 };
  return { info, thresholds, score: (req) => pool.score(req), dispose: () => undefined };
}

/** The stored comment as a result line: what was stored is what the output says (a known id keeps its first scores). */
function resultOf(c: StoredComment): ScoreResult & { status: StoredComment['status']; audit: boolean } {
  const { toxicity, categories, offTopic, flagged, reasons } = c.scores;
  return { id: c.id, toxicity, categories, offTopic, flagged, reasons, spans: c.spans, adapter: c.adapter, status: c.status, audit: c.audit };
}

/** One batch request as ingest input: a thread's article id is its comments' thread, the line's time travels as metadata. */
function toIngest(req: ScoreRequest): IngestInput[] {
  return req.comments.map((c) => ({
    id: c.id, text: c.text, threadId: c.threadId ?? req.article?.id, parentId: c.parentId ?? null, author: c.author, siteId: c.siteId,
    metadata: c.createdAt ? { createdAt: c.createdAt } : null,
  }));
}

/**
 * A JsonlScorer that ingests every request into `store` with {@link ingestComments} and answers
 * the stored results (with their queue `status` and `audit`): a line written to the output is
 * already in the queue, so `--resume` after a crash re-sends at most what the queue answers as known.
 */
export function withIngest(scorer: Scorer, store: QueueStore, opts: IngestOptions = {}): { scorer: JsonlScorer; counts: IngestCounts } {
  const counts: IngestCounts = { held: 0, audit: 0, published: 0, known: 0 };
  const tally = (o: IngestItem): void => {
    if (!o.created) counts.known++;
    else if (o.comment.audit) counts.audit++;
    else if (o.comment.status === 'pending') counts.held++;
    else counts.published++;
  };
  const wrapped: JsonlScorer = {
    async scoreJsonl(reqs: ScoreRequest[]) {
      const texts: string[] = [];
      for (const req of reqs) {
        const out = await ingestComments(store, () => scorer, { comments: toIngest(req), article: req.article, siteId: opts.siteId }, { adapters: opts.adapters });
        out.forEach(tally);
        texts.push(out.map((o) => JSON.stringify(resultOf(o.comment)) + '\n').join(''));
      }
      return texts;
    },
  };
  return { scorer: wrapped, counts };
}
