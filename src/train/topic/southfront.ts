/**
 * `node dist/src/train/topic/southfront.js [--news-weight W --exclude a,b --lex-vocab cqa --base-sources 2015 --sentence on ...]`:
 * a quick look at a training variant on the SouthFront thread without the cross-validation: fit
 * every part on all questions, take the threshold from the fit's own scores (inner-fold classifier
 * logits, so close to but not the shipped rule, which uses out-of-fold scores), and print each
 * comment's score against the labels of `test/topic/fixtures/southfront-labels.json`. With
 * `--sentence on` also the sentence stage's variants (vectors from the shared cache). For
 * choosing which variants deserve a full `npm run train:topic`; its figures are not the model's.
 */
import { loadCorpus } from './corpus';
import { fitBase, jointThreshold } from './fit';
import { scoreThreadFollowed } from '../../topic/model';
import { parseTopicArgs, trainOptions } from './report';
import { southfront } from './checks';
import { articleText } from '../../topic/sentence';
import { fitStage, loadTopicVectors, stageThread, stageVariants, threadVectors } from './sentence-fit';

function report(name: string, scores: number[], threshold: number, sf: ReturnType<typeof southfront>): string {
  let right = 0;
  let onMargin = Infinity;
  let offMargin = Infinity;
  const cells = sf.comments.map((c, i) => {
    const p = scores[i];
    const l = sf.labels[c.id];
    const ok = p >= threshold === l.offTopic;
    if (ok) right++;
    if (l.clear) {
      if (l.offTopic) offMargin = Math.min(offMargin, p - threshold);
      else onMargin = Math.min(onMargin, threshold - p);
    }
    return `${c.id} ${p.toFixed(3)}${ok ? '' : '!'}`;
  });
  return `${name}: threshold ${threshold.toFixed(3)}; ${right}/${sf.comments.length} as labelled; clear margins on ${onMargin.toFixed(3)} off ${offMargin.toFixed(3)}\n  ${cells.join(' ')}\n`;
}

async function main(): Promise<void> {
  const args = parseTopicArgs(process.argv.slice(2));
  const t0 = Date.now();
  const opts = trainOptions(args);
  const corpus = loadCorpus(args.datasets);
  const sf = southfront(args.datasets);
  const order = corpus.cqa.map((q) => q.qid);
  const { parts, rows, trainScores, news, hoods, authors } = fitBase(corpus, order, opts);
  const threshold = jointThreshold(trainScores, rows.map((r) => r.y), news.scores, news.y, opts.newsWeight);
  const b = scoreThreadFollowed(parts, sf.article, sf.comments);
  process.stdout.write(report('base', b.scores, threshold, sf));
  if (args.sentence === 'on') {
    const table = await loadTopicVectors(corpus, [articleText(sf.article), ...sf.comments.map((c) => c.text)]);
    const byQid = new Map(corpus.cqa.map((q) => [q.qid, q]));
    const innerOf = new Map(order.map((q, i) => [q, i % 5]));
    const st = fitStage(table, order.map((q) => byQid.get(q)!), rows, trainScores, (q) => innerOf.get(q)!, news, parts.blendRange, { hoods, authors }, { lambda: opts.lambda, newsWeight: opts.newsWeight, baseThreshold: threshold, variants: { full: stageVariants().full } });
    const tv = threadVectors(table, sf.article, sf.comments);
    for (const [name, v] of Object.entries(st.variants)) process.stdout.write(report(name, stageThread(st.head, v, b.scores, b.followed, tv, b.regime, b.hoods, b.authors, st.relevance), v.threshold, sf));
  }
  process.stdout.write(`${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
