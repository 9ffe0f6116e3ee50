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
import { formatCv, formatStage, parseTopicArgs, trainOptions } from './report';
import { loadTopicVectors, threadVectors } from './sentence-fit';
import { southfront, southfrontCheck } from './checks';
import { accurateTopicDir } from '../../topic/model';
import { articleText } from '../../topic/sentence';
import { meanSd, pairedBootstrap, PairedRun } from './metrics';
import { loadOffTopicModel } from '../../topic';

function strip(cv: CvReport): Omit<CvReport, 'oof' | 'hard' | 'labels' | 'qids'> {
  const { oof: _o, hard: _h, labels: _l, qids: _q, ...figures } = cv;
  return { ...figures, sentence: figures.sentence ? { variants: figures.sentence.variants, oof: [], hard: [] } : undefined };
}

/** Median seconds of `model.score` on a `size`-comment thread (SouthFront cycled, every third a reply), vectors given. */
function threadTiming(model: ReturnType<typeof loadOffTopicModel>, table: Map<string, Float32Array>, datasets: string | undefined, size = 500, rounds = 10): number {
  const sf = southfront(datasets);
  const comments = Array.from({ length: size }, (_, i) => ({ id: `b${i}`, text: sf.comments[i % sf.comments.length].text, parentId: i % 3 === 2 ? `b${i - 1}` : undefined }));
  const vectors = threadVectors(table, sf.article, comments);
  model.score(sf.article, comments, vectors);
  const ts: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t = process.hrtime.bigint();
    model.score(sf.article, comments, vectors);
    ts.push(Number(process.hrtime.bigint() - t) / 1e9);
  }
  return ts.sort((a, b) => a - b)[Math.floor(rounds / 2)];
}

async function main(): Promise<void> {
  const args = parseTopicArgs(process.argv.slice(2));
  const t0 = Date.now();
  const corpus = loadCorpus(args.datasets);
  const runs: CvReport[] = [];
  const opts = trainOptions(args);
  const sf = southfront(args.datasets);
  const table = args.sentence === 'off' ? undefined : await loadTopicVectors(corpus, [articleText(sf.article), ...sf.comments.map((c) => c.text)]);
  for (const seed of args.seeds ?? [2015]) {
    const t = Date.now();
    const cv = crossValidate(corpus, { ...opts, seed }, table);
    process.stderr.write(`${formatCv(cv)}\n${formatStage(cv)}\n(seed ${seed}: ${((Date.now() - t) / 1000).toFixed(1)} s, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')})\n\n`);
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
  const stageOver = runs[0].sentence
    ? Object.fromEntries(Object.keys(runs[0].sentence.variants).map((name) => {
        const vs = runs.map((r) => r.sentence!.variants[name]);
        return [name, { offTopicF1: meanSd(vs.map((v) => v.offTopic.f1)), rocAuc: meanSd(vs.map((v) => v.rocAuc)), c3F1: meanSd(vs.map((v) => v.c3.f1)), c3Auc: meanSd(vs.map((v) => v.c3.rocAuc)), foxAuc: meanSd(vs.map((v) => v.fox.rocAuc.mean)) }];
      }))
    : undefined;
  const ms = (x: { mean: number; sd: number }) => `${x.mean.toFixed(3)} ± ${x.sd.toFixed(3)}`;
  if (stageOver) {
    process.stderr.write(`sentence stage over seeds ${runs.map((r) => r.seed).join(', ')}: variant | CQA F1 | CQA AUC | C3 F1 | C3 AUC | Fox AUC\n`);
    for (const [name, v] of Object.entries(stageOver)) process.stderr.write(`${name} | ${ms(v.offTopicF1)} | ${ms(v.rocAuc)} | ${ms(v.c3F1)} | ${ms(v.c3Auc)} | ${ms(v.foxAuc)}\n`);
  }
  if (over) process.stderr.write(`over seeds ${over.seeds.join(', ')}: off-topic F1 ${over.offTopicF1.mean.toFixed(3)} ± ${over.offTopicF1.sd.toFixed(3)}, ROC-AUC ${over.rocAuc.mean.toFixed(3)} ± ${over.rocAuc.sd.toFixed(3)}, C3 F1 ${over.c3F1.mean.toFixed(3)} / AUC ${over.c3Auc.mean.toFixed(3)}, Fox AUC ${over.foxAuc.mean.toFixed(3)}\n`);
  let shipped: Record<string, unknown> = {};
  try {
    const m = loadOffTopicModel(args.out);
    shipped = { version: m.version, threshold: m.threshold, relatedCosine: m.relatedCosine, southfront: southfrontCheck(m, args.datasets) };
  } catch (e) {
    shipped = { error: (e as Error).message };
  }
  let accurate: Record<string, unknown> | undefined;
  if (table) {
    try {
      const m = loadOffTopicModel(accurateTopicDir());
      const sfCheck = southfrontCheck(m, args.datasets, threadVectors(table, sf.article, sf.comments));
      const seconds = threadTiming(m, table, args.datasets);
      accurate = { dir: accurateTopicDir(), version: m.version, threshold: m.threshold, southfront: sfCheck, thread500VectorsGivenSeconds: Math.round(seconds * 1e4) / 1e4 };
      const n = sfCheck.named;
      process.stderr.write(`accurate model ${m.version} (vectors given): SouthFront ${sfCheck.right}/${sfCheck.of} as labelled; c02 on topic by ${n.c02.margin}, c09 off by ${n.c09.margin}, c10 off by ${n.c10.margin} (threshold ${m.threshold}); 500-comment thread with vectors ${seconds.toFixed(3)} s median, one core\n`);
    } catch (e) {
      accurate = { error: (e as Error).message };
    }
  }
  process.stderr.write(`total ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  process.stdout.write(JSON.stringify({ crossValidation: runs.map(strip), overSeeds: over, stageOverSeeds: stageOver, bootstrap, shipped, accurate }, null, 2) + '\n');
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
