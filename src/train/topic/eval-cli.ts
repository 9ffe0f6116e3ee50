/**
 * `npm run eval:topic [-- --seeds 2015,2016,2017 --save-oof FILE --compare FILE --datasets DIR --folds K --exclude a,b ...]`:
 * the cross-validated off-topic figures (folds over CQA questions, 2015 and 2016 together, plus
 * the news checks), printed as JSON on stdout and as a table on stderr, once per seed and as
 * mean ± sd over the seeds. `--save-oof` keeps the first seed's out-of-fold rows; `--compare`
 * runs the paired bootstrap over questions of this run (first seed) against such a file. The
 * shipped model was trained on all questions, so its own in-sample figures would flatter it; CV
 * is the honest number.
 */
import * as fs from 'fs';
import * as os from 'os';
import { loadCorpus } from './corpus';
import { crossValidate, CvReport } from './cv';
import { formatCv, parseTopicArgs, trainOptions } from './report';
import { meanSd, pairedBootstrap, PairedRun } from './metrics';
import { loadOffTopicModel } from '../../topic';

function strip(cv: CvReport): Omit<CvReport, 'oof' | 'hard' | 'labels' | 'qids'> {
  const { oof: _o, hard: _h, labels: _l, qids: _q, ...figures } = cv;
  return figures;
}

function main(): void {
  const args = parseTopicArgs(process.argv.slice(2));
  const t0 = Date.now();
  const corpus = loadCorpus(args.datasets);
  const runs: CvReport[] = [];
  const opts = trainOptions(args);
  for (const seed of args.seeds ?? [2015]) {
    const t = Date.now();
    const cv = crossValidate(corpus, { ...opts, seed });
    process.stderr.write(`${formatCv(cv)}\n(seed ${seed}: ${((Date.now() - t) / 1000).toFixed(1)} s, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')})\n\n`);
    runs.push(cv);
  }
  const run: PairedRun = { scores: runs[0].oof, hard: runs[0].hard, labels: runs[0].labels, groups: runs[0].qids };
  if (args.saveOof) fs.writeFileSync(args.saveOof, JSON.stringify(run) + '\n');
  let bootstrap: unknown;
  if (args.compare) {
    const base = JSON.parse(fs.readFileSync(args.compare, 'utf8')) as PairedRun;
    const b = pairedBootstrap(base, run);
    bootstrap = { against: args.compare, ...b };
    const f = (x: { change: number; low: number; high: number }) => `${x.change >= 0 ? '+' : ''}${x.change.toFixed(4)} (95% ${x.low.toFixed(4)} to ${x.high.toFixed(4)})`;
    process.stderr.write(`paired bootstrap over questions (1,000 resamples) against ${args.compare}: AUC ${f(b.rocAuc)}; F1 ${f(b.f1)}\n`);
  }
  const over = runs.length > 1
    ? {
        seeds: runs.map((r) => r.seed),
        offTopicF1: meanSd(runs.map((r) => r.offTopic.f1)),
        rocAuc: meanSd(runs.map((r) => r.rocAuc)),
        c3F1: meanSd(runs.map((r) => r.news.c3.f1)),
        c3Auc: meanSd(runs.map((r) => r.news.c3.rocAuc)),
        foxAuc: meanSd(runs.map((r) => r.news.fox.rocAuc.mean)),
      }
    : undefined;
  if (over) process.stderr.write(`over seeds ${over.seeds.join(', ')}: off-topic F1 ${over.offTopicF1.mean.toFixed(3)} ± ${over.offTopicF1.sd.toFixed(3)}, ROC-AUC ${over.rocAuc.mean.toFixed(3)} ± ${over.rocAuc.sd.toFixed(3)}, C3 F1 ${over.c3F1.mean.toFixed(3)} / AUC ${over.c3Auc.mean.toFixed(3)}, Fox AUC ${over.foxAuc.mean.toFixed(3)}\n`);
  let shipped: Record<string, unknown> = {};
  try {
    const m = loadOffTopicModel(args.out);
    shipped = { version: m.version, threshold: m.threshold, relatedCosine: m.relatedCosine };
  } catch (e) {
    shipped = { error: (e as Error).message };
  }
  process.stderr.write(`total ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  process.stdout.write(JSON.stringify({ crossValidation: runs.map(strip), overSeeds: over, bootstrap, shipped }, null, 2) + '\n');
}

main();
