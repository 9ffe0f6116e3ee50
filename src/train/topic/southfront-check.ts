/**
 * `node dist/src/train/topic/southfront-check.js DIR`: the SouthFront check of the off-topic model
 * in DIR with the sentence vectors (from the shared cache): how many comments read as labelled,
 * the named margins, and every comment's score. For a model written with `--out`.
 */
import { loadOffTopicModel } from '../../topic';
import { articleText } from '../../topic/sentence';
import { embedCached } from '../embed-cache';
import { southfront, southfrontCheck } from './checks';
import { threadVectors } from './sentence-fit';

async function main(): Promise<void> {
  const sf = southfront();
  const texts = [articleText(sf.article), ...sf.comments.map((c) => c.text)];
  const vecs = await embedCached(texts);
  const vectors = threadVectors(new Map(texts.map((t, i) => [t, vecs[i]])), sf.article, sf.comments);
  const m = loadOffTopicModel(process.argv[2]);
  const r = southfrontCheck(m, undefined, vectors);
  const scores = m.score(sf.article, sf.comments, vectors);
  process.stdout.write(`${m.version} threshold ${m.threshold}: ${r.right}/${r.of} as labelled ${JSON.stringify(r.named)}\n${scores.map((x, i) => `${sf.comments[i].id} ${x.offTopic}`).join(' ')}\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
