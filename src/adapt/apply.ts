/**
 * Scoring with a site's adapter: each attribute with a head gets `sigmoid(w . featureRow + b)`,
 * every other attribute keeps the base output.
 */
import { CATEGORIES, type Category } from '../types';
import { sigmoid } from '../util/math';
import { featureRow } from './features';
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
 * @example applyAdapter(adapter, { base: { toxicity: 0.2, ...cats }, vector }).toxicity  // 0.71
 */
export function applyAdapter(adapter: SiteAdapter, f: StoredFeatures): AdaptedScores {
  const on = adapter.report.activated;
  const score = (a: AdaptAttribute): number => {
    const head = on ? adapter.heads[a] : undefined;
    return head ? applyHead(head, f, a) : f.base[a] ?? 0;
  };
  const categories = {} as Record<Category, number>;
  for (const c of CATEGORIES) categories[c] = score(c);
  const out: AdaptedScores = { toxicity: score('toxicity'), categories };
  if (f.base.off_topic !== undefined) out.off_topic = score('off_topic');
  return out;
}
