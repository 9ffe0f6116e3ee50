/**
 * Perspective API compatibility: answers `comments:analyze` and `comments:suggestscore` in
 * Perspective's request/response shapes with Moderato's scorer and queue store, so clients
 * written for Perspective switch by changing their base URL. See docs/perspective.md.
 */
export { ATTRIBUTES, isAttribute, summaryScore, attributeSpans } from './attributes';
export type { Attribute } from './attributes';
export { analyzeComment, contextTexts, resolveAttributes } from './analyze';
export type { AnalyzeCommentResponse, PerspectiveAttributeScores, PerspectiveScore } from './analyze';
export { toFeedbackInput } from './feedback';
export { detectLanguage, isSupportedLanguage, resolveLanguages, SUPPORTED_LANGUAGES } from './language';
export { offsetMap, OFFSET_UNITS } from './offsets';
export type { OffsetMap, OffsetUnit } from './offsets';
export { AnalyzeCommentRequestSchema, SuggestCommentScoreRequestSchema } from './schema';
export type { AnalyzeCommentRequest, SuggestCommentScoreRequest } from './schema';
export { words, wordSpanScores } from './spans';
export { toGoogleError } from './google-error';
export type { GoogleErrorBody } from './google-error';
export { discoveryDocument } from './discovery';
