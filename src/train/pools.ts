/**
 * Model v2's extra comment pools: hate-speech sets with identity-attack, threat and profanity
 * labels (Gab Hate Corpus, Latent Hatred, EDOS, Stormfront, HatEval), HateXplain with its
 * majority rationales as span targets, and ParaDetox toxic sentences (pseudo spans: the words
 * no paraphrase kept) with their non-toxic paraphrases as matched clean negatives, and written
 * threat templates (`threats.ts`). Only each
 * set's training part is used; dev and test parts are what `npm run eval` reports on.
 */
import { CATEGORIES, type Category } from '../types';
import {
  loadEdos, loadGhc, loadHatexplain, loadHateval, loadImplicitHate, loadParadetox, loadStormfront, loadUcc, majorityRanges, pseudoSpans,
  type LabelledComment,
} from '../data';
import { labelledExample, PRESENCE, tokenLabels, type Example } from './examples';
import { threatTemplates } from './threats';
import { contrastTemplates } from './contrast';

const NC = CATEGORIES.length;

/** Weights of the extra pools' span supervision. */
export interface PoolOptions {
  datasets?: string;
  /** Span loss weight of HateXplain majority rationales and ParaDetox pseudo spans. */
  weakSpanW?: number;
  /** Span loss weight of clean comments (as for the other pools). */
  cleanSpanW?: number;
  /**
   * Toxicity loss weight of a hate-only set's negatives (Latent Hatred `not_hate`, EDOS not
   * sexist, Stormfront `noHate`, HatEval non-hateful). Those sets label hate, not toxicity: a
   * non-hateful post may still insult or swear, so "not hate" is weak evidence of "not toxic",
   * and such a post is no span negative. 1 treats it as clean (model 2.0.0); default 0.25
   * (model 2.1.0).
   */
  hateNegW?: number;
  /**
   * Sentences of each kind in the contrast pool (`contrast.ts`; default 100, model 2.1.0); 0
   * leaves the pool out. At 300 it cost the held-out sets more than it gave (models/README.md).
   */
  contrastPerKind?: number;
  /**
   * Copies of each UCC validation comment of the trainable half (`split: 'train'`, see
   * `uccHeldOut`) in the `ucc` pool (default `UCC_REPEAT`, model 2.2.0); 0 leaves the pool out.
   * Target: the larger of the hostile and antagonize crowd shares.
   */
  uccRepeat?: number;
}

/** Default copies of each trainable-half UCC comment in the `ucc` pool (model 2.2.0). */
export const UCC_REPEAT = 2;

/** One-hot type targets on the span tokens. */
function typedTargets(spanY: Float32Array, type: Category): { typeY: Float32Array; typeW: Float32Array } {
  const typeY = new Float32Array(spanY.length * NC);
  const typeW = new Float32Array(spanY.length);
  const k = CATEGORIES.indexOf(type);
  for (let t = 0; t < spanY.length; t++) if (spanY[t] > 0) {
    typeY[t * NC + k] = 1;
    typeW[t] = 1;
  }
  return { typeY, typeW };
}

/** A comment with span targets (weak: rationales or pseudo spans), typed, with span presence 1. */
function spanExample(c: LabelledComment, ranges: Array<[number, number]>, spanW: number, type: Category, source: string): Example {
  const base = labelledExample(c, 0);
  const tokens = base.tokens;
  const spanY = tokenLabels(tokens, ranges);
  const { typeY, typeW } = typedTargets(spanY, type);
  base.comY[PRESENCE] = ranges.length ? 1 : 0;
  base.comM[PRESENCE] = 1;
  return { ...base, source, spanY, spanW, typeY, typeW };
}

/**
 * A written template sentence (`threats.ts`, `contrast.ts`): toxic of `type` with that span
 * typed `type` (span weight 0.5), or, with `type` null, clean on every category and a span
 * negative of the same weight.
 */
function templateExample(id: string, text: string, type: Category | null, span: [number, number] | undefined, source: string): Example {
  const categories = CATEGORIES.map((k) => (type === null ? 0 : k === type ? 1 : NaN));
  const c: LabelledComment = { id, text, domain: 'templates', toxicity: type ? 1 : 0, toxicBinary: type ? 1 : 0, categories };
  return type && span ? spanExample(c, [span], 0.5, type, source) : { ...labelledExample(c, 0.5), source };
}

/**
 * UCC validation's trainable half (Globe and Mail comments, the stream a news site moderates),
 * each comment `repeat` times; the held-out half (`uccHeldOut`) never enters.
 */
export function uccPool(repeat: number, cleanSpanW: number, datasets?: string): Example[] {
  return loadUcc(datasets).filter((r) => r.split === 'train').flatMap((r) => {
    const e = labelledExample(r, cleanSpanW);
    return Array.from({ length: repeat }, () => e);
  });
}

/** The extra pools, keyed by set (training parts only). */
export function extraPools(o: PoolOptions = {}): Record<string, Example[]> {
  const weak = o.weakSpanW ?? 0.15;
  const cleanW = o.cleanSpanW ?? 0.1;
  const train = <T extends LabelledComment>(rows: T[]): T[] => rows.filter((r) => r.split === undefined || r.split === 'train');
  const hateNegW = o.hateNegW ?? 0.25;
  const plain = (rows: LabelledComment[]): Example[] => rows.filter((r) => Number.isFinite(r.toxicity)).map((r) => labelledExample(r, cleanW));
  // Hate-only sets: a negative is "not hate", so its toxicity target weighs hateNegW and it
  // teaches nothing about spans or span presence.
  const hateOnly = (rows: LabelledComment[]): Example[] => plain(rows).map((e) => {
    if (hateNegW === 1 || e.comY[0] !== 0) return e;
    e.comM[0] = hateNegW;
    e.comM[PRESENCE] = 0;
    return { ...e, spanY: null, spanW: 0 };
  });
  const pools: Record<string, Example[]> = {
    ghc: plain(loadGhc('train', o.datasets)),
    implicit_hate: hateOnly(train(loadImplicitHate(o.datasets))),
    edos: hateOnly(train(loadEdos(o.datasets))),
    stormfront: hateOnly(train(loadStormfront(o.datasets))),
    hateval: hateOnly(loadHateval('train', o.datasets)),
  };
  // HateXplain train: majority rationales are span targets, typed by the majority label.
  pools.hatexplain = train(loadHatexplain('train', o.datasets)).filter((p) => Number.isFinite(p.toxicity)).map((p) => {
    if (p.rationaleSource === 'majority' && p.hasMajorityRationale && (p.label === 'hatespeech' || p.label === 'offensive')) {
      return spanExample(p, majorityRanges(p), weak, p.label === 'hatespeech' && p.targets.length ? 'identity_attack' : 'insult', 'hatexplain');
    }
    return labelledExample(p, cleanW);
  });
  // ParaDetox: the toxic sentence with pseudo spans, each paraphrase a clean negative.
  const pd: Example[] = [];
  for (const pair of loadParadetox(o.datasets).pairs) {
    if (pair.split !== 'train') continue;
    const ranges = pseudoSpans(pair.toxic, pair.neutral);
    const toxic: LabelledComment = { id: pair.id, text: pair.toxic, domain: 'paradetox', toxicity: 1, toxicBinary: 1, categories: [NaN, NaN, NaN, NaN, NaN] };
    pd.push(spanExample(toxic, ranges, weak, 'insult', 'paradetox'));
    // Type targets of pseudo spans are guesses (insult or profanity): keep only the span.
    const last = pd[pd.length - 1];
    last.typeY = null;
    last.typeW = null;
    for (const [k, text] of pair.neutral.entries()) {
      if (!text.trim()) continue;
      pd.push(labelledExample({ id: `${pair.id}:n${k}`, text, domain: 'paradetox', toxicity: 0, toxicBinary: 0, categories: [0, 0, 0, 0, 0] }, cleanW));
    }
  }
  pools.paradetox = pd;
  const uccRepeat = o.uccRepeat ?? UCC_REPEAT;
  if (uccRepeat > 0) pools.ucc = uccPool(uccRepeat, cleanW, o.datasets);
  // Written threat templates and their matched clean sentences (src/train/threats.ts).
  pools.threats = threatTemplates(600).map((t, i) => templateExample(`threat-template:${i}`, t.text, t.threat ? 'threat' : null, t.span, 'threats'));
  // Written contrast templates (src/train/contrast.ts): dehumanising hate beside the same words
  // negated, quoted to condemn them, and violence in news terms.
  const perKind = o.contrastPerKind ?? 100;
  if (perKind > 0) {
    pools.contrast = contrastTemplates(perKind).map((t, i) => templateExample(`contrast-template:${i}`, t.text, t.toxic ? 'identity_attack' : null, t.span, 'contrast'));
  }
  return pools;
}
