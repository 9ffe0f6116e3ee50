/**
 * `node dist/src/train/topic/screen.js [--seed 2015] [--datasets PATH]`: how much more the
 * sentence encoder's vectors can tell about CQA off-topic comments than the shipped stage reads.
 * A screen, not the model: 10 question-grouped folds (the CV's `questionOrder`), out-of-fold
 * ridge heads (the comment head on the comment's vector, the relevance head on question x
 * comment; the stage's two heads, without 1.0.0's score), then a logistic stack over them alone
 * and with each candidate group added, scored by out-of-fold ROC-AUC:
 * - sentences: each sentence of the comment (3+ words) embedded alone; both heads' max / min /
 *   mean over them, their question cosines, the comment's cosine, the sentence count;
 * - neighbours: the labels of the comment's nearest CQA comments in other folds (cosine; mean
 *   of the top 5 / 10 / 30, a similarity-weighted mean, the top cosine);
 * - tokens: the encoder's last-layer piece states of the comment against the question's (a
 *   late-interaction reading of the two together): for each comment piece its best cosine with a
 *   question piece, their mean, max and share over 0.5, and the same from the question's side.
 * Sentences are embedded through the shared cache (about 22,000 on a first run, 40 s here).
 */
import { parseArgs } from 'util';
import { loadEncoder } from '../../encoder';
import { ENCODER_DIM } from '../../encoder/types';
import { articleText, dot, relevanceVector as relevance } from '../../topic/sentence';
import { fit, predict } from '../../topic/logreg';
import { embedCached } from '../embed-cache';
import { rocAuc } from '../metrics';
import { loadCorpus, questionOrder } from './corpus';
import { OFF_TOPIC_LABELS } from './data';
import { Gram, headOf as apply, loadTopicVectors } from './sentence-fit';

const FOLDS = 10;
const NEIGHBOURS = 30;
/** Ridge penalties: the comment head's of the card's head screen, the relevance head's chosen in all 30 CV folds (models/offtopic/README.md). */
const COMMENT_PENALTY = 3;
const RELEVANCE_PENALTY = 10;

interface Row {
  fold: number;
  y: number;
  comment: Float32Array;
  question: Float32Array | null;
  sentences: Float32Array[];
}

type Head = { weights: number[]; bias: number };

/** A comment's sentences of three words or more (the encoder reads each alone). */
export function sentencesOf(text: string): string[] {
  return text.split(/(?<=[.!?])\s+|\n+/).map((s) => s.trim()).filter((s) => s.split(/\s+/).length >= 3);
}

const stats = (xs: number[], otherwise: number): number[] =>
  xs.length ? [Math.max(...xs), Math.min(...xs), xs.reduce((a, b) => a + b, 0) / xs.length] : [otherwise, otherwise, otherwise];

/** One ridge head per fold, fitted on the other folds. */
function foldHeads(rows: Row[], input: (r: Row) => Float32Array, lambda: number): Head[] {
  const grams = Array.from({ length: FOLDS }, () => new Gram(ENCODER_DIM));
  rows.forEach((r) => grams[r.fold].add(input(r), r.y));
  return grams.map((_, f) => grams.filter((__, g) => g !== f).reduce((a, b) => a.plus(b)).solve(lambda));
}

/** Labels of each row's nearest rows in other folds: mean of the top 5 / 10 / 30, a similarity-weighted mean, the top cosine. */
function neighbourFeatures(rows: Row[]): number[][] {
  return rows.map((r) => {
    const top = new Float64Array(NEIGHBOURS).fill(-2);
    const label = new Uint8Array(NEIGHBOURS);
    for (const o of rows) {
      if (o.fold === r.fold) continue;
      const s = dot(r.comment, o.comment);
      if (s <= top[NEIGHBOURS - 1]) continue;
      let p = NEIGHBOURS - 1;
      for (; p > 0 && top[p - 1] < s; p--) (top[p] = top[p - 1]), (label[p] = label[p - 1]);
      (top[p] = s), (label[p] = o.y);
    }
    const mean = (k: number) => label.slice(0, k).reduce((a, b) => a + b, 0) / k;
    let ws = 0;
    let wy = 0;
    top.forEach((s, q) => ((ws += Math.exp(10 * s)), (wy += Math.exp(10 * s) * label[q])));
    return [mean(5), mean(10), mean(30), wy / ws, top[0]];
  });
}

/** Unit-length rows of a pieces x ENCODER_DIM state matrix. */
function unitRows(states: Float32Array): Float32Array[] {
  const rows: Float32Array[] = [];
  for (let o = 0; o < states.length; o += ENCODER_DIM) {
    const r = states.slice(o, o + ENCODER_DIM);
    const n = Math.hypot(...r) || 1;
    rows.push(r.map((x) => x / n));
  }
  return rows;
}

/** Best cosines of each row of `a` among the rows of `b`: their mean, max and share over 0.5. */
function bestMatches(a: Float32Array[], b: Float32Array[]): number[] {
  if (!a.length || !b.length) return [0, 0, 0];
  const best = a.map((x) => Math.max(...b.map((y) => dot(x, y))));
  return [best.reduce((p, q) => p + q, 0) / best.length, Math.max(...best), best.filter((v) => v > 0.5).length / best.length];
}

/** Token-level features of every CQA comment against its question, thread by thread (states are large: none kept). */
async function tokenFeatures(corpus: ReturnType<typeof loadCorpus>): Promise<number[][]> {
  const encoder = await loadEncoder();
  const out: number[][] = [];
  try {
    for (const q of corpus.cqa) {
      const [question, ...comments] = await encoder.tokenStates([articleText(q.article), ...q.comments.map((c) => c.text)]);
      const qs = unitRows(question.states);
      for (const c of comments) {
        const cs = unitRows(c.states);
        out.push([...bestMatches(cs, qs), ...bestMatches(qs, cs)]);
      }
    }
  } finally {
    await encoder.dispose();
  }
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seed: { type: 'string', default: '2015' }, datasets: { type: 'string' } } });
  const corpus = loadCorpus(values.datasets);
  const table = await loadTopicVectors(corpus);
  const fold = new Map(questionOrder(corpus, Number(values.seed)).map((q, i) => [q, i % FOLDS]));
  const texts = new Set<string>();
  const raw = corpus.cqa.flatMap((q) =>
    q.comments.map((c, i) => {
      const sentences = sentencesOf(c.text);
      sentences.forEach((s) => texts.add(s));
      return { fold: fold.get(q.qid)!, y: OFF_TOPIC_LABELS.has(q.labels[i]) ? 1 : 0, comment: table.get(c.text)!, question: table.get(articleText(q.article)) ?? null, sentences };
    }),
  );
  const list = [...texts];
  const vectors = new Map(list.map((s, i) => [s, i]));
  const embedded = await embedCached(list);
  const rows: Row[] = raw.map((r) => ({ ...r, sentences: r.sentences.map((s) => embedded[vectors.get(s)!]) }));
  process.stderr.write(`screen: ${rows.length} CQA comments, ${list.length} distinct sentences, seed ${values.seed}\n`);

  const ch = foldHeads(rows, (r) => r.comment, COMMENT_PENALTY);
  const rh = foldHeads(rows, (r) => (r.question ? relevance(r.question, r.comment) : new Float32Array(ENCODER_DIM)), RELEVANCE_PENALTY);
  const heads = rows.map((r) => [apply(ch[r.fold], r.comment), r.question ? apply(rh[r.fold], relevance(r.question, r.comment)) : 0]);
  const sentences = rows.map((r, i) => {
    const q = r.question;
    const [c, rel] = heads[i];
    return [
      ...stats(r.sentences.map((v) => apply(ch[r.fold], v)), c),
      ...stats(q ? r.sentences.map((v) => apply(rh[r.fold], relevance(q, v))) : [], rel),
      ...stats(q ? r.sentences.map((v) => dot(v, q)) : [], 0),
      q ? dot(r.comment, q) : 0,
      Math.log1p(r.sentences.length),
    ];
  });
  const t0 = Date.now();
  const neighbours = neighbourFeatures(rows);
  process.stderr.write(`screen: neighbours in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);

  const t1 = Date.now();
  const tokens = await tokenFeatures(corpus);
  process.stderr.write(`screen: token states in ${((Date.now() - t1) / 1000).toFixed(0)} s\n`);

  const y = rows.map((r) => r.y);
  const stack = (name: string, x: (i: number) => number[]): void => {
    const oof = new Array<number>(rows.length);
    for (let f = 0; f < FOLDS; f++) {
      const train = rows.flatMap((r, i) => (r.fold === f ? [] : [i]));
      const m = fit(train.map(x), train.map((i) => y[i]), 1);
      rows.forEach((r, i) => r.fold === f && (oof[i] = predict(m, x(i))));
    }
    process.stdout.write(`${name.padEnd(44)} ${rocAuc(oof, y).toFixed(4)}\n`);
  };
  stack('comment head', (i) => [heads[i][0]]);
  stack('comment + relevance heads', (i) => heads[i]);
  stack('  + sentences', (i) => [...heads[i], ...sentences[i]]);
  stack('  + neighbours', (i) => [...heads[i], ...neighbours[i]]);
  stack('  + sentences + neighbours', (i) => [...heads[i], ...sentences[i], ...neighbours[i]]);
  stack('  + tokens', (i) => [...heads[i], ...tokens[i]]);
  stack('  + everything', (i) => [...heads[i], ...sentences[i], ...neighbours[i], ...tokens[i]]);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
