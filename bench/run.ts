/**
 * `npm run bench`: throughput and latency of the scoring pipeline against the `obscenity` word
 * filter, on the same posts (tsd_trial) in the same process and run; plus the cost of off-topic
 * scoring on a 500-comment thread. One core: Node runs JS on one thread and the wasm backend is
 * built without threads here.
 *
 *   npm run bench [-- --rounds 5 --datasets PATH]
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { englishDataset, englishRecommendedTransformers, RegExpMatcher } from 'obscenity';
import { loadTsd, packageRoot } from '../src/data';
import { loadModel } from '../src/model';
import { assembleSpans } from '../src/spans';
import { createScorer } from '../src/scorer';
import { loadOffTopicModel } from '../src/topic';
import { tokenize } from '../src/text';
import type { CommentInput } from '../src/types';
import { since, summarize, table } from './stats';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, datasets: { type: 'string' }, backend: { type: 'string' } } });
  const rounds = Number(values.rounds);
  const posts = loadTsd('tsd_trial', values.datasets).map((p) => p.text);
  const totalChars = posts.reduce((a, t) => a + t.length, 0);
  process.stderr.write(`bench: ${posts.length} tsd_trial posts, mean ${Math.round(totalChars / posts.length)} chars; ${rounds} rounds\n`);

  // Baseline: obscenity's recommended English setup, finding every match (what a span filter needs).
  const matcher = new RegExpMatcher({ ...englishDataset.build(), ...englishRecommendedTransformers });
  const loadStart = process.hrtime.bigint();
  const model = await loadModel(undefined, { backend: values.backend });
  const loadMs = since(loadStart);

  const throughput: Record<string, number[]> = { obscenity: [], tokenize: [], moderato: [] };
  let sink = 0;
  for (let r = 0; r < rounds; r++) {
    let t = process.hrtime.bigint();
    for (const p of posts) sink += matcher.getAllMatches(p).length;
    throughput.obscenity.push(posts.length / (since(t) / 1000));

    t = process.hrtime.bigint();
    for (const p of posts) sink += tokenize(p).length;
    throughput.tokenize.push(posts.length / (since(t) / 1000));

    t = process.hrtime.bigint();
    for (let s = 0; s < posts.length; s += 64) {
      const batch = posts.slice(s, s + 64);
      const preds = await model.predict(batch);
      preds.forEach((pr, i) => (sink += assembleSpans(batch[i], pr).length));
    }
    throughput.moderato.push(posts.length / (since(t) / 1000));
  }

  // Single-comment latency: one comment per call, as an HTTP client sending one comment would.
  const single: number[] = [];
  const singleObscenity: number[] = [];
  const sample = posts.slice(0, 300);
  for (const p of sample) {
    let t = process.hrtime.bigint();
    const [pr] = await model.predict([p]);
    sink += assembleSpans(p, pr).length;
    single.push(since(t));
    t = process.hrtime.bigint();
    sink += matcher.getAllMatches(p).length;
    singleObscenity.push(since(t));
  }
  model.dispose();

  const med = (xs: number[]) => summarize(xs).median;
  console.log(`\nThroughput, comments/s on one core (tokenize + model + spans), batch 64, ${rounds} rounds`);
  console.log(
    table(
      ['pipeline', 'min', 'median', 'max'],
      Object.entries(throughput).map(([k, xs]) => [k, Math.min(...xs), med(xs), Math.max(...xs)]),
    ),
  );
  console.log(`ratio moderato / obscenity (median): ${(med(throughput.moderato) / med(throughput.obscenity)).toFixed(3)}`);

  const sl = summarize(single);
  const so = summarize(singleObscenity);
  console.log(`\nSingle-comment latency, ms (${sl.n} posts)`);
  console.log(table(['pipeline', 'min', 'p50', 'p99'], [['moderato', sl.min, sl.median, sl.p99], ['obscenity', so.min, so.median, so.p99]]));

  // Off-topic cost on a 500-comment thread built from the SouthFront example (replies kept).
  const thread = JSON.parse(fs.readFileSync(path.join(packageRoot(), '..', 'shared', 'examples', 'southfront-thread.json'), 'utf8'));
  const comments: CommentInput[] = [];
  for (let i = 0; comments.length < 500; i++) {
    const c = thread.comments[i % thread.comments.length];
    const round = Math.floor(i / thread.comments.length);
    comments.push({ id: `${c.id}-${round}`, text: c.text, parentId: c.parentId ? `${c.parentId}-${round}` : undefined });
  }
  const topic = loadOffTopicModel();
  const topicMs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t = process.hrtime.bigint();
    sink += topic.score(thread.article, comments).length;
    topicMs.push(since(t));
  }
  const scorer = await createScorer({ backend: values.backend });
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

  const modelDir = path.join(packageRoot(), 'models', 'toxicity');
  const bytes = fs.readdirSync(modelDir).reduce((a, f) => a + fs.statSync(path.join(modelDir, f)).size, 0);
  console.log(`\nModel: ${(bytes / 1e6).toFixed(2)} MB on disk (models/toxicity), load ${loadMs.toFixed(0)} ms (incl. backend init)`);
  if (sink === -1) console.log('');
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : e}\n`);
  process.exitCode = 1;
});
