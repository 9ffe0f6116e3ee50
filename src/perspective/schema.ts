import { z } from 'zod';
import { LIMITS } from '../limits';
import { OFFSET_UNITS } from './offsets';

/**
 * Request bodies of Perspective's `comments:analyze` and `comments:suggestscore`, as documented
 * in its API reference (methods.md) and its discovery document (AnalyzeCommentRequest,
 * SuggestCommentScoreRequest). Unknown fields are ignored, so clients that send newer fields
 * keep working. Attribute names are checked after parsing, to answer with Perspective's message.
 */

/** A text with its type (Perspective's TextEntry). Only plain text is scored, as in Perspective. */
const TextEntrySchema = (max: number) =>
  z.object({
    text: z.string().max(max),
    type: z.enum(['PLAIN_TEXT', 'TEXT_TYPE_UNSPECIFIED']).optional(),
  });

const ContextSchema = z.object({
  entries: z.array(TextEntrySchema(LIMITS.maxArticleLength)).max(20).optional(),
  articleAndParentComment: z
    .object({
      article: TextEntrySchema(LIMITS.maxArticleLength).optional(),
      parentComment: TextEntrySchema(LIMITS.maxPerspectiveTextLength).optional(),
    })
    .optional(),
});

/** Per-attribute options. Only probability scores exist in Moderato (as in Perspective today). */
const AttributeParametersSchema = z
  .object({
    scoreType: z.enum(['PROBABILITY', 'SCORE_TYPE_UNSPECIFIED']).optional(),
    scoreThreshold: z.number().min(0).max(1).optional(),
  })
  .nullish();

/** Body of `POST /v1alpha1/comments:analyze`. */
export const AnalyzeCommentRequestSchema = z.object({
  comment: TextEntrySchema(LIMITS.maxPerspectiveTextLength).extend({ text: z.string().min(1).max(LIMITS.maxPerspectiveTextLength) }),
  context: ContextSchema.optional(),
  requestedAttributes: z.record(z.string(), AttributeParametersSchema).refine((m) => Object.keys(m).length > 0, {
    message: 'requestedAttributes must name at least one attribute',
  }),
  spanAnnotations: z.boolean().optional(),
  languages: z.array(z.string().min(1).max(35)).max(10).optional(),
  doNotStore: z.boolean().optional(),
  clientToken: z.string().max(1000).optional(),
  sessionId: z.string().max(1000).optional(),
  communityId: z.string().max(1000).optional(),
  /** Perspective: drop attributes that cannot be scored instead of failing the request. */
  dropUnsupportedAttributes: z.boolean().optional(),
  /** Moderato extension: offset unit of `spanScores` (default UTF16_CODE_UNIT, see offsets.ts). */
  spanOffsetUnit: z.enum(OFFSET_UNITS).optional(),
});
export type AnalyzeCommentRequest = z.infer<typeof AnalyzeCommentRequestSchema>;

const ScoreSchema = z.object({
  value: z.number().min(0).max(1),
  // A suggestion without a type is a probability (SuggestCommentScoreRequest's documentation).
  type: z.enum(['PROBABILITY', 'SCORE_TYPE_UNSPECIFIED']).optional(),
});

const SpanScoreSchema = z.object({
  begin: z.number().int().min(0),
  end: z.number().int().min(0),
  score: ScoreSchema,
});

const SuggestedAttributeSchema = z
  .object({
    summaryScore: ScoreSchema.optional(),
    spanScores: z.array(SpanScoreSchema).max(1000).optional(),
  })
  .refine((a) => a.summaryScore !== undefined || (a.spanScores?.length ?? 0) > 0, {
    message: 'each suggested attribute needs a summaryScore or spanScores',
  });

/** Body of `POST /v1alpha1/comments:suggestscore`. */
export const SuggestCommentScoreRequestSchema = z.object({
  comment: TextEntrySchema(LIMITS.maxPerspectiveTextLength).extend({ text: z.string().min(1).max(LIMITS.maxPerspectiveTextLength) }),
  context: ContextSchema.optional(),
  attributeScores: z.record(z.string(), SuggestedAttributeSchema).refine((m) => Object.keys(m).length > 0, {
    message: 'attributeScores must not be empty',
  }),
  languages: z.array(z.string().min(1).max(35)).max(10).optional(),
  communityId: z.string().max(1000).optional(),
  clientToken: z.string().max(1000).optional(),
  sessionId: z.string().max(1000).optional(),
  /** Moderato extension: store nothing (Perspective always stores suggestions). */
  doNotStore: z.boolean().optional(),
  /** Moderato extension: offset unit of the suggested `spanScores` (default UTF16_CODE_UNIT). */
  spanOffsetUnit: z.enum(OFFSET_UNITS).optional(),
});
export type SuggestCommentScoreRequest = z.infer<typeof SuggestCommentScoreRequestSchema>;
