import { CATEGORIES } from '../types';
import { logit, sigmoid } from '../util/math';
import type { CommentPrediction } from './types';

/**
 * A category is a kind of toxicity, so it is capped by the comment's toxicity: each category
 * becomes min(category, sigmoid(logit(toxicity) - logit(f))), which reaches 0.5 only where
 * toxicity reaches f. With f tuned on the calibration slice (model 2.4.0: the F1 of "flagged"
 * against toxic labels), a comment the model reads as clean (a lone "thx" at toxicity 0.3) is no
 * longer flagged by a category score the network gives every contentless comment.
 */
export function gateCategories(p: Pick<CommentPrediction, 'toxicity' | 'categories'>, f: number): void {
  const cap = sigmoid(logit(p.toxicity) - logit(f));
  for (const c of CATEGORIES) if (p.categories[c] > cap) p.categories[c] = cap;
}
