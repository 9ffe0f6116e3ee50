/**
 * `node dist/src/train/topic/head-screen.js '[{"kind":"ridge","lambda":3},{"kind":"mlp","hidden":16,"epochs":8,"rate":0.003,"decay":0.001}]'`:
 * the comment head alone, out of fold (10 folds over CQA questions, seed 2015): ROC-AUC of each
 * head on the comment's vector, and of its mean with the first (ridge) head's. A quick screen of
 * head variants before a full `npm run train:topic`; its figures are not the stage's.
 */
import { loadCorpus, questionOrder } from './corpus';
import { Gram, loadTopicVectors } from './sentence-fit';
import { OFF_TOPIC_LABELS } from './data';
import { rocAuc } from './metrics';
import { fitMlp, mlpLogit } from '../../topic/mlp';
import { sigmoid } from '../../topic/logreg';

interface HeadConfig { kind: 'ridge' | 'mlp'; lambda?: number; hidden?: number; epochs?: number; rate?: number; decay?: number; bag?: number }

async function main(): Promise<void> {
  const corpus = loadCorpus();
  const table = await loadTopicVectors(corpus);
  const order = questionOrder(corpus, 2015);
  const foldOf = new Map(order.map((q, i) => [q, i % 10]));
  const rows: Array<{ f: number; v: Float32Array; y: number }> = [];
  for (const q of corpus.cqa) q.comments.forEach((c, i) => {
    const v = table.get(c.text);
    if (v) rows.push({ f: foldOf.get(q.qid)!, v, y: OFF_TOPIC_LABELS.has(q.labels[i]) ? 1 : 0 });
  });
  const y = rows.map((r) => r.y);
  let first: number[] | undefined;
  for (const cfg of JSON.parse(process.argv[2] ?? '[{"kind":"ridge","lambda":3}]') as HeadConfig[]) {
    const t0 = Date.now();
    const oof = rows.map(() => 0);
    for (let f = 0; f < 10; f++) {
      const tr = rows.filter((r) => r.f !== f);
      const te = rows.map((_, i) => i).filter((i) => rows[i].f === f);
      if (cfg.kind === 'ridge') {
        const g = new Gram(rows[0].v.length);
        tr.forEach((r) => g.add(r.v, r.y));
        const h = g.solve(cfg.lambda ?? 3);
        te.forEach((i) => (oof[i] = rows[i].v.reduce((s, x, j) => s + h.weights[j] * x, h.bias)));
      } else {
        const X = tr.map((r) => Array.from(r.v));
        const nets = Array.from({ length: cfg.bag ?? 1 }, (_, b) => fitMlp(X, tr.map((r) => r.y), undefined, { hidden: cfg.hidden, epochs: cfg.epochs, rate: cfg.rate, decay: cfg.decay, seed: 17 + b }));
        te.forEach((i) => (oof[i] = nets.reduce((s, m) => s + sigmoid(mlpLogit(m, rows[i].v)), 0) / nets.length));
      }
    }
    first ??= oof;
    const mean = rocAuc(oof.map((p, i) => (p + first![i]) / 2), y);
    process.stdout.write(`${JSON.stringify(cfg)} AUC ${rocAuc(oof, y).toFixed(4)}, mean with the first head ${mean.toFixed(4)} (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
