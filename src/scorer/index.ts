/**
 * The scorer: the one entry point that turns comments (and their article/thread) into
 * ScoreResults. It composes the pipeline stages: text -> model -> spans -> topic -> policy.
 * The HTTP server, the CLI and the queue all call this; nothing here knows about them.
 */
export type { Scorer, ScorerMode, ScorerOptions, ScorerRequest, ScorerResult, Thresholds } from './scorer';
export { createScorer, DEFAULT_THRESHOLDS } from './scorer';
export { SCORER_MODES } from './modes';
export type { ScorerPool, ScorerPoolOptions } from './pool';
export { createScorerPool, ScorerPoolFullError } from './pool';
