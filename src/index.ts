/**
 * Moderato's library API. The HTTP server (src/server) and the CLI (src/cli) are thin layers over
 * these exports.
 *
 * @example
 * import { createScorer } from 'moderato';
 * const scorer = await createScorer();
 * const [r] = await scorer.score({ comments: [{ id: 'c1', text: 'you are an idiot' }] });
 * r.spans // [{ start: 11, end: 16, text: 'idiot', type: 'insult', score: 0.9 }]
 */
export * from './types';
export { ERROR_CODES, ModeratoError, isModeratoError } from './errors';
export type { ErrorCode } from './errors';
export { tokenize, normalize, normalizeWord } from './text';
export type { Token, TokenKind, NormalizedText } from './text';
export { loadModel, withThresholds } from './model';
export type { ToxicityModel, CommentPrediction, CascadeBand } from './model';
export { assembleSpans } from './spans';
export { loadOffTopicModel } from './topic';
export { createScorer, DEFAULT_THRESHOLDS, SCORER_MODES } from './scorer';
export type { Scorer, ScorerMode, ScorerOptions, Thresholds } from './scorer';
export { createScorerPool, ScorerPoolFullError } from './scorer';
export type { ScorerPool, ScorerPoolOptions } from './scorer';
export { createApp } from './server/app';
export type { AppDeps } from './server/app';
export { startServer } from './server/serve';
