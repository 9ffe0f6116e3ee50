/**
 * Off-topic scoring cost on a 500-comment thread (the SouthFront comments cycled, every third one
 * a reply), against a baseline measured in the same run: only splitting the texts into topic terms.
 * With the accurate model (models/offtopic/accurate, or --accurate DIR) also its sentence stage,
 * the vectors given as the scorer's accurate mode gives them (embedded before timing).
 *
 *   npx tsc -p . && node dist/bench/topic.js [--rounds 20] [--size 500] [--model DIR] [--accurate DIR]
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { accurateTopicDir, articleText, loadOffTopicModel, topicTerms } from '../src/topic';
import { loadEncoder } from '../src/encoder';
import { datasetsDir } from '../src/data/io';
import type { CommentInput } from '../src/types';
import { since, summarize, table } from './stats';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '20' }, size: { type: 'string', default: '500' }, model: { type: 'string' }, accurate: { type: 'string' } } });
  const rounds = Number(values.rounds);
  const size = Number(values.size);
  const file = path.join(datasetsDir(), '..', 'examples', 'southfront-thread.json');
  const src = JSON.parse(fs.readFileSync(file, 'utf8'));
  const comments: CommentInput[] = Array.from({ length: size }, (_, i) => {
    const c = src.comments[i % src.comments.length];
    return { id: `b${i}`, text: c.text, author: c.author, parentId: i % 3 === 2 ? `b${i - 1}` : undefined };
  });
  const t0 = process.hrtime.bigint();
  const model = loadOffTopicModel(values.model);
  const loadMs = since(t0);
  const times: Record<string, number[]> = { 'topic terms only (baseline)': [], 'offTopic score()': [] };
  let sink = 0;
  model.score(src.article, comments); // warm-up: JIT and the stem cache
  const accDir = values.accurate ?? accurateTopicDir();
  const accurate = fs.existsSync(path.join(accDir, 'model.json')) ? loadOffTopicModel(accDir) : undefined;
  let vectors: { article: Float32Array | null; comments: Float32Array[] } | undefined;
  if (accurate) {
    const enc = await loadEncoder({ cacheSize: 0 });
    const texts: string[] = src.comments.map((c: { text: string }) => c.text);
    const vecs = await enc.embed([...texts, articleText(src.article)]);
    await enc.dispose();
    vectors = { article: vecs[texts.length], comments: comments.map((_, i) => vecs[i % texts.length]) };
    times[`accurate ${accurate.version} score(), vectors given`] = [];
    accurate.score(src.article, comments, vectors);
  }
  for (let r = 0; r < rounds; r++) {
    let t = process.hrtime.bigint();
    for (const c of comments) sink += topicTerms(c.text).length;
    times['topic terms only (baseline)'].push(since(t));
    t = process.hrtime.bigint();
    sink += model.score(src.article, comments).length;
    times['offTopic score()'].push(since(t));
    if (accurate) {
      t = process.hrtime.bigint();
      sink += accurate.score(src.article, comments, vectors).length;
      times[`accurate ${accurate.version} score(), vectors given`].push(since(t));
    }
  }
  const rows = Object.entries(times).map(([name, ms]) => {
    const s = summarize(ms);
    return [name, s.min, s.median, s.p99, Math.round((size / s.median) * 1000)];
  });
  process.stdout.write(`off-topic bench: ${size}-comment thread, ${rounds} rounds, model load ${loadMs.toFixed(0)} ms (sink ${sink})\n`);
  process.stdout.write(table(['what', 'min ms', 'median ms', 'p99 ms', 'comments/s'], rows) + '\n');
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
