/**
 * `node dist/src/train/topic/embed-texts.js [DATASETS]`: fill the shared vector cache
 * (`.tmp/embeddings.db`) with every text the off-topic training and checks read (CQA questions
 * and comments, C3 comments and stand-in articles, Fox News, SouthFront), ahead of
 * `npm run train:topic` / `eval:topic`, which would otherwise embed them on their first run.
 * Run it under `nice`: it is tens of minutes of CPU. Safe to run beside other cache users.
 */
import { loadCorpus } from './corpus';
import { loadTopicVectors } from './sentence-fit';
import { southfront } from './checks';
import { articleText } from '../../topic/sentence';

async function main(): Promise<void> {
  const corpus = loadCorpus(process.argv[2]);
  const sf = southfront(process.argv[2]);
  const table = await loadTopicVectors(corpus, [articleText(sf.article), ...sf.comments.map((c) => c.text)]);
  process.stderr.write(`embed-texts: ${table.size} texts have their vector\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
