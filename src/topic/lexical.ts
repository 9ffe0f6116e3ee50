/**
 * The lexical cue: which everyday words and word pairs mark a comment as conversation rather than
 * content ("thanks", "lol", "same here", "you", "?", "thank you"). A naive-Bayes log-count ratio per token, learned
 * on the CQA labels and stacked into the logistic regression as one feature.
 *
 * The vocabulary is restricted to words common in BOTH corpora (Qatar Living forum and Globe and
 * Mail news comments), so that domain words ("visa", "Doha") cannot turn into topic verdicts
 * when the model meets a news thread: only style that both domains share is learned.
 */
import { ownMap } from '../util/records';

/** Learned per-word log-count ratios (positive = off-topic). */
export interface LexicalModel {
  ratios: Record<string, number>;
}

const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)*|[?!]|[:;]-?[)(dp]/giu;

/**
 * The set of lexical tokens of a text: lower-case words (apostrophes dropped), `?`, `!`, smileys,
 * and each pair of adjacent tokens ("thank you", "you can", "? i"): pairs tell a thank-you or a
 * question back ("thanks for", "do you") from advice ("you can", "good luck") where single words
 * cannot.
 */
export function lexTokens(text: string): Set<string> {
  const out = new Set<string>();
  eachLexToken(text, (t, prev) => {
    out.add(t);
    if (prev) out.add(`${prev} ${t}`);
  });
  return out;
}

/** Calls `visit` with each lexical token of a text in order and the token before it ('' for the first). */
function eachLexToken(text: string, visit: (t: string, prev: string) => void): void {
  let prev = '';
  for (const m of text.toLowerCase().matchAll(WORD)) {
    let t = m[0];
    const c0 = t.charCodeAt(0);
    if (c0 === 58 || c0 === 59) t = ':)'; // ":" or ";": a smiley
    else if (t.length > 1 && (t.includes("'") || t.includes('’'))) t = t.replace(/['’]/g, '');
    visit(t, prev);
    prev = t;
  }
}

/** Words found in at least `minShare` of the documents of every corpus given. */
export function sharedVocabulary(corpora: Set<string>[][], minShare: number): Set<string> {
  let vocab: Set<string> | undefined;
  for (const docs of corpora) {
    const df = new Map<string, number>();
    for (const d of docs) for (const w of d) df.set(w, (df.get(w) ?? 0) + 1);
    const keep = new Set([...df].filter(([, c]) => c / docs.length >= minShare).map(([w]) => w));
    vocab = vocab ? new Set([...vocab].filter((w) => keep.has(w))) : keep;
  }
  return vocab ?? new Set();
}

/** Fit log-count ratios with add-`alpha` smoothing on binary word presence. */
export function fitLexical(docs: Set<string>[], y: number[], vocab: Set<string>, alpha = 1): LexicalModel {
  const pos = new Map<string, number>();
  const neg = new Map<string, number>();
  docs.forEach((d, i) => {
    const m = y[i] === 1 ? pos : neg;
    for (const w of d) if (vocab.has(w)) m.set(w, (m.get(w) ?? 0) + 1);
  });
  let pSum = 0;
  let nSum = 0;
  for (const w of vocab) {
    pSum += (pos.get(w) ?? 0) + alpha;
    nSum += (neg.get(w) ?? 0) + alpha;
  }
  const ratios: Record<string, number> = {};
  for (const w of [...vocab].sort()) {
    const r = Math.log(((pos.get(w) ?? 0) + alpha) / pSum) - Math.log(((neg.get(w) ?? 0) + alpha) / nSum);
    ratios[w] = Math.round(r * 1e4) / 1e4;
  }
  return { ratios };
}

/** For each model's ratios: the words that begin one of its pairs, built on first use. */
const pairFirstsOf = new WeakMap<Record<string, number>, Set<string>>();

function pairFirsts(ratios: Record<string, number>): Set<string> {
  let s = pairFirstsOf.get(ratios);
  if (!s) pairFirstsOf.set(ratios, (s = new Set(Object.keys(ratios).filter((k) => k.includes(' ')).map((k) => k.slice(0, k.indexOf(' '))))));
  return s;
}

/**
 * Lexical score of a text: the sum of the ratios of its distinct in-vocabulary tokens (`lexTokens`)
 * over the square root of their number (0 when it has none). A pair is only looked up when the
 * vocabulary has a pair starting with its first word.
 */
export function lexicalScore(m: LexicalModel, text: string): number {
  const ratios = ownMap(m.ratios); // "constructor" is not a ratio
  const firsts = pairFirsts(m.ratios);
  const seen = new Set<string>();
  let s = 0;
  const count = (key: string): void => {
    const r = ratios.get(key);
    if (r !== undefined && !seen.has(key)) (seen.add(key), (s += r));
  };
  eachLexToken(text, (t, prev) => {
    count(t);
    if (prev && firsts.has(prev)) count(`${prev} ${t}`);
  });
  return seen.size ? s / Math.sqrt(seen.size) : 0;
}
