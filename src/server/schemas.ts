import { z } from 'zod';
import { LIMITS } from '../limits';
import { SiteIdSchema } from '../queue/types';
import { SCORER_MODES, type ScorerMode } from '../scorer';

/** A comment as clients send it. Unknown fields are ignored. */
export const CommentSchema = z.object({
  id: z.string().min(1).max(LIMITS.maxIdLength),
  text: z.string().max(LIMITS.maxTextLength),
  parentId: z.string().min(1).max(LIMITS.maxIdLength).nullish(),
  threadId: z.string().min(1).max(LIMITS.maxIdLength).optional(),
  author: z.string().max(LIMITS.maxAuthorLength).optional(),
});

/** The article a thread belongs to. */
export const ArticleSchema = z.object({
  id: z.string().max(LIMITS.maxIdLength).optional(),
  title: z.string().max(LIMITS.maxTitleLength).optional(),
  body: z.string().max(LIMITS.maxArticleLength).optional(),
  author: z.string().max(LIMITS.maxAuthorLength).optional(),
});

/** zod refinement: the comments of one request have unique ids (so `parentId` can point at a sibling). */
export function uniqueIds(comments: Array<{ id: string }>, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  comments.forEach((c, i) => {
    if (seen.has(c.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `Duplicate comment id "${c.id}"` });
    seen.add(c.id);
  });
}

/** Comments of one request: 1 to the limit, ids unique. */
export const CommentListSchema = z.array(CommentSchema).min(1).max(LIMITS.maxComments).superRefine(uniqueIds);

// A site's id is defined beside the queue's stores, so batch input checks it by the same rule.
export { SiteIdSchema };

/**
 * What each mode's path is and costs, for the OpenAPI document (measured: `npm run bench:latency`,
 * README "Benchmarks"). A mode listed in SCORER_MODES without an entry is named without one.
 */
const MODE_PATHS: Partial<Record<ScorerMode, string>> = {
  fast: 'the convolutional model alone (p50 2.1 ms per warm comment)',
  accurate: 'adds the heads on the sentence encoder: better scores, p50 14.7 ms per warm comment',
};
const MODE_DESCRIPTION = 'Which scoring path scores this request; default: the server\'s mode (`/readyz` lists the modes it serves, `model.modes`). '
  + SCORER_MODES.map((m) => `\`${m}\`${MODE_PATHS[m] ? `: ${MODE_PATHS[m]}` : ''}`).join('; ') + '. '
  + 'A server started with the heads model (MODERATO_MODE=accurate) serves every mode; a fast server serves fast alone and answers any other 400 MOD_ERR_MODE_UNAVAILABLE. '
  + 'A site adapter needs accurate: a request for another mode with a `siteId` is scored without it (`adapter: null`). '
  + 'The response\'s `model` names the mode and model that scored the request.';

/** Body of `POST /v1/score`. */
export const ScoreRequestSchema = z.object({
  comments: CommentListSchema,
  article: ArticleSchema.optional(),
  /** Scores with this site's active adapter (default: the site `default`'s, when it has one). */
  siteId: SiteIdSchema.optional(),
  /** The scorer's path for this request (default: the server's mode); every listed mode is accepted here, the server then says whether it serves it. */
  mode: z.enum(SCORER_MODES).optional().describe(MODE_DESCRIPTION),
});

export type ScoreRequestBody = z.infer<typeof ScoreRequestSchema>;
