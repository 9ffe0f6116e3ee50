/**
 * `npm run eval:topic [-- --datasets DIR --folds K --lambda L --exclude a,b]`: the
 * cross-validated off-topic figures (folds over CQA questions), printed as JSON on stdout and
 * as a table on stderr. The shipped model was trained on all CQA questions, so its own in-sample
 * figures would flatter it; CV is the honest number.
 */
import { loadCorpus, crossValidate } from '../topic/train';
import { formatCv, parseTopicArgs } from '../topic/report';
import { loadOffTopicModel } from '../topic';

function main(): void {
  const args = parseTopicArgs(process.argv.slice(2));
  const corpus = loadCorpus(args.datasets);
  const cv = crossValidate(corpus, { folds: args.folds, lambda: args.lambda, exclude: args.exclude, intruderRate: args.intruderRate, lexMinShare: args.lexMinShare, newsWeight: args.newsWeight, classifierLambdas: args.classifierLambdas });
  const { oof: _oof, labels: _labels, ...figures } = cv;
  let shipped: Record<string, unknown> = {};
  try {
    const m = loadOffTopicModel(args.out);
    shipped = { version: m.version, threshold: m.threshold, relatedCosine: m.relatedCosine };
  } catch (e) {
    shipped = { error: (e as Error).message };
  }
  process.stderr.write(formatCv(cv) + '\n');
  process.stdout.write(JSON.stringify({ crossValidation: figures, shipped }, null, 2) + '\n');
}

main();
