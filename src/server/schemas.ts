import { z } from 'zod';
import { LIMITS } from './config';

/** A comment as clients send it. Unknown fields are ignored. */
export const CommentSchema = z.object({
  id: z.string().min(1).max(200),
  text: z.string().max(LIMITS.maxTextLength),
  parentId: z.string().min(1).max(200).nullish(),
  threadId: z.string().min(1).max(200).optional(),
  author: z.string().max(200).optional(),
});

/** The article a thread belongs to. */
export const ArticleSchema = z.object({
  id: z.string().max(200).optional(),
  title: z.string().max(1000).optional(),
  body: z.string().max(LIMITS.maxArticleLength).optional(),
  author: z.string().max(200).optional(),
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

/** Body of `POST /v1/score`. */
export const ScoreRequestSchema = z.object({
  comments: CommentListSchema,
  article: ArticleSchema.optional(),
});

export type ScoreRequestBody = z.infer<typeof ScoreRequestSchema>;
