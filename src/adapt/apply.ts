/**
 * Scoring with a site's adapter: each attribute whose head passed its own gate gets
 * `sigmoid(w . featureRow + b)`; a category without one keeps the base, capped by the adapted
 * toxicity; toxicity and off-topic without one keep the base.
 */
import { CATEGORIES, type Category } from '../types';
import { ModeratoError } from '../errors';
import { sigmoid } from '../util/math';
import { ADAPT_ATTRIBUTES, baseLogit, featureRow, sameBase } from './features';
import type { AdaptAttribute, AttributeHead, BaseModels, SiteAdapter, StoredFeatures } from './types';

/** Adapted scores of one comment. */
export interface AdaptedScores {
  toxicity: number;
  categories: Record<Category, number>;
  /** Present when the comment's base had an off-topic score. */
  off_topic?: number;
}

/** The probability a head gives one comment's features. */
export function applyHead(head: AttributeHead, f: StoredFeatures, attribute: AdaptAttribute): number {
  const x = featureRow(f, attribute, head.article === true);
  if (head.w.length !== x.length) throw new ModeratoError('MOD_ERR_MODEL', `the adapter's ${attribute} head has ${head.w.length} weights, its input row ${x.length} values`);
  let z = head.b;
  for (let j = 0; j < x.length; j++) z += head.w[j] * x[j];
  return sigmoid(z);
}

/** Toxicity at which a category without a head is capped at 0.5: the shipped model's `categoryMinToxicity` (2.4.0 and later). */
export const CATEGORY_MIN_TOXICITY = 0.25;

/**
 * The head of `attribute` that scoring applies over base `models`: one that passed its own gate
 * (`strength` > 0 in the report), fitted over the same base (`sameBase`; after a model upgrade a
 * head of the old base keeps the new base's scores until a refit on decisions the new base scored).
 * Each attribute is gated on its own, so a site whose moderators reject only
 * off-topic comments gets its off_topic head with toxicity left to the base, and the other way
 * round. An adapter fitted before per-attribute gates has no strengths: there every stored head
 * was applied when `activated` (its toxicity gate) held.
 */
export function activeHead(adapter: SiteAdapter, attribute: AdaptAttribute, models?: BaseModels): AttributeHead | undefined {
  const h = adapter.heads[attribute];
  if (!h || !sameBase(adapter.report.base, models, attribute)) return undefined;
  const s = adapter.report.auc[attribute]?.strength;
  return (s === undefined ? adapter.report.activated : s > 0) ? h : undefined;
}

/** Whether scoring over base `models` applies some head of the adapter (results then name it). */
export function adapterApplies(adapter: SiteAdapter, models?: BaseModels): boolean {
  return ADAPT_ATTRIBUTES.some((a) => activeHead(adapter, a, models) !== undefined);
}

/**
 * Scores one comment's features with an adapter. An attribute whose head did not pass its gate
 * (it did not beat the base in cross-validation), or whose head was fitted over another base than
 * `f.models`, keeps the base's score: the gate holds wherever the adapter is applied, so no site
 * is scored worse than by the base.
 *
 * A category is a kind of toxicity, so a category without its own head is capped by the adapted
 * toxicity as the base model caps it by its own: at most sigmoid(logit(toxicity) - logit(f)),
 * which reaches 0.5 where toxicity reaches f (`categoryMinToxicity`). A site whose moderators
 * approve, say, profanity gets low toxicity on those comments, and so stops holding them as
 * profanity; the cap only lowers, and only where the adapted toxicity is low, so the ranking
 * among the comments the site does reject stays the base's.
 * @example applyAdapter(adapter, { base: { toxicity: 0.2, ...cats }, vector }).toxicity  // 0.71
 */
export function applyAdapter(adapter: SiteAdapter, f: StoredFeatures, opts: { categoryMinToxicity?: number } = {}): AdaptedScores {
  const head = (a: AdaptAttribute): AttributeHead | undefined => activeHead(adapter, a, f.models);
  const tox = head('toxicity');
  const toxicity = tox ? applyHead(tox, f, 'toxicity') : f.base.toxicity ?? 0;
  const cap = tox ? sigmoid(baseLogit(toxicity) - baseLogit(opts.categoryMinToxicity ?? CATEGORY_MIN_TOXICITY)) : 1;
  const categories = {} as Record<Category, number>;
  for (const c of CATEGORIES) {
    const h = head(c);
    categories[c] = h ? applyHead(h, f, c) : Math.min(f.base[c] ?? 0, cap);
  }
  const out: AdaptedScores = { toxicity, categories };
  if (f.base.off_topic !== undefined) {
    const h = head('off_topic');
    out.off_topic = h ? applyHead(h, f, 'off_topic') : f.base.off_topic;
  }
  return out;
}
