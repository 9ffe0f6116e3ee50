/**
 * Off-topic scoring: how far each comment has left its article (and, for replies, whether it
 * follows its parent instead — drift). Public face of `src/topic`.
 */
export { loadOffTopicModel, OffTopicModel, MODEL_FORMAT, accurateTopicDir, defaultTopicDir } from './model';
export { articleText } from './sentence';
export type { TopicVectors } from './sentence';
export type { OffTopicResult, OffTopicModelFile } from './model';
export { topicTerms } from './terms';
export type { TopicTerm } from './terms';
export { FEATURE_NAMES } from './features';
