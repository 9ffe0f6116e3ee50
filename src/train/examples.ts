/**
 * Turns the datasets into training examples: tokens, hashed features, per-token toxic targets,
 * per-token type targets and comment targets, each with weights/masks (a dataset only supervises
 * what it annotates).
 */
import { CATEGORIES } from '../types';
import { tokenize } from '../text';
import { mulberry32 } from '../util/prng';
import { perturbPost } from './perturb';
import type { Token } from '../text/types';
import { excludedKeys } from './exclude';
import { featurize, type FeatureConfig, type TokenFeatures, type WordIndex } from '../model/features';
import {
  inDev, isDevByText, isDevText, loadAcl, loadC3, loadDavidson, loadEthos, loadOlid, loadTsd, loadUcc, textKey,
  type AclComment, type LabelledComment, type SpanPost,
} from '../data';

const NC = CATEGORIES.length;
/** Comment targets per example: toxicity, the categories, span presence (index PRESENCE). */
export const COMMENT_TARGETS = 2 + NC;
/** Index of the span-presence target: 1 when the comment has an explicit toxic span, 0 when it has none. */
export const PRESENCE = 1 + NC;

/** One training/eval example. */
export interface Example {
  text: string;
  source: string;
  tokens: Token[];
  feats: TokenFeatures;
  /** Per token toxic target 0..1 (null: no span supervision). */
  spanY: Float32Array | null;
  /** Weight of every token's span loss for this example. */
  spanW: number;
  /** Per token type distribution (n x 5) and per-token weight. */
  typeY: Float32Array | null;
  typeW: Float32Array | null;
  /** Comment targets [toxicity, ...categories, span presence] and their mask. */
  comY: Float32Array;
  comM: Float32Array;
}

/** Per token: does the token overlap a range? */
export function tokenLabels(tokens: Token[], ranges: Array<[number, number]>): Float32Array {
  const y = new Float32Array(tokens.length);
  tokens.forEach((t, i) => {
    for (const [s, e] of ranges) if (t.start < e && s < t.end) y[i] = 1;
  });
  return y;
}

/** ACL 2022 per-token targets: share of annotators marking the token, type votes. */
export function aclTokenTargets(tokens: Token[], c: AclComment): { frac: Float32Array; typeY: Float32Array; typeW: Float32Array; comY: Float32Array } {
  const n = tokens.length;
  const frac = new Float32Array(n);
  const typeY = new Float32Array(n * NC);
  const typeW = new Float32Array(n);
  const A = Math.max(1, c.annotations.length);
  const catShare = new Float32Array(NC);
  let anySpan = 0;
  for (const ann of c.annotations) {
    if (ann.length) anySpan++;
    const marked = new Uint8Array(n);
    const seenCat = new Uint8Array(NC);
    for (const r of ann) {
      const ci = r.type ? CATEGORIES.indexOf(r.type) : -1;
      if (ci >= 0) seenCat[ci] = 1;
      tokens.forEach((t, i) => {
        if (t.start < r.end && r.start < t.end) {
          marked[i] = 1;
          if (ci >= 0) typeY[i * NC + ci] += 1;
        }
      });
    }
    for (let i = 0; i < n; i++) frac[i] += marked[i] / A;
    for (let k = 0; k < NC; k++) catShare[k] += seenCat[k] / A;
  }
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < NC; k++) s += typeY[i * NC + k];
    if (s > 0) {
      for (let k = 0; k < NC; k++) typeY[i * NC + k] /= s;
      typeW[i] = 1;
    }
  }
  // Comment toxicity = share of annotators who marked any span (the ACL flags are unreliable:
  // 'all toxic' and 'not toxic' are both True on 20k span-free annotations).
  // Span presence: some token marked by more than half of the annotators (a majority span).
  const presence = frac.some((f) => f > 0.5) ? 1 : 0;
  const comY = Float32Array.from([anySpan / A, ...catShare, presence]);
  return { frac, typeY, typeW, comY };
}

/** All the data one training run uses, plus the dev sets the evaluation reports on. */
export interface Corpus {
  train: Example[];
  /** Comment-level training pools, sampled per epoch. */
  commentPools: Record<string, Example[]>;
  trial: SpanPost[];
  aclDev: AclComment[];
  commentDev: Record<string, LabelledComment[]>;
  olidTest: LabelledComment[];
  /** Clean dev comments (C3 level 1, OLID NOT), split in two halves: one tunes span rules, one is reported. */
  cleanTune: LabelledComment[];
  cleanEval: LabelledComment[];
}

/** A comment-level example; a comment every source judged clean is also a span negative (`cleanSpanW`). */
export function labelledExample(c: LabelledComment, cleanSpanW: number): Example {
  const tokens = tokenize(c.text);
  const comY = new Float32Array(COMMENT_TARGETS);
  const comM = new Float32Array(COMMENT_TARGETS);
  comY[0] = c.toxicity;
  comM[0] = Number.isFinite(c.toxicity) ? 1 : 0;
  c.categories.forEach((v, k) => {
    if (Number.isFinite(v)) {
      comY[1 + k] = v;
      comM[1 + k] = 1;
    }
  });
  // A comment judged clean by every source is a span negative: its right answer is no span.
  const clean = c.toxicity === 0;
  if (clean) comM[PRESENCE] = 1;
  return {
    text: c.text, source: c.domain, tokens, feats: NO_FEATS,
    spanY: clean ? new Float32Array(tokens.length) : null, spanW: clean ? cleanSpanW : 0,
    typeY: null, typeW: null, comY, comM,
  };
}

/** Options of corpus building. */
export interface CorpusOptions {
  datasets?: string;
  /** Limit every source to this many examples (smoke runs). */
  limit?: number;
  /** Span loss weight of ACL-only posts (soft majority targets). */
  aclSpanW?: number;
  /** Span loss weight of clean comments from C3/OLID/Davidson. */
  cleanSpanW?: number;
  /** Clean comments that mention an identity term are repeated this many times in their pool. */
  identityRepeat?: number;
  /** Counterfactual copies (identity word swapped) added per clean identity-mentioning comment. */
  identitySwaps?: number;
  /**
   * Span loss weight of clean comments that mention an identity term, and of their counterfactual
   * swaps (default 1, ten times cleanSpanW: a friendly 'my gay neighbour' must not span 'gay').
   */
  identitySpanW?: number;
  /**
   * Share of tsd_train posts that also train as a copy with their gold words disguised (masking,
   * leetspeak, spacing, repeated or look-alike letters; `perturbPost`, its own fixed seed).
   * Default 0: at 0.3 the model learned "disguised means toxic" (obfuscated tsd_trial F1 rose
   * above the clean F1, which only measures that shortcut, and clean false alarms rose); see the
   * model card's "What was tried".
   */
  obfuscateShare?: number;
  /**
   * Chooses the pretrained word rows once every example is tokenised (Model v2): called with the
   * count of each normal form over the training examples, returns the word index the features use.
   */
  chooseWords?: (counts: Map<string, number>) => WordIndex;
  /** More comment pools (Model v2's hate and news sets, `src/train/pools.ts`), sampled per epoch like the others. */
  extraPools?: Record<string, Example[]>;
  /**
   * Sources held out whole (`src/train/exclude.ts`): their pools are left out and every text of
   * theirs is dropped from every other pool, the span posts, tsd_trial (span-rule tuning) and the
   * clean tuning comments, so the calibration slice and every tuned threshold never see them.
   */
  exclude?: readonly string[];
}

/** Placeholder until `featurizeAll` hashes an example's features. */
export const NO_FEATS: TokenFeatures = { offsets: new Int32Array(1), ids: new Int32Array(0), weights: new Float32Array(0) };


/** Identity words (groups, plurals) whose friendly mentions the model must not learn as toxic. */
const IDENTITY_RE = new RegExp(
  '\\b(' +
    ['muslims?', 'islam(ic)?', 'christians?', 'jews?', 'jewish', 'hindus?', 'buddhists?', 'sikhs?', 'catholics?', 'atheists?', 'mexicans?', 'chinese', 'indians?',
      'americans?', 'canadians?', 'arabs?', 'africans?', 'syrians?', 'russians?', 'immigrants?', 'refugees?', 'gays?', 'lesbians?', 'bisexual', 'straight', 'queer',
      'homosexuals?', 'trans(gender)?', 'women', 'woman', 'female', 'male', 'men', 'deaf', 'blind', 'disabled', 'disabilit(y|ies)', 'autistic', 'black', 'white',
      'asians?', 'latino', 'latinas?', 'hispanics?', 'indigenous', 'native'].join('|') +
    ')\\b',
  'i',
);

/** Identity terms swapped into clean comments (counterfactual augmentation), adjective forms. */
const SWAP_TERMS = ['muslim', 'christian', 'jewish', 'hindu', 'sikh', 'atheist', 'catholic', 'mexican', 'chinese', 'indian', 'arab', 'african', 'immigrant',
  'gay', 'lesbian', 'bisexual', 'queer', 'homosexual', 'transgender', 'female', 'deaf', 'blind', 'disabled', 'autistic', 'black', 'white', 'asian', 'latino',
  'hispanic', 'indigenous'];

/**
 * Counterfactual copy of a clean comment: its first identity word replaced by another identity
 * term (so a friendly 'my gay neighbour' teaches that 'queer', 'muslim', ... are not toxic either).
 * Returns null when the text mentions no identity word.
 */
export function swapIdentity(text: string, rand: () => number): string | null {
  const m = IDENTITY_RE.exec(text);
  if (!m) return null;
  const term = SWAP_TERMS[Math.floor(rand() * SWAP_TERMS.length)];
  const cased = m[0][0] === m[0][0].toUpperCase() ? term[0].toUpperCase() + term.slice(1) : term;
  return text.slice(0, m.index) + cased + text.slice(m.index + m[0].length);
}

/** True when a text mentions an identity group. */
export function mentionsIdentity(text: string): boolean {
  return IDENTITY_RE.test(text);
}

/** Loads every dataset, dedupes ACL against tsd, splits dev sets, builds examples. */
export function buildCorpus(cfg: FeatureConfig, o: CorpusOptions = {}): Corpus {
  const lim = <T>(a: T[]): T[] => (o.limit ? a.slice(0, o.limit) : a);
  const aclSpanW = o.aclSpanW ?? 0.1;
  const cleanSpanW = o.cleanSpanW ?? 0.1;
  const identityRepeat = o.identityRepeat ?? 1;
  const identitySwaps = o.identitySwaps ?? 2;
  const identitySpanW = o.identitySpanW ?? 1;
  const obfuscateShare = o.obfuscateShare ?? 0;
  const obfRand = mulberry32(20261125);
  // Fixed seed: the augmented texts are part of the data, the same for every training seed.
  const swapRand = mulberry32(20260322);
  const dropped = excludedKeys(o.exclude, o.datasets);
  const keep = (r: { text: string }): boolean => !dropped.has(textKey(r.text));
  const excluded = new Set(o.exclude ?? []);
  const tsdTrain = loadTsd('tsd_train', o.datasets).filter(keep);
  const trial = loadTsd('tsd_trial', o.datasets).filter(keep);
  const acl = loadAcl(o.datasets).filter(keep);
  const trialKeys = new Set(trial.map((p) => textKey(p.text)));
  const trainKeys = new Set(tsdTrain.map((p) => textKey(p.text)));
  const aclByKey = new Map(acl.map((c) => [textKey(c.text), c]));

  const train: Example[] = [];
  for (const p of lim(tsdTrain)) {
    if (trialKeys.has(textKey(p.text))) continue; // never train on a dev text
    const tokens = tokenize(p.text);
    const a = aclByKey.get(textKey(p.text));
    let typeY: Float32Array | null = null;
    let typeW: Float32Array | null = null;
    const comY = new Float32Array(COMMENT_TARGETS);
    const comM = new Float32Array(COMMENT_TARGETS);
    const spanY = tokenLabels(tokens, p.ranges);
    if (a && a.text === p.text) {
      const t = aclTokenTargets(tokens, a);
      typeY = t.typeY;
      typeW = t.typeW.map((w, i) => w * spanY[i]);
      comY.set(t.comY);
      comM.fill(1);
    }
    // Every tsd post is toxic; 6% of them have no gold span (the annotators agreed on none).
    comY[PRESENCE] = p.ranges.length ? 1 : 0;
    comM[PRESENCE] = 1;
    train.push({ text: p.text, source: 'tsd', tokens, feats: NO_FEATS, spanY, spanW: 1, typeY, typeW, comY, comM });
    if (obfuscateShare > 0 && obfRand() < obfuscateShare) {
      // The disguised copy keeps the comment targets; its types are not aligned, so none.
      const q = perturbPost(p, obfRand);
      const qt = tokenize(q.text);
      train.push({ text: q.text, source: 'tsd-obf', tokens: qt, feats: NO_FEATS, spanY: tokenLabels(qt, q.ranges), spanW: 1, typeY: null, typeW: null, comY, comM });
    }
  }
  // ACL dev: posts shared with tsd_trial (never trained on) plus 10% of the ACL-only posts.
  const aclDev: AclComment[] = [];
  for (const c of lim(acl)) {
    const k = textKey(c.text);
    if (trialKeys.has(k)) {
      aclDev.push(c);
      continue;
    }
    if (trainKeys.has(k)) continue;
    if (isDevText(k)) {
      aclDev.push(c);
      continue;
    }
    const tokens = tokenize(c.text);
    const t = aclTokenTargets(tokens, c);
    train.push({
      text: c.text, source: 'acl', tokens, feats: NO_FEATS,
      spanY: t.frac, spanW: aclSpanW, typeY: t.typeY, typeW: t.typeW, comY: t.comY, comM: new Float32Array(COMMENT_TARGETS).fill(1),
    });
  }
  const uccKeys = new Set(loadUcc(o.datasets).map((r) => textKey(r.text)));
  const commentPools: Record<string, Example[]> = {};
  const commentDev: Record<string, LabelledComment[]> = {};
  const sources: Record<string, LabelledComment[]> = {
    // UCC (the C3 newspaper's validation comments) is a reported dev set: its texts never train.
    c3: loadC3(o.datasets).filter((r) => !uccKeys.has(textKey(r.text))),
    olid: loadOlid('train', o.datasets),
    davidson: loadDavidson(o.datasets),
    ethos: loadEthos(o.datasets),
  };
  for (const [name, all] of Object.entries(sources)) {
    if (excluded.has(name)) continue;
    const rows = all.filter(keep);
    const dev: LabelledComment[] = [];
    const pool: Example[] = [];
    for (const r of lim(rows)) {
      // ETHOS is small and not a reported domain: all of it trains.
      if (name !== 'ethos' && isDevByText(r.text)) dev.push(r);
      else {
        // Friendly identity mentions are the counter-examples against learning 'gay' or 'muslim' as toxic.
        const friendlyIdentity = r.toxicity === 0 && mentionsIdentity(r.text);
        const ex = labelledExample(r, friendlyIdentity ? identitySpanW : cleanSpanW);
        const reps = friendlyIdentity ? identityRepeat : 1;
        for (let k = 0; k < reps; k++) pool.push(ex);
        for (let k = 0; friendlyIdentity && k < identitySwaps; k++) {
          const t = swapIdentity(r.text, swapRand);
          if (t) pool.push(labelledExample({ ...r, text: t }, identitySpanW));
        }
      }
    }
    commentPools[name] = pool;
    if (dev.length) commentDev[name] = dev;
  }
  for (const [name, all] of Object.entries(o.extraPools ?? {})) {
    if (excluded.has(name)) continue;
    const pool = all.filter(keep);
    commentPools[name] = o.limit ? pool.slice(0, o.limit) : pool;
  }
  featurizeAll([...train, ...Object.values(commentPools).flat()], cfg, o.chooseWords);
  const clean = [...(commentDev.c3 ?? []).filter((r) => r.toxicity === 0), ...(commentDev.olid ?? []).filter((r) => r.toxicBinary === 0)];
  const cleanTune = clean.filter((r) => inDev(textKey(r.text), 0.5, 'clean-tune'));
  const cleanEval = clean.filter((r) => !inDev(textKey(r.text), 0.5, 'clean-tune'));
  return { train, commentPools, trial: lim(trial), aclDev, commentDev, olidTest: loadOlid('test', o.datasets), cleanTune, cleanEval };
}

/**
 * Hashes the features of every example (after all are tokenised, so the pretrained word rows can
 * be chosen from the corpus's own words first). Examples repeated in a pool are featurised once.
 */
function featurizeAll(examples: Example[], cfg: FeatureConfig, chooseWords?: (counts: Map<string, number>) => WordIndex): void {
  let fc = cfg;
  if (chooseWords) {
    const counts = new Map<string, number>();
    for (const e of new Set(examples)) for (const t of e.tokens) counts.set(t.norm, (counts.get(t.norm) ?? 0) + 1);
    fc = { ...cfg, words: chooseWords(counts) };
  }
  for (const e of examples) if (e.feats === NO_FEATS) e.feats = featurize(e.tokens, fc);
}
