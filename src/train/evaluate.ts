/**
 * Evaluation helpers shared by `npm run train` (threshold tuning) and `npm run eval` (tables).
 */
import { CATEGORIES } from '../types';
import type { CommentPrediction, ToxicityModel } from '../model/types';
import { assembleSpans, type SpanOptions } from '../spans';
import type { AclComment, LabelledComment, SpanPost } from '../data';
import { meanF1, rangesToCodePoints, rocAuc, macroF1 } from './metrics';

/** Predicts in chunks (keeps memory flat on big dev sets). */
export async function predictAll(model: ToxicityModel, texts: string[], chunk = 256): Promise<CommentPrediction[]> {
  const out: CommentPrediction[] = [];
  for (let i = 0; i < texts.length; i += chunk) out.push(...(await model.predict(texts.slice(i, i + chunk))));
  return out;
}

/** SemEval span F1 of already computed predictions under span options. */
export function spanF1(posts: SpanPost[], preds: CommentPrediction[], opts: SpanOptions = {}): number {
  const p = posts.map((post, i) => rangesToCodePoints(post.text, assembleSpans(post.text, preds[i], opts)));
  return meanF1(p, posts.map((x) => x.goldCp));
}

/** Grid search over the token threshold on `posts`; returns the best threshold and F1. */
export function tuneThreshold(posts: SpanPost[], preds: CommentPrediction[], base: SpanOptions = {}): { threshold: number; f1: number } {
  let best = { threshold: 0.5, f1: -1 };
  for (let t = 0.1; t <= 0.901; t += 0.025) {
    const f1 = spanF1(posts, preds, { ...base, threshold: t, fallbackToxicity: 2 });
    if (f1 > best.f1) best = { threshold: Number(t.toFixed(3)), f1 };
  }
  return best;
}

/** Grid search of the fallback rule and punctuation merging at a fixed threshold. */
export function tuneFallback(posts: SpanPost[], preds: CommentPrediction[], threshold: number): { opts: Required<Pick<SpanOptions, 'fallbackToxicity' | 'fallbackMinToken' | 'mergeAcrossPunct'>>; f1: number } {
  let best = { opts: { fallbackToxicity: 2, fallbackMinToken: 1, mergeAcrossPunct: false }, f1: -1 };
  for (const mergeAcrossPunct of [false, true]) {
    for (const fallbackToxicity of [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 2]) {
      for (const fallbackMinToken of [0.05, 0.1, 0.2, 0.3, 0.4]) {
        const opts = { fallbackToxicity, fallbackMinToken, mergeAcrossPunct };
        const f1 = spanF1(posts, preds, { threshold, ...opts });
        if (f1 > best.f1 + 1e-9) best = { opts, f1 };
      }
    }
  }
  return best;
}

/** Majority-vote gold of an ACL comment: characters marked by more than half the annotators, typed by majority. */
export function aclGold(c: AclComment): Array<{ start: number; end: number; type: (typeof CATEGORIES)[number] | null }> {
  const n = c.text.length;
  const votes = new Uint16Array(n);
  const typeVotes = new Uint16Array(n * CATEGORIES.length);
  for (const ann of c.annotations) {
    const mark = new Uint8Array(n);
    for (const r of ann) {
      for (let i = r.start; i < r.end && i < n; i++) {
        mark[i] = 1;
        if (r.type) typeVotes[i * CATEGORIES.length + CATEGORIES.indexOf(r.type)]++;
      }
    }
    for (let i = 0; i < n; i++) votes[i] += mark[i];
  }
  const half = c.annotations.length / 2;
  const out: Array<{ start: number; end: number; type: (typeof CATEGORIES)[number] | null }> = [];
  for (let i = 0; i < n; i++) {
    if (votes[i] <= half) continue;
    let bi = -1;
    let bv = 0;
    for (let k = 0; k < CATEGORIES.length; k++) if (typeVotes[i * CATEGORIES.length + k] > bv) (bv = typeVotes[i * CATEGORIES.length + k]), (bi = k);
    const type = bi >= 0 ? CATEGORIES[bi] : null;
    const last = out[out.length - 1];
    if (last && last.end === i && last.type === type) last.end = i + 1;
    else out.push({ start: i, end: i + 1, type });
  }
  return out;
}

/** Per-type span F1 on ACL dev: for each type, gold = majority chars of that type, pred = spans of that type. */
export function perTypeF1(posts: AclComment[], preds: CommentPrediction[], opts: SpanOptions = {}): Record<string, { f1: number; posts: number }> {
  const out: Record<string, { f1: number; posts: number }> = {};
  const golds = posts.map(aclGold);
  const spans = posts.map((p, i) => assembleSpans(p.text, preds[i], opts));
  for (const cat of CATEGORIES) {
    // Only posts whose gold or prediction has this type take part (otherwise every clean post would score 1).
    const g: number[][] = [];
    const p: number[][] = [];
    posts.forEach((post, i) => {
      const gr = golds[i].filter((s) => s.type === cat);
      const pr = spans[i].filter((s) => s.type === cat);
      if (!gr.length) return;
      g.push(rangesToCodePoints(post.text, gr));
      p.push(rangesToCodePoints(post.text, pr));
    });
    out[cat] = { f1: g.length ? meanF1(p, g) : NaN, posts: g.length };
  }
  // Untyped: all majority chars vs all predicted spans (the SemEval view on ACL dev).
  const all = meanF1(spans.map((s, i) => rangesToCodePoints(posts[i].text, s)), golds.map((g, i) => rangesToCodePoints(posts[i].text, g)));
  out.any = { f1: all, posts: posts.length };
  return out;
}

/** ROC-AUC of comment toxicity against binary gold. */
export function commentAuc(rows: LabelledComment[], preds: CommentPrediction[]): number {
  return rocAuc(preds.map((p) => p.toxicity), rows.map((r) => r.toxicBinary));
}

/** Macro-F1 at a toxicity threshold. */
export function commentMacroF1(rows: LabelledComment[], preds: CommentPrediction[], threshold: number): number {
  return macroF1(preds.map((p) => (p.toxicity >= threshold ? 1 : 0)), rows.map((r) => r.toxicBinary));
}
