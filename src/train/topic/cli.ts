/**
 * `npm run train:topic [-- --datasets DIR --out DIR --folds K --lambda L --exclude a,b --news-weight W --save-oof FILE --compare FILE --sentence on|off --base-sources 2015[,2016] --stage-combine either|gate|max|none --stage-veto V]`:
 * cross-validate over CQA questions, train the off-topic model on all of them, write its
 * model.json and print the figures for the model card. With the sentence stage (the default;
 * vectors from the shared cache) the model goes to `models/offtopic/accurate` (the scorer's
 * accurate mode); with `--sentence off`, to `models/offtopic` (the fast mode's). The defaults
 * (base on 2015, stage on 2015 + 2016 combined by either with a veto of 0.2, seed 2015) reproduce the shipped files;
 * `--base-sources 2015,2016 --stage-combine none` is revision 2's base under the plain stage.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadCorpus } from './corpus';
import { crossValidate } from './cv';
import type { TrainOptions } from './fit';
import { trainOffTopic } from './final-fit';
import { packageRoot } from '../../util/paths';
import { formatCv, formatStage, parseTopicArgs, trainOptions } from './report';
import { loadTopicVectors } from './sentence-fit';
import { accurateTopicDir } from '../../topic/model';
import { WORDVEC_WORDS, WORDVEC_BIN } from '../../topic/wordvec';
import { pairedBootstrap, PairedRun } from './metrics';

async function main(): Promise<void> {
  const args = parseTopicArgs(process.argv.slice(2));
  const t0 = Date.now();
  const corpus = loadCorpus(args.datasets);
  const opts: TrainOptions = trainOptions(args);
  const table = args.sentence === 'off' ? undefined : await loadTopicVectors(corpus);
  const cv = crossValidate(corpus, opts, table);
  const run: PairedRun = { scores: cv.oof, hard: cv.hard, labels: cv.labels, groups: cv.qids };
  if (args.saveOof) fs.writeFileSync(args.saveOof, JSON.stringify(run) + '\n');
  if (args.compare) {
    const b = pairedBootstrap(JSON.parse(fs.readFileSync(args.compare, 'utf8')) as PairedRun, run);
    process.stderr.write(`paired bootstrap over questions against ${args.compare}: ${JSON.stringify(b)}\n`);
  }
  const model = trainOffTopic(corpus, cv, opts, table);
  const { oof: _oof, hard: _hard, labels: _labels, qids: _qids, ...figures } = cv;
  model.meta = { ...model.meta, crossValidation: { ...figures, sentence: figures.sentence?.variants }, trainMs: Date.now() - t0 };
  const out = args.out ?? (table ? accurateTopicDir() : path.join(packageRoot(), 'models', 'offtopic'));
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'model.json'), JSON.stringify(model) + '\n');
  // A model with vector features carries its table; one without must not leave a stale one behind.
  for (const f of [WORDVEC_WORDS, WORDVEC_BIN]) {
    const to = path.join(out, f);
    if (args.vectors && path.resolve(args.vectors) !== path.resolve(out)) fs.copyFileSync(path.join(args.vectors, f), to);
    else if (!args.vectors && fs.existsSync(to)) fs.rmSync(to);
  }
  process.stderr.write(`${formatCv(cv)}\n${formatStage(cv)}\nthreshold ${model.threshold}, relatedCosine ${model.relatedCosine}\n`);
  process.stderr.write(`wrote ${path.join(out, 'model.json')} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
