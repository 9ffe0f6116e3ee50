#!/usr/bin/env node
/**
 * `npm run train`: trains the toxicity model on the shared datasets and writes models/toxicity.
 * Seeded and reproducible on one backend. The token threshold tuned on tsd_trial is folded into
 * the token head's bias, so 0.5 is the shipped model's threshold.
 *
 *   npm run train -- [--datasets DIR] [--out DIR] [--seed N] [--epochs N] [--limit N] [--no-save] [--exclude ucc,c3]
 *
 * `--exclude SOURCES` trains a held-out base (src/train/exclude.ts): the named sets' texts leave
 * every pool, the calibration slice and the tuning sets, and model.json records them.
 */
import * as path from 'path';
import { initBackend } from '../model/backend';
import type { NetConfig } from '../model/net';
import { saveModel, type ModelMeta, type ModelWeights } from '../model/io';
import { HashedToxicityModel, defaultModelDir, gateCategories, logit } from '../model';
import { sigmoid } from '../util/math';
import { buildCorpus, type Corpus, type Example } from './examples';
import { inDev, textKey } from '../data';
import { CATEGORIES, type Category } from '../types';
import type { SpanPost } from '../data';
import type { CommentPrediction } from '../model/types';
import { makeBatches, trainNet, typeClassWeights, type TrainOptions } from './trainer';
import { mulberry32, shuffle } from '../util/prng';
import { spanF1, spanF1Reweighted, tuneFallback, tunePresence, tuneThreshold } from './evaluate';
import { extraPools, UCC_REPEAT } from './pools';
import { parseExclude } from './exclude';
import { loadWordVectors, type WordVectors } from './glove';
import { wordIndex } from '../model/features';
import { fitWidePart } from './wide';
import { tuneDecision } from './metrics';

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
  /** Overrides of hyper-parameters (`--set key=value`): TrainOptions, NetConfig or corpus weights. */
  overrides: Record<string, number>;
  /** Log tsd_trial F1 after every epoch (costs a few seconds per epoch). */
  evalEpochs: boolean;
  /** Sources held out whole (`--exclude ucc,c3`, src/train/exclude.ts): none of their texts trains or tunes anything. */
  exclude?: string[];
}

/**
 * The default `--seed`: the shipped model's, so `npm run train` reproduces it. 2 since model 2.5.0,
 * whose seed 1 lost the pinned SouthFront span "Muslim terrorists" (models/README.md, "2.5.0").
 */
export const SHIPPED_SEED = 2;

/** Parses argv (without node and script). */
export function parseArgs(argv: string[]): TrainCliOptions {
  const o: TrainCliOptions = { out: defaultModelDir(), seed: SHIPPED_SEED, epochs: 2, save: true, perPool: 4000, overrides: {}, evalEpochs: false, exclude: [] };
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
    else if (a === '--eval-epochs') o.evalEpochs = true;
    else if (a === '--exclude') o.exclude = parseExclude(v());
    else if (a === '--set') {
      const [k, x] = v().split('=');
      if (!k || !Number.isFinite(Number(x))) throw new Error(`--set expects key=number`);
      o.overrides[k] = Number(x);
    }
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

/** The architecture shipped. Feature v1: word bigrams (v2, `--set featureVersion=2`) gave +0.0035 on tsd_trial for one seed, within seed noise. */
export const NET_CONFIG: NetConfig = { buckets: 1 << 17, dim: 48, h1: 64, h2: 64, k1: 5, k2: 3, featureVersion: 1, globalContext: true, commentHidden: 64, presence: true };

/** Model v2's extra pools (src/train/pools.ts): fewer per epoch than the first pools, so the span data keeps its share. */
const EXTRA_POOLS = new Set(['ghc', 'implicit_hate', 'edos', 'stormfront', 'hateval', 'hatexplain', 'paradetox']);

/**
 * Comments drawn per epoch from a pool: `perPool` (4,000), the news pool C3 1.5x (the domain a
 * news site moderates), each extra pool `extraPerPool` (2,500); `--set perPool.NAME=N` sets one pool's.
 */
export function perPoolOf(name: string, perPool: number, ov: Record<string, number>): number {
  const own = ov[`perPool.${name}`];
  if (own !== undefined) return own;
  if (name === 'c3') return Math.round(perPool * (ov.c3Share ?? 1.5));
  if (EXTRA_POOLS.has(name)) return Math.round(ov.extraPerPool ?? (perPool * 5) / 8);
  return perPool;
}

/** Pretrained word rows by frequency (plus the corpus's own words); `--set wordTop=0` trains without them. */
export const WORD_TOP = 50000;

/** Default hyper-parameters. */
export function trainOptions(seed: number, epochs: number, log: (m: string) => void): TrainOptions {
  return { epochs, batchSize: 32, lr: 2e-3, embLr: 4e-3, dropout: 0.2, featureDrop: 0.1, maxTokens: 160, typeLossW: 0.3, commentLossW: 1, lrEnd: 0.1, domainBias: 0.001, seed, log };
}

/** Predicts with a throw-away model built from in-memory weights. */
function model0(meta: ModelMeta, weights: ModelWeights, backend: string, texts: string[]): CommentPrediction[] {
  const m = new HashedToxicityModel(meta, weights, backend);
  try {
    return m.predictSync(texts);
  } finally {
    m.dispose();
  }
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
  const ov = o.overrides;
  const net: NetConfig = { ...NET_CONFIG };
  for (const k of [...Object.keys(net), 'globalContext', 'commentHidden']) if (k in ov) (net as unknown as Record<string, number | boolean>)[k] = k === 'globalContext' || k === 'presence' ? ov[k] === 1 : ov[k];
  // Pretrained word rows: the `wordTop` most frequent words plus the corpus's words seen twice.
  let wv: WordVectors | undefined;
  const useWords = !corpus && (ov.wordTop ?? WORD_TOP) > 0;
  const chooseWords = (counts: Map<string, number>) => {
    const extra = [...counts].filter(([, n]) => n >= 2).map(([w]) => w);
    wv = loadWordVectors({ top: ov.wordTop ?? WORD_TOP, extra });
    return wordIndex(wv.words, net.buckets);
  };
  const c = corpus ?? buildCorpus({ buckets: net.buckets, version: net.featureVersion }, { datasets: o.datasets, limit: o.limit, aclSpanW: ov.aclSpanW, cleanSpanW: ov.cleanSpanW, identityRepeat: ov.identityRepeat, identitySwaps: ov.identitySwaps, identitySpanW: ov.identitySpanW, obfuscateShare: ov.obfuscateShare, exclude: o.exclude, chooseWords: useWords ? chooseWords : undefined,
    extraPools: ov.extraPools === 0 ? undefined : extraPools({ datasets: o.datasets, weakSpanW: ov.weakSpanW, cleanSpanW: ov.cleanSpanW, hateNegW: ov.hateNegW, contrastPerKind: ov.contrastPerKind, uccRepeat: ov.uccRepeat }) });
  const vectors = wv as WordVectors | undefined;
  if (vectors) {
    net.words = vectors.words.length;
    log(`pretrained word rows: ${vectors.words.length} (${vectors.dim}-d, projected to ${net.dim})`);
  }
  log(`corpus: ${c.train.length} span examples, pools ${Object.entries(c.commentPools).map(([k, v]) => `${k} ${v.length}`).join(', ')}, trial ${c.trial.length}, ACL dev ${c.aclDev.length} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  // Calibration slice: 5% of every comment pool and of the ACL-only posts (by text hash, the same
  // for every seed), never trained on; the per-category thresholds are tuned on it.
  const calibration: Example[] = [];
  const isCal = (e: Example): boolean => inDev(textKey(e.text), 0.05, 'calibration');
  for (const [name, pool] of Object.entries(c.commentPools)) c.commentPools[name] = pool.filter((e) => !(isCal(e) && calibration.push(e)));
  const spanTrain = c.train.filter((e) => !(e.source === 'acl' && isCal(e) && calibration.push(e)));
  const rand = mulberry32(o.seed);
  const batches = (): Example[][] => {
    const epochSet = [...spanTrain];
    for (const [name, pool] of Object.entries(c.commentPools)) epochSet.push(...shuffle([...pool], rand).slice(0, perPoolOf(name, o.perPool, ov)));
    return makeBatches(epochSet, 32, rand);
  };
  const opts = trainOptions(o.seed, o.epochs, log);
  opts.wordVectors = vectors;
  for (const k of Object.keys(opts) as Array<keyof TrainOptions>) if (k in ov) (opts as unknown as Record<string, number>)[k] = ov[k];
  if (!ov.noTypeBalance) opts.typeClassWeights = typeClassWeights(c.train);
  const meta: ModelMeta = { format: 'moderato-toxicity', name: 'moderato-toxicity', version: '2.5.0', config: net, thresholds: {} };
  if (o.evalEpochs) {
    opts.onEpoch = (epoch, w) => {
      w.words = vectors?.words;
      const m = new HashedToxicityModel(meta, w, backend);
      const p = m.predictSync(c.trial.map((x) => x.text));
      m.dispose();
      const t = tuneThreshold(c.trial, p);
      log(`  epoch ${epoch + 1}: tsd_trial F1 ${t.f1.toFixed(4)} at threshold ${t.threshold} (no fallback)`);
    };
  }
  const weights = trainNet(net, batches, opts);
  weights.words = vectors?.words;
  // Per-category thresholds tuned on the calibration slice and folded into the comment biases,
  // so `category >= 0.5` is each category's tuned decision (the API keeps one threshold).
  const calPreds = model0(meta, weights, backend, calibration.map((e) => e.text));
  const categoryShift: Record<string, number> = {};
  CATEGORIES.forEach((cat, k) => {
    const scores: number[] = [];
    const gold: number[] = [];
    calibration.forEach((e, i) => {
      if (!e.comM[1 + k]) return;
      scores.push(calPreds[i].categories[cat]);
      gold.push(e.comY[1 + k] >= 0.5 ? 1 : 0);
    });
    const t = tuneDecision(scores, gold);
    if (t) {
      weights.dense.bc[1 + k] -= logit(t.threshold);
      categoryShift[cat] = t.threshold;
      log(`category ${cat}: threshold ${t.threshold} (F1 ${t.f1.toFixed(3)} on ${gold.length} calibration comments, ${gold.filter((g) => g).length} positive) folded into the bias`);
    }
  });
  // The wide part (model 2.3.0): trained on the same comments, blended on the calibration slice.
  if (ov.wide !== 0) {
    const w0 = Date.now();
    // The network's categories as the saved model computes them: with the thresholds folded in.
    const calCategories = calPreds.map((p) => Object.fromEntries(CATEGORIES.map((cat) => [cat, cat in categoryShift ? sigmoid(logit(p.categories[cat]) - logit(categoryShift[cat])) : p.categories[cat]])) as Record<Category, number>);
    const wide = fitWidePart({ spanTrain, pools: c.commentPools, drawsPerEpoch: (name) => perPoolOf(name, o.perPool, ov), calibration, calToxicity: calPreds.map((p) => p.toxicity), calCategories, overrides: ov, seed: o.seed });
    meta.wide = wide.config;
    weights.wide = wide.weights;
    weights.wideHeads = wide.heads;
    for (const line of wide.headLog) log(line);
    log(`wide part: ${wide.rows} comments, 2^${wide.config.bits} weights, char n-grams ${wide.config.charN.join(',')}, loss ${wide.loss.toFixed(4)}; blend on ${wide.calRows} calibration comments ${JSON.stringify(wide.config.blend)} (${((Date.now() - w0) / 1000).toFixed(0)} s)`);
  }
  // Categories capped by toxicity (model 2.4.0, `gateCategories`), the cap tuned on the calibration slice.
  const gate = ov.categoryGate === 0 ? null : tuneCategoryGate(calibration, model0(meta, weights, backend, calibration.map((e) => e.text)));
  if (gate) log(`category gate: a category reaches 0.5 only at toxicity >= ${gate.f} (flag F1 on the calibration slice ${gate.f1.toFixed(4)}, ungated ${gate.f1Ungated.toFixed(4)})`);
  // Tune the token threshold on tsd_trial, fold it into the bias, then tune the fallback rule.
  let preds = model0(meta, weights, backend, c.trial.map((p) => p.text));
  const thr = tuneThreshold(c.trial, preds);
  weights.dense.bt[0] -= logit(thr.threshold);
  preds = model0(meta, weights, backend, c.trial.map((p) => p.text));
  // The fallback (best token of a toxic-looking comment) is tuned on tsd_trial mixed with as
  // many clean dev comments, so it does not fire on clean comments just because tsd_trial is
  // 94% toxic. The clean half used here is not the half `npm run eval` reports on.
  const cleanTune: SpanPost[] = c.cleanTune.slice(0, Math.max(c.trial.length, 1)).map((r) => ({ id: r.id, text: r.text, goldCp: [], ranges: [] }));
  const cleanPreds = model0(meta, weights, backend, cleanTune.map((p) => p.text));
  const mixPosts = [...c.trial, ...cleanTune];
  const mixPreds = [...preds, ...cleanPreds];
  const fb = tuneFallback(mixPosts, mixPreds, 0.5);
  const fbTrial = tuneFallback(c.trial, preds, 0.5);
  // Span presence (Model v2): report nothing when the model says the comment has no explicit span.
  const pres = tunePresence(c.trial, preds, { threshold: 0.5, ...fb.opts }, { posts: mixPosts, preds: mixPreds });
  if (!net.presence) pres.presenceMin = 0;
  const spanOpts = { threshold: 0.5, ...fb.opts, presenceMin: pres.presenceMin, minToxicity: pres.minToxicity };
  const trialF1 = spanF1(c.trial, preds, spanOpts);
  const trialF1Rw = spanF1Reweighted(c.trial, preds, spanOpts);
  const mixF1 = spanF1(mixPosts, mixPreds, spanOpts);
  log(`tsd_trial: threshold ${thr.threshold} -> F1 ${thr.f1.toFixed(4)} (no fallback); fallback tuned on trial alone ${JSON.stringify(fbTrial.opts)} -> ${fbTrial.f1.toFixed(4)}`);
  log(`shipped fallback (tuned on trial + ${cleanTune.length} clean) ${JSON.stringify(fb.opts)}, presenceMin ${pres.presenceMin}, minToxicity ${pres.minToxicity}: tsd_trial F1 ${trialF1.toFixed(4)} (empty gold at 20%: ${trialF1Rw.toFixed(4)}), tuning-mix F1 ${mixF1.toFixed(4)}`);
  const seconds = (Date.now() - t0) / 1000;
  meta.thresholds = { span: 0.5, spanRaw: thr.threshold, fallbackToxicity: fb.opts.fallbackToxicity, fallbackMinToken: fb.opts.fallbackMinToken, mergeAcrossPunct: fb.opts.mergeAcrossPunct ? 1 : 0, presenceMin: pres.presenceMin, spanMinToxicity: pres.minToxicity, toxicity: 0.5, ...(gate && gate.f > 0 ? { categoryMinToxicity: gate.f } : {}) };
  meta.training = { ...(o.exclude?.length ? { exclude: o.exclude } : {}), overrides: ov, uccRepeat: c.commentPools.ucc ? (ov.uccRepeat ?? UCC_REPEAT) : 0, seed: o.seed, epochs: o.epochs, backend, seconds: Math.round(seconds), categoryThresholds: categoryShift, calibrationComments: calibration.length, trialF1: Number(trialF1.toFixed(4)), trialF1Reweighted: Number(trialF1Rw.toFixed(4)), trialF1NoFallback: Number(thr.f1.toFixed(4)), trialF1TrialTunedFallback: Number(fbTrial.f1.toFixed(4)), tuningMixF1: Number(mixF1.toFixed(4)), examples: c.train.length, perPool: o.perPool, limit: o.limit ?? null, options: { ...opts, log: undefined, wordVectors: undefined } };
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

/**
 * The toxicity f under which no category may reach 0.5 (`gateCategories`): the f of 0, 0.05, ...,
 * 0.5 whose "flagged" (toxicity or any category at 0.5) has the best F1 against the toxicity
 * labels of the calibration comments, weighed by their masks (the smallest f on a tie).
 */
export function tuneCategoryGate(calibration: Array<Pick<Example, 'comY' | 'comM'>>, preds: Array<Pick<CommentPrediction, 'toxicity' | 'categories'>>): { f: number; f1: number; f1Ungated: number } {
  const f1At = (f: number): number => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    calibration.forEach((e, i) => {
      const w = e.comM[0];
      if (!w) return;
      const p = { toxicity: preds[i].toxicity, categories: { ...preds[i].categories } };
      if (f > 0) gateCategories(p, f);
      const flagged = p.toxicity >= 0.5 || CATEGORIES.some((c) => p.categories[c] >= 0.5);
      const toxic = e.comY[0] >= 0.5;
      if (flagged && toxic) tp += w;
      else if (flagged) fp += w;
      else if (toxic) fn += w;
    });
    return tp ? (2 * tp) / (2 * tp + fp + fn) : 0;
  };
  let best = { f: 0, f1: f1At(0) };
  const f1Ungated = best.f1;
  for (let k = 1; k <= 10; k++) {
    const f = k / 20;
    const f1 = f1At(f);
    if (f1 > best.f1) best = { f, f1 };
  }
  return { ...best, f1Ungated };
}
