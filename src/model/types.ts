import type { Category, ModelInfo } from '../types';
import type { Token } from '../text/types';

/** The model's raw view of one comment: per-token scores, before span assembly. */
export interface CommentPrediction {
  /** `tokenize(text)` of the comment, the tokens the per-token arrays index. */
  tokens: Token[];
  /** Per token: probability that the token is part of a toxic span. */
  tokenToxic: Float32Array;
  /** Per token: the most likely span type (index into CATEGORIES) and its probability. */
  tokenType: Uint8Array;
  /** Comment-level toxicity 0..1. */
  toxicity: number;
  /** Comment-level category scores 0..1. */
  categories: Record<Category, number>;
  /**
   * Probability that the comment, if toxic, has an explicit toxic span (Model v2's span-presence
   * output; absent for older models). Span assembly reports nothing below `presenceMin`.
   */
  spanPresence?: number;
  /**
   * The comment toxicity span assembly gates on, when it differs from `toxicity`: the
   * convolutional model's own, kept by the encoder heads (spans stay the tagger's, whose gates
   * were tuned on its toxicity).
   */
  spanToxicity?: number;
  /**
   * The comment's sentence vector (ENCODER_DIM floats, L2-normalised) when the model embeds
   * comments (`ToxicityModel.embeds`): computed once per comment, reused for site adaptation.
   */
  vector?: Float32Array;
}

/** The base-toxicity interval, both ends included, whose comments a cascade sends to the encoder. */
export interface CascadeBand {
  low: number;
  high: number;
}

/**
 * A loaded toxicity model (comment scores + token tagger). Implementations: the convolutional
 * model alone (`HashedToxicityModel`, the scorer's `fast` mode), the convolutional model with
 * heads on the sentence encoder (`HeadedToxicityModel`, `accurate` mode), and the heads run only
 * where the base is unsure (`CascadeToxicityModel`, `cascade` mode). `loadModel` picks one
 * from the model file's `format`.
 */
export interface ToxicityModel {
  readonly info: ModelInfo;
  /** True when every prediction carries `vector` (the model runs the sentence encoder). */
  readonly embeds?: boolean;
  /** A cascade's band (`CascadeToxicityModel`): the base toxicities whose comments the heads re-score. */
  readonly band?: CascadeBand;
  /** Sentence vectors alone (present when `embeds`): for context such as an article, which needs no toxicity. */
  embed?(texts: string[]): Promise<Float32Array[]>;
  /** Scores a batch of comment texts; one prediction per text, in order. Disposes its tensors. */
  predict(texts: string[]): Promise<CommentPrediction[]>;
  dispose(): void;
}
