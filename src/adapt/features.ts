/**
 * What an adapter reads: the stored features of a decided comment turned into one row per
 * attribute. The row layout is part of the stored adapters' format: change it only with a new
 * format version.
 */
import { CATEGORIES } from '../types';
import { logit } from '../util/math';
import { ENCODER_DIM } from '../encoder/types';
import { ModeratoError } from '../errors';
import type { AdaptAttribute, BaseModels, LabelledExample, StoredFeatures } from './types';

/** Every attribute an adapter can learn, in a fixed order (reports and tables use it). */
export const ADAPT_ATTRIBUTES: readonly AdaptAttribute[] = ['toxicity', ...CATEGORIES, 'off_topic'];

/**
 * The base outputs that open every row, in this order: `toxicity`, then CATEGORIES. A head of
 * `off_topic` also reads the base `off_topic` (appended after them), which only comments with
 * context have; the other heads never read it, so a comment without context has complete rows.
 */
export const BASE_INPUTS: readonly AdaptAttribute[] = ['toxicity', ...CATEGORIES];

/** The base outputs a head of `attribute` reads, in row order. */
export function baseInputs(attribute: AdaptAttribute): readonly AdaptAttribute[] {
  return attribute === 'off_topic' ? [...BASE_INPUTS, 'off_topic'] : BASE_INPUTS;
}

/**
 * Whether a head of `attribute` reads the comment-x-article product (when the decided comments
 * have the article's vector): only off_topic, which is relative to the article.
 */
export function readsArticle(attribute: AdaptAttribute): boolean {
  return attribute === 'off_topic';
}

/**
 * Whether a head of `attribute` fitted over base `fitted` reads outputs of base `models`: the
 * same toxicity model (every head reads its outputs) and, for off_topic, the same off-topic
 * model. A side that is unknown (stored or fitted before bases were recorded) matches any.
 */
export function sameBase(fitted: BaseModels | undefined, models: BaseModels | undefined, attribute: AdaptAttribute): boolean {
  if (!fitted || !models) return true;
  if (fitted.toxicity !== models.toxicity) return false;
  return attribute !== 'off_topic' || fitted.off_topic === undefined || models.off_topic === undefined || fitted.off_topic === models.off_topic;
}

/**
 * The base of the newest decision that recorded one (decisions in the order made), its off-topic
 * model the newest recorded with that toxicity model; undefined when none recorded a base.
 */
export function newestBase(examples: readonly LabelledExample[]): BaseModels | undefined {
  let toxicity: string | undefined;
  for (let i = examples.length - 1; i >= 0; i--) {
    const m = examples[i].features.models;
    if (!m) continue;
    toxicity ??= m.toxicity;
    if (m.toxicity === toxicity && m.off_topic !== undefined) return { toxicity, off_topic: m.off_topic };
  }
  return toxicity === undefined ? undefined : { toxicity };
}

/**
 * Length of the row of `attribute`: its base inputs then ENCODER_DIM values, the comment's vector
 * or with `article` the comment-x-article product (518; 519 for off_topic).
 */
export function rowLength(attribute: AdaptAttribute): number {
  return baseInputs(attribute).length + ENCODER_DIM;
}

/** Scale of the int8 code: a unit sentence vector has no component beyond 1. */
const Q = 127;

/**
 * Quantises a sentence vector (components in [-1, 1], as an L2-normalised vector has) to int8;
 * `dequantize` restores each component to within 0.5/127.
 * @example dequantize(quantize(Float32Array.of(0.5, -1)))  // Float32Array [0.5039, -1] (64/127, -127/127)
 */
export function quantize(vec: Float32Array): Int8Array {
  const out = new Int8Array(vec.length);
  for (let i = 0; i < vec.length; i++) out[i] = Math.max(-Q, Math.min(Q, Math.round(vec[i] * Q)));
  return out;
}

/** The float vector an int8 code stands for (see {@link quantize}). */
export function dequantize(q: Int8Array): Float32Array {
  const out = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) out[i] = q[i] / Q;
  return out;
}

/**
 * Logit of a base output, kept within +-12: beyond it a probability carries no ranking
 * information the model can be trusted with, and bounded inputs keep the solver well scaled.
 */
export function baseLogit(p: number | undefined): number {
  return Math.max(-12, Math.min(12, logit(p ?? 0)));
}

/**
 * Scale of the comment-x-article block (a product of two unit vectors' components is of order
 * 1/ENCODER_DIM). The fit standardises every column, so it only sets the raw heads' units; it is
 * part of the row format.
 */
const ARTICLE_SCALE = 128;

/**
 * The input row of a head of `attribute`: `[logit of each base input (baseInputs order), the
 * dequantised vector]`; with `article` (off_topic heads) the comment's and the article's
 * dequantised vectors multiplied component-wise, times 128, in place of the comment's vector. A
 * linear head on the product is a learned, weighted similarity of the comment to its article,
 * which carries to new articles; the comment's vector says what a comment is about, not whether
 * that is its article's topic, and under cross-validation by thread it lost what the product
 * gained (eval:adapt-topic, models/offtopic/README.md). A comment stored without the article's
 * vector gets zeros there (its head reads the base logits only). A head's prior weights (1 on the
 * attribute's own base logit, 0 elsewhere) reproduce the base output.
 * @example featureRow({ base: { toxicity: 0.5 }, vector }, 'toxicity')[0]  // 0
 */
export function featureRow(f: StoredFeatures, attribute: AdaptAttribute, article = false): Float32Array {
  const inputs = baseInputs(attribute);
  // Features stored by another encoder mean something else: refuse rather than misread them.
  if (f.vector.length !== ENCODER_DIM) throw new ModeratoError('MOD_ERR_MODEL', `stored sentence vector has ${f.vector.length} values, this encoder's have ${ENCODER_DIM}`);
  if (article && f.article && f.article.length !== ENCODER_DIM) throw new ModeratoError('MOD_ERR_MODEL', `stored article vector has ${f.article.length} values, this encoder's have ${ENCODER_DIM}`);
  const n = inputs.length;
  const row = new Float32Array(rowLength(attribute));
  inputs.forEach((a, i) => (row[i] = baseLogit(f.base[a])));
  if (!article) for (let i = 0; i < ENCODER_DIM; i++) row[n + i] = f.vector[i] / Q;
  else if (f.article) for (let i = 0; i < ENCODER_DIM; i++) row[n + i] = ((f.vector[i] * f.article[i]) / (Q * Q)) * ARTICLE_SCALE;
  return row;
}

/** Index, in the row of `attribute`, of its own base logit (where the prior weight 1 sits). */
export function ownIndex(attribute: AdaptAttribute): number {
  return baseInputs(attribute).indexOf(attribute);
}
