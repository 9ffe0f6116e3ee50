#!/usr/bin/env node
/**
 * `npm run train`: trains the toxicity model on the shared datasets and writes models/toxicity.
 * Seeded and reproducible on one backend. The token threshold tuned on tsd_trial is folded into
 * the token head's bias, so 0.5 is the shipped model's threshold.
 *
 *   npm run train -- [--datasets DIR] [--out DIR] [--seed N] [--epochs N] [--limit N] [--no-save]
 */
import * as path from 'path';
import { initBackend } from '../model/backend';
import { FEATURE_VERSION } from '../model/features';
import type { NetConfig } from '../model/net';
import { saveModel, type ModelMeta, type ModelWeights } from '../model/io';
import { HashedToxicityModel, defaultModelDir, logit } from '../model';
import { buildCorpus, type Corpus, type Example } from './examples';
import { makeBatches, rng, shuffle, trainNet, type TrainOptions } from './trainer';
import { predictAll, spanF1, tuneFallback, tuneThreshold } from './evaluate';

/** Parsed command-line options of the training CLI. */
export interface TrainCliOptions {
  datasets?: string;
  out: string;
  seed: number;
  epochs: number;
  limit?: number;
  save: boolean;
  /** Comment-level examples drawn per pool per epoch. */
  perPool: number;
}

/** Parses argv (without node and script). */
export function parseArgs(argv: string[]): TrainCliOptions {
  const o: TrainCliOptions = { out: defaultModelDir(), seed: 1, epochs: 8, save: true, perPool: 2500 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    if (a === '--datasets') o.datasets = v();
    else if (a === '--out') o.out = path.resolve(v());
    else if (a === '--seed') o.seed = Number(v());
    else if (a === '--epochs') o.epochs = Number(v());
    else if (a === '--limit') o.limit = Number(v());
    else if (a === '--per-pool') o.perPool = Number(v());
    else if (a === '--no-save') o.save = false;
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

/** The architecture shipped. */
export const NET_CONFIG: NetConfig = { buckets: 1 << 17, dim: 48, h1: 128, h2: 96, k1: 5, k2: 5, featureVersion: FEATURE_VERSION };

/** Default hyper-parameters. */
export function trainOptions(seed: number, epochs: number, log: (m: string) => void): TrainOptions {
  return { epochs, batchSize: 32, lr: 2e-3, embLr: 4e-3, dropout: 0.2, featureDrop: 0.1, maxTokens: 160, typeLossW: 0.3, commentLossW: 0.5, seed, log };
}

/** Everything a finished training produces. */
export interface TrainResult {
  meta: ModelMeta;
  weights: ModelWeights;
  seconds: number;
  trialF1: number;
}

/** Trains, tunes span post-processing on tsd_trial, and returns the model (not saved). */
export async function runTraining(o: TrainCliOptions, corpus?: Corpus, log: (m: string) => void = (m) => process.stderr.write(m + '\n')): Promise<TrainResult> {
  const t0 = Date.now();
  const backend = await initBackend();
  const c = corpus ?? buildCorpus({ buckets: NET_CONFIG.buckets, version: FEATURE_VERSION }, { datasets: o.datasets, limit: o.limit });
  log(`corpus: ${c.train.length} span examples, pools ${Object.entries(c.commentPools).map(([k, v]) => `${k} ${v.length}`).join(', ')}, trial ${c.trial.length}, ACL dev ${c.aclDev.length} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  const rand = rng(o.seed);
  const batches = (): Example[][] => {
    const epochSet = [...c.train];
    for (const pool of Object.values(c.commentPools)) epochSet.push(...shuffle([...pool], rand).slice(0, o.perPool));
    return makeBatches(epochSet, 32, rand);
  };
  const opts = trainOptions(o.seed, o.epochs, log);
  const weights = trainNet(NET_CONFIG, batches, opts);
  const meta: ModelMeta = { format: 'moderato-toxicity', name: 'moderato-toxicity', version: '1.0.0', config: NET_CONFIG, thresholds: {} };
  // Tune the token threshold on tsd_trial, fold it into the bias, then tune the fallback rule.
  let model = new HashedToxicityModel(meta, weights, backend);
  let preds = await predictAll(model, c.trial.map((p) => p.text));
  model.dispose();
  const thr = tuneThreshold(c.trial, preds);
  weights.dense.bt[0] -= logit(thr.threshold);
  model = new HashedToxicityModel(meta, weights, backend);
  preds = await predictAll(model, c.trial.map((p) => p.text));
  model.dispose();
  const fb = tuneFallback(c.trial, preds, 0.5);
  const trialF1 = spanF1(c.trial, preds, { threshold: 0.5, ...fb.opts });
  log(`tsd_trial: threshold ${thr.threshold} -> F1 ${thr.f1.toFixed(4)}; with fallback ${JSON.stringify(fb.opts)} -> F1 ${trialF1.toFixed(4)}`);
  const seconds = (Date.now() - t0) / 1000;
  meta.thresholds = { span: 0.5, spanRaw: thr.threshold, fallbackToxicity: fb.opts.fallbackToxicity, fallbackMinToken: fb.opts.fallbackMinToken, mergeAcrossPunct: fb.opts.mergeAcrossPunct ? 1 : 0, toxicity: 0.5 };
  meta.training = { seed: o.seed, epochs: o.epochs, backend, seconds: Math.round(seconds), trialF1: Number(trialF1.toFixed(4)), examples: c.train.length, perPool: o.perPool, limit: o.limit ?? null, options: { ...opts, log: undefined } };
  return { meta, weights, seconds, trialF1 };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const r = await runTraining(o);
  if (o.save) {
    const bytes = saveModel(o.out, r.meta, r.weights);
    process.stderr.write(`saved ${o.out} (${(bytes / 1e6).toFixed(2)} MB) after ${r.seconds.toFixed(0)} s\n`);
  }
  process.stdout.write(JSON.stringify({ trialF1: r.trialF1, seconds: Math.round(r.seconds), thresholds: r.meta.thresholds }) + '\n');
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
}
