/**
 * Per-comment features of a thread: how a comment relates to its article, to what it follows
 * and to the rest of the thread, plus a few style cues that mark conversation rather than content.
 * The learned weights live in the model file; this module only measures.
 */
import { topicTerms, TopicTerm } from './terms';
import { LexicalModel, lexicalScore } from './lexical';
import { LogReg, predict, logit } from './logreg';
import { IdfTable, SparseVec, tfidf, cosine, addInto, norm2, cosineWithSumExcluding, idfOf, normalize } from './vectors';
import { WordTable, meaningOf, meaningCosine, alignRows, softAlign } from './wordvec';
import { BoundedCache } from '../util/bounded-cache';

/** Minimal article shape the features need (`author` is optional and rarely known for news). */
export interface TopicArticle {
  title?: string;
  body?: string;
  author?: string;
}

/** Minimal comment shape the features need. */
export interface TopicComment {
  id: string;
  text: string;
  parentId?: string | null;
  author?: string;
}

/** Feature names, in vector order. The model file stores them and is refused if they differ. */
export const FEATURE_NAMES = [
  'simArticle', // sqrt cosine with title+body
  'simTitle', // sqrt cosine with the title alone: the title is the topic in a few words
  'noOverlap', // 1 when the comment shares no term with the article
  'coverage', // idf-weighted share of the comment's terms found in the article
  'relArticle', // simArticle relative to the best comment of the thread (articles differ in length)
  'zArticle', // simArticle standardised within the thread: how this comment compares with its neighbours
  'simFollowed', // sqrt cosine with the comment it follows (the article for top-level comments)
  'followsComment', // 1 when it follows a comment rather than the article
  'simThread', // sqrt cosine with the rest of the thread (leave-one-out centroid)
  'logTerms', // log(1 + content terms)
  'question', // contains '?'
  'youRate', // share of words addressing someone ("you", "your")
  'ack', // thanks / lol / smileys: conversational acknowledgement
  'url', // links
  'authorRepeat', // log(1 + other comments by the same author in this thread)
  'pingPong', // A-B-A exchange: the author answers whoever answered them
  'byArticleAuthor', // the article's (question's) author commenting in their own thread
  'position', // relative position in the thread, 0..1
  'contextSize', // log(1 + content terms of the article, or of the rest of the thread without one)
  'nonLatin', // share of letters outside Latin script (the "Not English" class)
  'lexical', // stacked naive-Bayes score of everyday words (see lexical.ts)
  'charArticle', // sqrt cosine of character 4-grams of content words with the article: survives misspellings
  'charFollowed', // the same with what it follows (the article for a top-level comment; 0 with neither)
  'relevance', // stacked self-supervised relevance: logit of "this comment came from another thread"
] as const;

/**
 * Features of a model with a word-vector table (`wordvec.ts`), after the others: meaning, not
 * only shared stems. Cosines of idf-weighted mean word vectors, and the soft alignment.
 */
export const VECTOR_FEATURES = [
  'vecArticle', // mean-vector cosine with the article (with the rest of the thread without one)
  'vecTitle', // the same with the title alone
  'vecFollowed', // the same with what it follows (the article for a top-level comment; 0 with neither)
  'vecAlign', // mean over the comment's words of the best cosine with one of the article's words (0 without an article)
  'vecZ', // vecArticle standardised within the thread (as zArticle): mean vectors of all texts share a common direction
] as const;

/** The feature names of a model without or with word vectors, in vector order. */
export function featureNames(withVectors: boolean): readonly FeatureName[] {
  return withVectors ? [...FEATURE_NAMES, ...VECTOR_FEATURES] : FEATURE_NAMES;
}

/** True for the names of `VECTOR_FEATURES`. */
export function isVectorFeature(name: string): boolean {
  return (VECTOR_FEATURES as readonly string[]).includes(name);
}

/**
 * The topical features the self-supervised relevance model sees: similarity only, no style, so
 * that it learns what "not about this article" looks like and nothing else.
 */
export const TOPICAL_FEATURES: readonly FeatureName[] = [
  'simArticle', 'simTitle', 'noOverlap', 'coverage', 'relArticle', 'zArticle', 'simFollowed', 'followsComment', 'logTerms', 'charArticle', 'charFollowed',
  ...VECTOR_FEATURES,
];
export type FeatureName = (typeof FEATURE_NAMES)[number] | (typeof VECTOR_FEATURES)[number];
/** Index of the `relevance` feature (filled from the relevance model's logit). */
export const RELEVANCE = FEATURE_NAMES.indexOf('relevance');
/** Index of the `contextSize` feature (log content terms of the context). */
export const CONTEXT_SIZE = FEATURE_NAMES.indexOf('contextSize');

/** What a thread analysis keeps per comment, for the classifier and for readable reasons. */
export interface CommentAnalysis {
  features: number[];
  /** TF-IDF vector of the comment. */
  vec: SparseVec;
  /** Stem -> first surface form, for displaying salient terms. */
  surface: Map<string, string>;
  /** Index of the comment it follows, or -1 for the article. */
  followed: number;
  /** Raw cosine with the article and with what it follows. */
  cosArticle: number;
  cosFollowed: number;
}

/** The analysis of a whole thread. */
export interface ThreadAnalysis {
  comments: CommentAnalysis[];
  /** Article (or stand-in context) vector and surfaces, for reasons. Empty when there is none. */
  articleVec: SparseVec;
  articleSurface: Map<string, string>;
  /** True when an article with content terms was given. */
  hasArticle: boolean;
  /** True when `parentId` links were given (a reply tree); false for a flat thread. */
  threaded: boolean;
  /** Each comment's weighted neighbourhood (see `neighbourhoods`). */
  hoods: Neighbour[][];
  /** Authors of the comments (undefined when unknown). */
  authors: Array<string | undefined>;
}

/** How many comments on each side make a flat thread's neighbourhood (see `neighbourhoods`). */
export const CONTEXT_WINDOW = 2;

/** A neighbour of a comment and how much it counts: `[index, weight]`. */
export type Neighbour = [number, number];

/**
 * The neighbourhood of each comment, for the context pass (see `smoothOver`). In a flat thread: the `CONTEXT_WINDOW`
 * comments before and after it (conversations in flat forums run in consecutive comments). In a
 * reply tree: its parent, grandparent and direct replies. Never the comment itself. Each
 * neighbour weighs its similarity with the comment (sqrt cosine of the term vectors, the scale
 * of every similarity feature): a neighbour that shares no words is not this comment's
 * conversation and says nothing about it.
 */
export function neighbourhoods(vecs: SparseVec[], followed: number[], threaded: boolean): Neighbour[][] {
  const n = followed.length;
  const idx: number[][] = followed.map(() => []);
  if (!threaded) {
    for (let i = 0; i < n; i++) {
      for (let j = Math.max(0, i - CONTEXT_WINDOW); j <= Math.min(n - 1, i + CONTEXT_WINDOW); j++) if (j !== i) idx[i].push(j);
    }
  } else {
    followed.forEach((p, i) => {
      if (p < 0) return;
      idx[i].push(p);
      if (followed[p] >= 0) idx[i].push(followed[p]);
      idx[p].push(i);
    });
  }
  return idx.map((js, i) => [...new Set(js)].filter((j) => j !== i).map((j): Neighbour => [j, Math.sqrt(Math.max(0, cosine(vecs[i], vecs[j])))]));
}

/**
 * A per-comment value smoothed over the local conversation: the similarity-weighted mean over a
 * comment and its neighbours, the comment itself weighing 1 (its similarity with itself). A comment
 * that shares nothing with its neighbours keeps its own value.
 */
export function smoothOver(values: number[], hoods: Neighbour[][]): number[] {
  return values.map((v, i) => {
    let s = v;
    let w = 1;
    for (const [j, wj] of hoods[i]) (s += wj * values[j]), (w += wj);
    return s / w;
  });
}

const YOU = new Set(['you', 'your', 'yours', 'yourself', 'youre', 'u', 'ur', 'ya', 'yall']);
const ACK = /\b(thanks?|thx|thnx|ty|welcome|lol|lmao|haha\w*|hehe\w*|cheers|congrat\w*)\b|[:;]-?[)dp(]|[\u{1F600}-\u{1F64F}]/iu;
const URL = /\bhttps?:\/\/|\bwww\.\S/i;
const WORDS = /[\p{L}\p{N}']+/gu;

const LETTER = /^\p{L}$/u;
const LATIN = /^\p{Script=Latin}$/u;

/**
 * Letters in a text and how many of them are not Latin script (counted by code point). ASCII is
 * decided without a regular expression, and no per-letter string is made for it: most comments
 * are mostly ASCII.
 */
export function letterCounts(text: string): [letters: number, nonLatin: number] {
  let letters = 0;
  let nonLatin = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 128) {
      const lower = c | 32;
      if (lower >= 97 && lower <= 122) letters++;
      continue;
    }
    const cp = text.codePointAt(i) as number;
    if (cp > 0xffff) i++;
    const ch = String.fromCodePoint(cp);
    if (LETTER.test(ch)) {
      letters++;
      if (!LATIN.test(ch)) nonLatin++;
    }
  }
  return [letters, nonLatin];
}

/** The character 4-grams of one surface with its word edges, memoised (threads repeat their words). */
const gramCache = new BoundedCache<readonly string[]>(50_000);

function gramsOf(surface: string): readonly string[] {
  let gs = gramCache.get(surface);
  if (gs) return gs;
  const w = ` ${surface} `;
  const out: string[] = [];
  for (let k = 0; k + 4 <= w.length; k++) out.push(w.slice(k, k + 4));
  gramCache.set(surface, (gs = out));
  return gs;
}

/** Character 4-grams (with word edges) of content-word surfaces, as a unit vector of log counts. */
export function charVec(terms: TopicTerm[]): SparseVec {
  const tf = new Map<string, number>();
  for (const t of terms) for (const g of gramsOf(t.surface)) tf.set(g, (tf.get(g) ?? 0) + 1);
  const v: SparseVec = new Map();
  for (const [g, c] of tf) v.set(g, 1 + Math.log(c));
  return normalize(v);
}

function surfaces(terms: TopicTerm[], into = new Map<string, string>()): Map<string, string> {
  for (const t of terms) if (!into.has(t.stem)) into.set(t.stem, t.surface);
  return into;
}

/**
 * The `VECTOR_FEATURES` of each comment. Without an article, the context of `vecArticle` is the
 * sum of the other comments' mean vectors and `vecAlign` is 0 (every word would meet itself).
 */
function vectorFeatures(words: WordTable, idf: IdfTable, titleTerms: TopicTerm[], artTerms: TopicTerm[], terms: TopicTerm[][], followed: number[]): number[][] {
  const m = terms.map((t) => meaningOf(words, idf, t));
  const art = meaningOf(words, idf, artTerms);
  const title = meaningOf(words, idf, titleTerms);
  const hasArticle = artTerms.length > 0;
  const target = hasArticle ? alignRows(words, idf, artTerms) : [];
  const cache = new Map<number, number>();
  const d = words.dim;
  const sum = new Float32Array(d);
  for (const v of m) if (v.mean) for (let k = 0; k < d; k++) sum[k] += v.mean[k];
  const rest = (i: number) => {
    const own = m[i].mean;
    if (!own) return 0;
    let dot = 0;
    let n = 0;
    for (let k = 0; k < d; k++) {
      const r = sum[k] - own[k];
      dot += own[k] * r;
      n += r * r;
    }
    return n > 1e-12 ? dot / Math.sqrt(n) : 0;
  };
  const vecArt = m.map((v, i) => (hasArticle ? meaningCosine(v, art) : rest(i)));
  const mu = vecArt.reduce((a, b) => a + b, 0) / vecArt.length;
  const sd = Math.sqrt(vecArt.reduce((a, b) => a + (b - mu) ** 2, 0) / vecArt.length) + 0.05;
  return m.map((v, i) => {
    const f = followed[i];
    return [
      vecArt[i],
      hasArticle && titleTerms.length ? meaningCosine(v, title) : vecArt[i],
      f >= 0 ? meaningCosine(v, m[f]) : hasArticle ? vecArt[i] : 0,
      softAlign(words, v.rows, target, cache),
      (vecArt[i] - mu) / sd,
    ];
  });
}

/**
 * Analyse a thread. Comments are in thread order (oldest first). `parentId` links replies; in a
 * flat thread (no links) a comment is taken to follow the most similar of the three before it,
 * which is how flat forums (and the CQA training threads) carry their conversations.
 */
export function analyzeThread(
  idf: IdfTable,
  article: TopicArticle | undefined,
  comments: TopicComment[],
  lexical?: LexicalModel,
  relevance?: LogReg,
  words?: WordTable,
): ThreadAnalysis {
  const n = comments.length;
  const titleTerms = topicTerms(article?.title ?? '');
  const bodyTerms = topicTerms(article?.body ?? '');
  // The title counts twice: it is the article's own summary of its topic.
  const artTerms = [...titleTerms, ...titleTerms, ...bodyTerms];
  const hasArticle = artTerms.length > 0;
  const artVec = tfidf(idf, artTerms);
  const titleVec = tfidf(idf, titleTerms);
  const artSurface = surfaces(artTerms);

  const terms = comments.map((c) => topicTerms(c.text));
  const vecs = terms.map((t) => tfidf(idf, t));
  const sum: SparseVec = new Map();
  for (const v of vecs) addInto(sum, v);
  const sumN2 = norm2(sum);
  const cvecs = terms.map((t) => charVec(t));
  const artC = charVec(artTerms);
  const csum: SparseVec = new Map();
  for (const v of cvecs) addInto(csum, v);
  const csumN2 = norm2(csum);

  const index = new Map<string, number>();
  comments.forEach((c, i) => index.set(c.id, i));
  const threaded = comments.some((c) => c.parentId != null && index.has(c.parentId));

  // With no article, the rest of the thread is the context each comment is judged against.
  const cosArt = vecs.map((v) => (hasArticle ? cosine(v, artVec) : cosineWithSumExcluding(v, sum, sumN2)));
  const bestArt = Math.max(1e-6, ...cosArt);
  const sq = cosArt.map((c) => Math.sqrt(Math.max(0, c)));
  const sqMean = sq.reduce((x, y) => x + y, 0) / n;
  // The 0.05 floor keeps a thread of near-identical comments from blowing the scores up.
  const sqSd = Math.sqrt(sq.reduce((x, y) => x + (y - sqMean) ** 2, 0) / n) + 0.05;

  const followed = comments.map((c, i) => {
    if (threaded) {
      const p = c.parentId != null ? index.get(c.parentId) : undefined;
      return p !== undefined && p !== i ? p : -1;
    }
    if (i === 0) return -1;
    let best = i - 1;
    let bestCos = cosine(vecs[i], vecs[i - 1]);
    for (let j = i - 2; j >= Math.max(0, i - 3); j--) {
      const c2 = cosine(vecs[i], vecs[j]);
      if (c2 > bestCos) [best, bestCos] = [j, c2];
    }
    return best;
  });

  const authorCount = new Map<string, number>();
  for (const c of comments) if (c.author) authorCount.set(c.author, (authorCount.get(c.author) ?? 0) + 1);

  const contextSize = Math.log1p(hasArticle ? artTerms.length : terms.reduce((k, t) => k + t.length, 0));
  const hoods = neighbourhoods(vecs, followed, threaded);
  const meaning = words ? vectorFeatures(words, idf, titleTerms, artTerms, terms, followed) : undefined;
  const out: CommentAnalysis[] = comments.map((c, i) => {
    const v = vecs[i];
    const f = followed[i];
    const cosF = f >= 0 ? cosine(v, vecs[f]) : cosArt[i];
    let covered = 0;
    let total = 0;
    for (const s of v.keys()) {
      const w = idfOf(idf, s);
      total += w;
      if (hasArticle ? artVec.has(s) : (sum.get(s) ?? 0) - (v.get(s) ?? 0) > 1e-9) covered += w;
    }
    const words = c.text.toLowerCase().match(WORDS) ?? [];
    const you = words.filter((w) => YOU.has(w.replace(/'/g, ''))).length;
    const [letters, nonLatin] = letterCounts(c.text);
    const a = c.author;
    const ff = f >= 0 ? followed[f] : -1;
    const pingPong = a && f >= 0 && ff >= 0 && comments[ff].author === a && comments[f].author !== a ? 1 : 0;
    const features = [
      Math.sqrt(cosArt[i]),
      hasArticle ? Math.sqrt(cosine(v, titleVec)) : Math.sqrt(cosArt[i]),
      cosArt[i] === 0 ? 1 : 0,
      total > 0 ? covered / total : 0,
      cosArt[i] / bestArt,
      (sq[i] - sqMean) / sqSd,
      Math.sqrt(Math.max(0, cosF)),
      f >= 0 ? 1 : 0,
      Math.sqrt(Math.max(0, cosineWithSumExcluding(v, sum, sumN2))),
      Math.log1p(terms[i].length),
      c.text.includes('?') ? 1 : 0,
      words.length ? you / words.length : 0,
      ACK.test(c.text) ? 1 : 0,
      URL.test(c.text) ? 1 : 0,
      a ? Math.log1p((authorCount.get(a) ?? 1) - 1) : 0,
      pingPong,
      a && article?.author && a === article.author ? 1 : 0,
      n > 1 ? i / (n - 1) : 0,
      contextSize,
      letters ? nonLatin / letters : 0,
      lexical ? lexicalScore(lexical, c.text) : 0,
      Math.sqrt(Math.max(0, hasArticle ? cosine(cvecs[i], artC) : cosineWithSumExcluding(cvecs[i], csum, csumN2))),
      Math.sqrt(Math.max(0, f >= 0 ? cosine(cvecs[i], cvecs[f]) : hasArticle ? cosine(cvecs[i], artC) : 0)),
      0, // relevance: filled in below from the other features
      ...(meaning ? meaning[i] : []),
    ];
    if (relevance) {
      features[RELEVANCE] = logit(predict(relevance, features));
    }
    return { features, vec: v, surface: surfaces(terms[i]), followed: f, cosArticle: cosArt[i], cosFollowed: cosF };
  });
  return { comments: out, articleVec: hasArticle ? artVec : sum, articleSurface: hasArticle ? artSurface : surfaces(terms.flat()), hasArticle, threaded, hoods, authors: comments.map((c) => c.author) };
}
