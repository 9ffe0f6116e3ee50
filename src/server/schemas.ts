import { z } from 'zod';
import { hasLoneSurrogate } from '../util/unicode';
import { LIMITS } from '../limits';

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

/**
 * A site's id: whose moderators' decisions (and so whose adapter) a comment belongs to. No control
 * characters (PostgreSQL refuses NUL in text) and well-formed Unicode, since it also arrives as a
 * path segment, which the body checks do not see.
 */
export const SiteIdSchema = z.string().min(1).max(200)
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'A site id holds no control characters')
  .refine((s) => !hasLoneSurrogate(s), 'A site id is well-formed Unicode (no lone surrogate)');

/** Body of `POST /v1/score`. */
export const ScoreRequestSchema = z.object({
  comments: CommentListSchema,
  article: ArticleSchema.optional(),
  /** Scores with this site's active adapter (default: the site `default`'s, when it has one). */
  siteId: SiteIdSchema.optional(),
});

export type ScoreRequestBody = z.infer<typeof ScoreRequestSchema>;
