/**
 * `node dist/src/train/topic/southfront.js [--news-weight W --exclude a,b --lex-vocab cqa ...]`:
 * a quick look at a training variant on the SouthFront thread without the cross-validation: fit
 * every part on all questions, take the threshold from the fit's own scores (inner-fold classifier
 * logits, so close to but not the shipped rule, which uses out-of-fold scores), and print each
 * comment's score against the labels of `test/topic/fixtures/southfront-labels.json`. For
 * choosing which variants deserve a full `npm run train:topic`; its figures are not the model's.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadCorpus } from './corpus';
import { fitParts, jointThreshold } from './fit';
import { OffTopicModel, MODEL_FORMAT } from '../../topic/model';
import { featureNames } from '../../topic/features';
import { parseTopicArgs, trainOptions } from './report';
import { datasetsDir, packageRoot } from '../../util/paths';

function main(): void {
  const args = parseTopicArgs(process.argv.slice(2));
  const t0 = Date.now();
  const opts = trainOptions(args);
  const corpus = loadCorpus(args.datasets);
  const { parts, rows, trainScores, news } = fitParts(corpus, corpus.cqa.map((q) => q.qid), opts);
  const threshold = jointThreshold(trainScores, rows.map((r) => r.y), news.scores, news.y, opts.newsWeight);
  const wordVectors = opts.words ? { dim: opts.words.dim, words: opts.words.index.size, source: 'scratch' } : undefined;
  const model = new OffTopicModel({ format: MODEL_FORMAT, version: 'scratch', features: [...featureNames(!!opts.words)], ...parts, wordVectors, threshold, relatedCosine: 0, meta: {} }, opts.words);
  const thread = JSON.parse(fs.readFileSync(path.join(datasetsDir(args.datasets), '..', 'examples', 'southfront-thread.json'), 'utf8'));
  const labels: Record<string, { offTopic: boolean; clear: boolean }> = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'test', 'topic', 'fixtures', 'southfront-labels.json'), 'utf8')).labels;
  const scores = model.score(thread.article, thread.comments);
  let right = 0;
  let onMargin = Infinity;
  let offMargin = Infinity;
  const cells = thread.comments.map((c: { id: string }, i: number) => {
    const p = scores[i].offTopic!;
    const l = labels[c.id];
    const ok = p >= threshold === l.offTopic;
    if (ok) right++;
    if (l.clear) {
      if (l.offTopic) offMargin = Math.min(offMargin, p - threshold);
      else onMargin = Math.min(onMargin, threshold - p);
    }
    return `${c.id} ${p.toFixed(3)}${ok ? '' : ' (wrong)'}`;
  });
  process.stdout.write(`threshold ${threshold}; ${right}/21 as labelled; smallest clear margins: on-topic ${onMargin.toFixed(3)}, off-topic ${offMargin.toFixed(3)} (tests need 0.01)\n${cells.join('\n')}\n`);
  process.stdout.write(`blend weights ${parts.blend.weights.map((w) => w.toFixed(2)).join(', ')}; context ${parts.context.weights.map((w) => w.toFixed(2)).join(', ')}; ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
}

main();
