/**
 * Span assembly: per-token toxic probabilities -> typed character spans.
 *
 * SemEval-style gold spans cover whole words and run across the spaces between adjacent toxic
 * words, so selected tokens are merged with the gap between them. Punctuation never starts or
 * ends a span on its own. When the comment as a whole is confidently toxic but no token crossed
 * the threshold, its single most toxic token is still reported (a toxic post almost always has
 * a span, and an empty prediction scores 0 on it).
 */
import { CATEGORIES, type Category, type Span } from '../types';
import type { CommentPrediction } from '../model/types';

/** Tuning knobs of span assembly. Defaults are the values tuned on tsd_trial for the shipped model. */
export interface SpanOptions {
  /** Token probability at or above which a token is toxic. The shipped model is calibrated so 0.5 is its tuned threshold. */
  threshold?: number;
  /** Comment toxicity at or above which the best token is reported even below `threshold` (> 1 disables). */
  fallbackToxicity?: number;
  /** The best token must still reach this probability for the fallback. */
  fallbackMinToken?: number;
  /** Merge two selected tokens across punctuation tokens between them (not only across whitespace). */
  mergeAcrossPunct?: boolean;
  /** Span score: mean or max of its tokens' probabilities. */
  score?: 'mean' | 'max';
  /**
   * Report no span when the model's span-presence output is below this (a toxic comment whose
   * toxicity is in its tone or its claim, with no word to point at). 0 disables; older models
   * have no presence output and are never gated.
   */
  presenceMin?: number;
  /**
   * Report no span when the comment's toxicity is below this: a comment the model finds clean
   * should not show toxic words (a moderator reads spans as the reason for a flag). 0 disables.
   */
  minToxicity?: number;
}

/** Defaults tuned on tsd_trial (see models/README.md). */
export const DEFAULT_SPAN_OPTIONS: Required<SpanOptions> = {
  threshold: 0.5,
  // Tuned on tsd_trial + clean dev comments for the shipped model (2.5.0, seed 2): a comment
  // scoring >= 0.4 with no token over the threshold still gets its best token when that token is
  // >= 0.4; no spans when toxicity < 0.1 (the span-presence gate tuned to 0: off).
  fallbackToxicity: 0.4,
  fallbackMinToken: 0.4,
  mergeAcrossPunct: false,
  score: 'max',
  presenceMin: 0,
  minToxicity: 0.1,
};

const CONTENT = new Set(['word', 'number', 'emoji', 'hashtag', 'mention', 'url']);

/**
 * Turns a model's per-token scores into typed spans over `text` (`[start, end)` UTF-16, so
 * `text.slice(start, end) === span.text`), sorted by start, non-overlapping.
 *
 * @example
 * assembleSpans('you are an idiot', pred) // [{ start: 11, end: 16, text: 'idiot', type: 'insult', score: 0.93 }]
 */
export function assembleSpans(text: string, pred: CommentPrediction, opts: SpanOptions = {}): Span[] {
  const o = { ...DEFAULT_SPAN_OPTIONS, ...opts };
  if (o.presenceMin > 0 && pred.spanPresence !== undefined && pred.spanPresence < o.presenceMin) return [];
  // The gates were tuned on the tagger's own comment toxicity: heads that re-score it keep that one here.
  const toxicity = pred.spanToxicity ?? pred.toxicity;
  if (o.minToxicity > 0 && toxicity < o.minToxicity) return [];
  const toks = pred.tokens;
  const p = pred.tokenToxic;
  const selected = new Uint8Array(toks.length);
  let any = false;
  for (let i = 0; i < toks.length; i++) {
    if (p[i] >= o.threshold && CONTENT.has(toks[i].kind)) {
      selected[i] = 1;
      any = true;
    }
  }
  if (!any && toxicity >= o.fallbackToxicity) {
    let best = -1;
    for (let i = 0; i < toks.length; i++) if (CONTENT.has(toks[i].kind) && (best < 0 || p[i] > p[best])) best = i;
    if (best >= 0 && p[best] >= o.fallbackMinToken) selected[best] = 1;
  }
  const spans: Span[] = [];
  let i = 0;
  while (i < toks.length) {
    if (!selected[i]) {
      i++;
      continue;
    }
    let last = i;
    let j = i + 1;
    // Extend over following selected tokens; punctuation in between only when allowed.
    while (j < toks.length) {
      if (selected[j]) {
        last = j;
        j++;
      } else if (o.mergeAcrossPunct && !CONTENT.has(toks[j].kind)) {
        j++;
      } else break;
    }
    spans.push(makeSpan(text, pred, i, last, o.score));
    i = last + 1;
  }
  return spans;
}

function makeSpan(text: string, pred: CommentPrediction, first: number, last: number, mode: 'mean' | 'max'): Span {
  const votes = new Float64Array(CATEGORIES.length);
  let sum = 0;
  let max = 0;
  let n = 0;
  for (let k = first; k <= last; k++) {
    const tok = pred.tokens[k];
    if (!CONTENT.has(tok.kind)) continue;
    const pk = pred.tokenToxic[k];
    votes[pred.tokenType[k]] += pk;
    sum += pk;
    max = Math.max(max, pk);
    n++;
  }
  let ti = 0;
  for (let c = 1; c < votes.length; c++) if (votes[c] > votes[ti]) ti = c;
  const start = pred.tokens[first].start;
  const end = pred.tokens[last].end;
  return { start, end, text: text.slice(start, end), type: CATEGORIES[ti] as Category, score: mode === 'max' ? max : n ? sum / n : 0 };
}

/** Span options recorded in a model's `info.thresholds` (as tuned by `npm run train`). */
export function spanOptionsFromThresholds(th: Record<string, number> | undefined): SpanOptions {
  if (!th) return {};
  const o: SpanOptions = {};
  if (Number.isFinite(th.span)) o.threshold = th.span;
  if (Number.isFinite(th.fallbackToxicity)) o.fallbackToxicity = th.fallbackToxicity;
  if (Number.isFinite(th.fallbackMinToken)) o.fallbackMinToken = th.fallbackMinToken;
  if (Number.isFinite(th.mergeAcrossPunct)) o.mergeAcrossPunct = th.mergeAcrossPunct === 1;
  if (Number.isFinite(th.presenceMin)) o.presenceMin = th.presenceMin;
  if (Number.isFinite(th.spanMinToxicity)) o.minToxicity = th.spanMinToxicity;
  return o;
}
