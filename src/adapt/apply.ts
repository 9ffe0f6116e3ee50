/**
 * Scoring with a site's adapter: each attribute with a head gets `sigmoid(w . featureRow + b)`;
 * a category without a head follows the adapted toxicity down (never up); off-topic without a
 * head keeps the base.
 */
import { CATEGORIES, type Category } from '../types';
import { sigmoid } from '../util/math';
import { baseLogit, featureRow } from './features';
import type { AdaptAttribute, AttributeHead, SiteAdapter, StoredFeatures } from './types';

/** Adapted scores of one comment. */
export interface AdaptedScores {
  toxicity: number;
  categories: Record<Category, number>;
  /** Present when the comment's base had an off-topic score. */
  off_topic?: number;
}

/** The probability a head gives one comment's features. */
export function applyHead(head: AttributeHead, f: StoredFeatures, attribute: AdaptAttribute): number {
  const x = featureRow(f, attribute);
  if (head.w.length !== x.length) throw new RangeError(`head of ${attribute} has ${head.w.length} weights, its row ${x.length} values`);
  let z = head.b;
  for (let j = 0; j < x.length; j++) z += head.w[j] * x[j];
  return sigmoid(z);
}

/**
 * Scores one comment's features with an adapter. An adapter whose report is not `activated`
 * (it did not beat the base in cross-validation) changes nothing: the gate holds wherever the
 * adapter is applied, so no site is scored worse than by the base.
 *
 * A category is a kind of toxicity (the base model caps its categories by toxicity too): where
 * the adapter finds a comment less toxic than the base did, by d in logit, a category without
 * its own head drops by d in logit as well, so a site whose moderators approve, say, profanity
 * stops having it held as profanity. It never rises with toxicity: a site rejecting more says
 * nothing about which kind.
 * @example applyAdapter(adapter, { base: { toxicity: 0.2, ...cats }, vector }).toxicity  // 0.71
 */
export function applyAdapter(adapter: SiteAdapter, f: StoredFeatures): AdaptedScores {
  const on = adapter.report.activated;
  const head = (a: AdaptAttribute): AttributeHead | undefined => (on ? adapter.heads[a] : undefined);
  const tox = head('toxicity');
  const toxicity = tox ? applyHead(tox, f, 'toxicity') : f.base.toxicity ?? 0;
  const drop = tox ? Math.min(0, baseLogit(toxicity) - baseLogit(f.base.toxicity)) : 0;
  const categories = {} as Record<Category, number>;
  for (const c of CATEGORIES) {
    const h = head(c);
    categories[c] = h ? applyHead(h, f, c) : drop < 0 ? sigmoid(baseLogit(f.base[c]) + drop) : f.base[c] ?? 0;
  }
  const out: AdaptedScores = { toxicity, categories };
  if (f.base.off_topic !== undefined) {
    const h = head('off_topic');
    out.off_topic = h ? applyHead(h, f, 'off_topic') : f.base.off_topic;
  }
  return out;
}
