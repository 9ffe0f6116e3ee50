/**
 * `npm run bench`: throughput and latency of the scoring pipeline against the `obscenity` word
 * filter, on the same posts in the same process and run, on two streams:
 *
 * - tsd_trial (690 posts, mostly toxic, mean 199 chars): the SemEval dev set;
 * - a clean-majority mix closer to a live comment stream: the held-out dev comments of C3 (news)
 *   and OLID (tweets), interleaved (~79% clean).
 *
 * Moderato keeps bounded caches (token vectors, normalised words). They never change an output,
 * but they make repeated words cheap, and a benchmark that repeats the same posts would measure
 * them warm. So each round times Moderato twice: "cold", with every cache emptied first (only
 * repeats within the stream help), then "warm", the same posts again. The cold figure is the
 * headline. The vocabulary's folded word rows (src/model/infer.ts), folded the first time each
 * word is scored, are emptied with the caches, so the cold figure pays their fold as a fresh
 * process does.
 * "reference" is the original inference path (padded batches through `forwardInfer`), timed in
 * the same run for a before/after on a loaded machine.
 *
 * Plus the cost of off-topic scoring on a 500-comment thread. One core: Node runs JS on one thread
 * and the wasm backend is built without threads here.
 *
 * It needs the shared data (README, "Tests and data"): tsd_trial, C3 and OLID in the datasets folder,
 * and the SouthFront thread beside it; without them it says which is missing and exits 1.
 *
 *   npm run bench [-- --rounds 5 --datasets PATH --backend wasm --model DIR]
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { englishDataset, englishRecommendedTransformers, RegExpMatcher } from 'obscenity';
import { isDevByText, loadC3, loadOlid, loadTsd } from '../src/data';
import { packageRoot } from '../src/util/paths';
import { defaultModelDir, HashedToxicityModel, loadModel } from '../src/model';
import { readModel } from '../src/model/io';
import { assembleSpans } from '../src/spans';
import { createScorer } from '../src/scorer';
import { loadOffTopicModel } from '../src/topic';
import { clearTextCaches, tokenize } from '../src/text';
import { southfrontPath } from '../src/train/behaviour';
import type { CommentInput } from '../src/types';
import { isModeratoError, ModeratoError } from '../src/errors';
import { since, summarize, table } from './stats';

/** The clean-majority stream: C3 and OLID dev comments (the 15% held out from training), interleaved. */
export function cleanMixStream(datasets?: string): { texts: string[]; clean: number } {
  const c3 = loadC3(datasets).filter((r) => isDevByText(r.text));
  const olid = loadOlid('train', datasets).filter((r) => isDevByText(r.text));
  const rows = [];
  for (let i = 0; i < Math.max(c3.length, olid.length); i++) {
    if (i < c3.length) rows.push(c3[i]);
    if (i < olid.length) rows.push(olid[i]);
  }
  return { texts: rows.map((r) => r.text), clean: rows.filter((r) => r.toxicBinary === 0).length };
}

async function main(): Promise<void> {
  const values = options();
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new ModeratoError('MOD_ERR_INPUT', `--rounds must be a whole number >= 1, got ${values.rounds}; ${USAGE}`);
  // Every input read before the model loads, so a missing one fails at once.
  const tsd = need('the tsd_trial posts (SemEval-2021 toxic spans)', () => loadTsd('tsd_trial', values.datasets).map((p) => p.text));
  const mix = need('the C3 and OLID comments', () => cleanMixStream(values.datasets));
  const thread = need('the SouthFront thread', () => JSON.parse(fs.readFileSync(southfrontPath(), 'utf8')));
  const streams = [
    { name: 'tsd_trial', posts: tsd },
    { name: 'clean mix (C3 + OLID dev)', posts: mix.texts },
  ];
  for (const st of streams) {
    const chars = st.posts.reduce((a, t) => a + t.length, 0);
    process.stderr.write(`bench: ${st.name}: ${st.posts.length} posts, mean ${Math.round(chars / st.posts.length)} chars\n`);
  }
  process.stderr.write(`bench: clean mix has ${mix.clean} clean posts of ${mix.texts.length} (${((100 * mix.clean) / mix.texts.length).toFixed(0)}%); ${rounds} rounds\n`);

  // Baseline: obscenity's recommended English setup, finding every match (what a span filter needs).
  const matcher = new RegExpMatcher({ ...englishDataset.build(), ...englishRecommendedTransformers });
  const loadStart = process.hrtime.bigint();
  const model = (await loadModel(values.model, { backend: values.backend })) as HashedToxicityModel;
  const loadMs = since(loadStart);
  // The same model without its wide part (model 2.3.0), for the wide part's cost in the same run.
  let noWide: HashedToxicityModel | undefined;
  if (model.meta.wide) {
    const { meta, weights } = readModel(values.model ?? defaultModelDir());
    const { wide: _wide, ...plain } = meta;
    void _wide;
    noWide = new HashedToxicityModel(plain, weights, model.info.backend);
  }

  let sink = 0;
  const runModerato = (posts: string[], reference: boolean, m: HashedToxicityModel = model): number => {
    const t = process.hrtime.bigint();
    for (let s = 0; s < posts.length; s += 64) {
      const batch = posts.slice(s, s + 64);
      const preds = reference ? m.predictReference(batch) : m.predictSync(batch);
      preds.forEach((pr, i) => (sink += assembleSpans(batch[i], pr).length));
    }
    return posts.length / (since(t) / 1000);
  };
  const med = (xs: number[]) => summarize(xs).median;
  for (const st of streams) {
    const posts = st.posts;
    const tp: Record<string, number[]> = { obscenity: [], 'tokenize only (cold)': [], 'moderato (cold caches)': [], 'moderato (warm caches)': [] };
    if (!values['no-reference']) tp['moderato, reference path (before)'] = [];
    if (noWide) tp['moderato without its wide part (cold caches)'] = [];
    for (let r = 0; r < rounds; r++) {
      let t = process.hrtime.bigint();
      for (const p of posts) sink += matcher.getAllMatches(p).length;
      tp.obscenity.push(posts.length / (since(t) / 1000));

      clearTextCaches();
      t = process.hrtime.bigint();
      for (const p of posts) sink += tokenize(p).length;
      tp['tokenize only (cold)'].push(posts.length / (since(t) / 1000));

      model.clearCaches();
      tp['moderato (cold caches)'].push(runModerato(posts, false));
      tp['moderato (warm caches)'].push(runModerato(posts, false));
      if (!values['no-reference']) tp['moderato, reference path (before)'].push(runModerato(posts, true));
      if (noWide) {
        noWide.clearCaches();
        tp['moderato without its wide part (cold caches)'].push(runModerato(posts, false, noWide));
      }
    }
    if (!values['no-reference']) {
      // The fast path must give the original path's outputs (test/model/equivalence.test.ts pins 24 comments; this checks the whole stream).
      const fast = model.predictSync(posts);
      const ref = model.predictReference(posts);
      let worst = 0;
      let typeDiff = 0;
      let tokens = 0;
      fast.forEach((p, i) => {
        const q = ref[i];
        worst = Math.max(worst, Math.abs(p.toxicity - q.toxicity), ...Object.keys(p.categories).map((k) => Math.abs(p.categories[k as keyof typeof p.categories] - q.categories[k as keyof typeof q.categories])));
        for (let t = 0; t < p.tokenToxic.length; t++) {
          worst = Math.max(worst, Math.abs(p.tokenToxic[t] - q.tokenToxic[t]));
          if (p.tokenType[t] !== q.tokenType[t]) typeDiff++;
        }
        tokens += p.tokenToxic.length;
      });
      console.log(`\n${st.name}: fast path vs original path: max |difference| ${worst.toExponential(2)} over all scores, ${typeDiff} of ${tokens} token types differ`);
    }
    console.log(`\nThroughput on ${st.name} (${posts.length} posts), comments/s on one core (tokenize + model + spans), batches of 64, ${rounds} rounds`);
    console.log(table(['pipeline', 'min', 'median', 'max'], Object.entries(tp).map(([k, xs]) => [k, Math.min(...xs), med(xs), Math.max(...xs)])));
    const ob = med(tp.obscenity);
    console.log(`ratio moderato / obscenity (medians): cold ${(med(tp['moderato (cold caches)']) / ob).toFixed(3)}, warm ${(med(tp['moderato (warm caches)']) / ob).toFixed(3)}` +
      (tp['moderato, reference path (before)'] ? `, reference path ${(med(tp['moderato, reference path (before)']) / ob).toFixed(3)}` : '') +
      (noWide ? `; wide part's cost: cold with / without ${(med(tp['moderato (cold caches)']) / med(tp['moderato without its wide part (cold caches)'])).toFixed(3)}` : ''));
  }

  // Single-comment latency: one comment per call, as an HTTP client sending one comment would.
  // Caches are emptied first, so the sample starts cold.
  for (const st of streams) {
    const single: number[] = [];
    const singleObscenity: number[] = [];
    const sample = st.posts.slice(0, 300);
    model.clearCaches();
    for (const p of sample) {
      let t = process.hrtime.bigint();
      const [pr] = await model.predict([p]);
      sink += assembleSpans(p, pr).length;
      single.push(since(t));
      t = process.hrtime.bigint();
      sink += matcher.getAllMatches(p).length;
      singleObscenity.push(since(t));
    }
    const sl = summarize(single);
    const so = summarize(singleObscenity);
    console.log(`\nSingle-comment latency on ${st.name}, ms (first ${sl.n} posts, caches emptied first)`);
    console.log(table(['pipeline', 'min', 'p50', 'p99', 'max'], [['moderato', sl.min, sl.median, sl.p99, Math.max(...single)], ['obscenity', so.min, so.median, so.p99, Math.max(...singleObscenity)]]));
  }
  model.dispose();
  noWide?.dispose();

  // Off-topic cost on a 500-comment thread built from the SouthFront example (replies kept).
  const comments: CommentInput[] = [];
  for (let i = 0; comments.length < 500; i++) {
    const c = thread.comments[i % thread.comments.length];
    const round = Math.floor(i / thread.comments.length);
    comments.push({ id: `${c.id}-${round}`, text: c.text, parentId: c.parentId ? `${c.parentId}-${round}` : undefined });
  }
  const topic = loadOffTopicModel();
  // One untimed pass first, so every timed round sees what a running server has: compiled code
  // and warm word memos (src/topic/terms.ts, features.ts), as rounds 2-5 already did without it.
  sink += topic.score(thread.article, comments).length;
  const topicMs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t = process.hrtime.bigint();
    sink += topic.score(thread.article, comments).length;
    topicMs.push(since(t));
  }
  const scorer = await createScorer({ backend: values.backend });
  sink += (await scorer.score({ article: thread.article, comments })).length;
  const fullMs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t = process.hrtime.bigint();
    sink += (await scorer.score({ article: thread.article, comments })).length;
    fullMs.push(since(t));
  }
  scorer.dispose();
  const tm = summarize(topicMs);
  const fm = summarize(fullMs);
  console.log(`\n500-comment thread (SouthFront comments repeated), ms`);
  console.log(table(['stage', 'min', 'median', 'max'], [['off-topic only', tm.min, tm.median, Math.max(...topicMs)], ['full scoring incl. off-topic', fm.min, fm.median, Math.max(...fullMs)]]));

  const modelDir = values.model ?? path.join(packageRoot(), 'models', 'toxicity');
  const bytes = fs.readdirSync(modelDir).reduce((a, f) => a + fs.statSync(path.join(modelDir, f)).size, 0);
  console.log(`\nModel: ${(bytes / 1e6).toFixed(2)} MB on disk (${values.model ?? 'models/toxicity'}), load ${loadMs.toFixed(0)} ms (incl. backend init)`);
  if (sink === -1) console.log('');
}

const USAGE = 'usage: npm run bench [-- --rounds 5 --datasets DIR --backend wasm --model DIR --no-reference]';

/** The command line; an unknown or malformed option is MOD_ERR_INPUT with the usage. */
function options() {
  try {
    return parseArgs({ options: { rounds: { type: 'string', default: '5' }, datasets: { type: 'string' }, backend: { type: 'string' }, model: { type: 'string' }, 'no-reference': { type: 'boolean', default: false } } }).values;
  } catch (e) {
    throw new ModeratoError('MOD_ERR_INPUT', `${(e as Error).message}; ${USAGE}`);
  }
}

/** `read()`, or MOD_ERR_CONFIG naming what is missing: a machine without the shared data gets one line, not a stack trace. */
function need<T>(what: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = isModeratoError(e) ? e.message : err.code === 'ENOENT' ? `not found: ${err.path}` : String(e);
    throw new ModeratoError('MOD_ERR_CONFIG', `npm run bench needs ${what} (README, "Tests and data"); ${why}`);
  }
}

if (require.main === module) {
  main().catch((e) => {
    // A missing input is the user's to fix (one line); anything else is a bug, so its stack helps.
    process.stderr.write(isModeratoError(e) ? `bench: ${e.code}: ${e.message}\n` : `bench failed: ${e instanceof Error ? e.stack : e}\n`);
    process.exitCode = 1;
  });
}
