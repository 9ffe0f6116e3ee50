/**
 * Feasibility probe of fine-tuning the sentence encoder on CPU (issue 27): measurements only, no
 * model written. Modes:
 *
 *   node dist/src/train/encoder-tune/probe.js equiv [--n 50] [--backend wasm]
 *     the trainable tfjs pass against the runtime encoder (ONNX) on real comments, padded batches
 *   node dist/src/train/encoder-tune/probe.js speed [--backend wasm|cpu] [--batch 16] [--pieces 64] [--steps 6] [--scopes all,layers,top] [--threads 1]
 *     forward + backward + Adam step with a logistic toxicity head, comments/s per scope
 *   node dist/src/train/encoder-tune/probe.js tune [--train 3000] [--seconds 300] [--scope top] [--eval 800] [--lr 1e-4]
 *     a small fine-tune on the heads' training rows (HateXplain rows left out), then logistic layers
 *     on frozen vs tuned vectors scored on a HateXplain validation sample
 *
 * Comments are batched by length (shuffled, then sorted within windows of 50 batches), as a real
 * trainer would, so padding costs little.
 */
import * as tf from '@tensorflow/tfjs';
import { loadTokenizer, type Tokenizer } from '../../encoder';
import { loadOnnxEncoder } from '../../encoder/onnx';
import { loadHatexplain, loadTsd, stableHash } from '../../data';
import { initBackend } from '../../model/backend';
import { solve, margins, type Design } from '../../adapt/logistic';
import { rocAuc } from '../metrics';
import { headsData } from '../heads/data';
import { padBatch, TunableEncoder, type TuneScope } from './model';

type Args = Record<string, string>;

function parseArgs(argv: string[]): { mode: string; args: Args } {
  const [mode = 'speed', ...rest] = argv;
  const args: Args = {};
  for (let i = 0; i < rest.length; i++) {
    if (!rest[i].startsWith('--')) throw new Error(`unexpected argument ${rest[i]}`);
    args[rest[i].slice(2)] = rest[i + 1];
    i++;
  }
  return { mode, args };
}

async function setup(args: Args): Promise<string> {
  const backend = await initBackend(args.backend ?? 'wasm');
  if (backend === 'wasm') {
    // Report the threads the wasm kernels actually run on (the threaded build needs SharedArrayBuffer workers).
    const wasm = require('@tensorflow/tfjs-backend-wasm') as { getThreadsCount(): number };
    process.stderr.write(`wasm threads: ${wasm.getThreadsCount()}\n`);
  }
  return backend;
}

/** Index batches of `size` grouped by length: shuffled by a seeded hash, sorted within windows of 50 batches. */
export function lengthBatches(lengths: number[], size: number, seed: number): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => stableHash(String(a), seed) - stableHash(String(b), seed));
  const out: number[][] = [];
  const window = size * 50;
  for (let w = 0; w < order.length; w += window) {
    const part = order.slice(w, w + window).sort((a, b) => lengths[a] - lengths[b]);
    for (let i = 0; i + size <= part.length; i += size) out.push(part.slice(i, i + size));
  }
  // Shuffle the batches so a step's length does not follow the window's order.
  return out.sort((a, b) => stableHash(a.join(','), seed + 1) - stableHash(b.join(','), seed + 1));
}

/** Vectors of `ids` from the tfjs pass, in batches of 32 by length. */
export function embedAll(enc: TunableEncoder, ids: Int32Array[], maxPieces: number): Float32Array[] {
  const out: Float32Array[] = new Array(ids.length);
  const order = ids.map((_, i) => i).sort((a, b) => ids[a].length - ids[b].length);
  for (let i = 0; i < order.length; i += 32) {
    const part = order.slice(i, i + 32);
    const batch = padBatch(part.map((k) => ids[k]), maxPieces);
    const v = enc.embed(batch);
    const data = v.dataSync() as Float32Array;
    part.forEach((k, j) => (out[k] = data.slice(j * 512, (j + 1) * 512)));
    tf.dispose([v, batch.ids, batch.mask]);
  }
  return out;
}

async function equiv(args: Args): Promise<void> {
  const backend = await setup(args);
  const n = Number(args.n ?? 50);
  const tok = loadTokenizer();
  // Varied comments: toxic-span posts (news comments, Civil Comments), HateXplain posts (Twitter, Gab), odd inputs.
  const tsd = loadTsd('tsd_trial').map((p) => p.text);
  const hx = loadHatexplain('dev').map((p) => p.text);
  const texts = [...tsd.filter((_, i) => i % 13 === 0).slice(0, n / 2 - 3), ...hx.filter((_, i) => i % 41 === 0).slice(0, n / 2), 'word '.repeat(200), '', '😀😀 ﬁne'];
  const ids = texts.map((t) => tok.ids(t));
  const onnx = await loadOnnxEncoder({ maxBatch: 1 });
  const want = await onnx.embedIds(ids);
  await onnx.dispose();
  const enc = new TunableEncoder();
  let worst = 0;
  for (const size of [1, 16]) {
    const got = size === 1 ? ids.map((x) => embedAll(enc, [x], 128)[0]) : embedAll(enc, ids, 128);
    const d = Math.max(...got.map((v, i) => Math.max(...v.map((y, k) => Math.abs(y - want[i][k])))));
    worst = Math.max(worst, d);
    console.log(JSON.stringify({ backend, texts: texts.length, pieces: ids.map((x) => Math.min(x.length, 128)).reduce((a, b) => a + b, 0), batch: size === 1 ? 'one per call' : 'padded batches of 32 by length', maxAbsDiff: d }));
  }
  enc.dispose();
  if (!(worst < 1e-4)) process.exitCode = 1;
}

interface StepResult {
  scope: TuneScope;
  commentsPerSec: number;
  commentsPerCpuSec: number;
  forwardPerSec: number;
  forwardPerCpuSec: number;
  piecesPerComment: number;
  paddedPerComment: number;
}

/** One Adam step over a batch: logistic head on the vector, mean sigmoid cross-entropy. */
function trainStep(enc: TunableEncoder, head: { w: tf.Variable; b: tf.Variable }, opt: tf.Optimizer, vars: tf.Variable[], ids: Int32Array[], y: number[], maxPieces: number): number {
  const batch = padBatch(ids, maxPieces);
  const labels = tf.tensor2d(y, [y.length, 1]);
  const loss = opt.minimize(() => {
    const v = enc.embed(batch);
    const logits = tf.add(tf.matMul(v, head.w), head.b);
    return tf.losses.sigmoidCrossEntropy(labels, logits) as tf.Scalar;
  }, true, vars)!;
  const value = loss.dataSync()[0];
  tf.dispose([loss, labels, batch.ids, batch.mask]);
  return value;
}

function newHead(): { w: tf.Variable; b: tf.Variable } {
  return { w: tf.variable(tf.zeros([512, 1]), true, 'head/w'), b: tf.variable(tf.zeros([1]), true, 'head/b') };
}

async function speed(args: Args): Promise<void> {
  const backend = await setup(args);
  const batchSize = Number(args.batch ?? 16);
  const maxPieces = Number(args.pieces ?? 64);
  const steps = Number(args.steps ?? 6);
  const scopes = (args.scopes ?? 'all,layers,top').split(',') as TuneScope[];
  const tok = loadTokenizer();
  // Real comments: the toxic-span training posts (Civil Comments), label = any toxic span.
  const posts = loadTsd('tsd_train');
  const ids = posts.map((p) => tok.ids(p.text));
  const y = posts.map((p) => (p.ranges.length ? 1 : 0));
  const batches = lengthBatches(ids.map((x) => Math.min(x.length, maxPieces)), batchSize, 7);
  const enc = new TunableEncoder();
  const results: StepResult[] = [];
  let at = 0;
  const next = (): number[] => batches[at++ % batches.length];
  for (const scope of scopes) {
    const head = newHead();
    const opt = tf.train.adam(1e-4);
    const vars = [...enc.trainable(scope), head.w, head.b];
    const w = next();
    trainStep(enc, head, opt, vars, w.map((i) => ids[i]), w.map((i) => y[i]), maxPieces); // warm-up: kernels, optimizer slots
    let pieces = 0;
    let padded = 0;
    let n = 0;
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let s = 0; s < steps; s++) {
      const b = next();
      const bi = b.map((i) => ids[i]);
      pieces += bi.reduce((a, x) => a + Math.min(x.length, maxPieces), 0);
      padded += b.length * Math.max(...bi.map((x) => Math.min(x.length, maxPieces)));
      n += b.length;
      trainStep(enc, head, opt, vars, bi, b.map((i) => y[i]), maxPieces);
    }
    const sec = Number(process.hrtime.bigint() - t0) / 1e9;
    const cu = process.cpuUsage(c0);
    const cpuSec = (cu.user + cu.system) / 1e6;
    // Forward only, same batches' kind, for the backward's share.
    const f0 = process.hrtime.bigint();
    const fc0 = process.cpuUsage();
    let fn = 0;
    for (let s = 0; s < steps; s++) {
      const bi = next().map((i) => ids[i]);
      fn += bi.length;
      const batch = padBatch(bi, maxPieces);
      const v = enc.embed(batch);
      v.dataSync();
      tf.dispose([v, batch.ids, batch.mask]);
    }
    const fsec = Number(process.hrtime.bigint() - f0) / 1e9;
    const fcu = process.cpuUsage(fc0);
    const fcpu = (fcu.user + fcu.system) / 1e6;
    opt.dispose();
    tf.dispose([head.w, head.b]);
    // Per CPU-second as well as per wall second: on a shared machine the wall rate is the share we got.
    const r: StepResult = { scope, commentsPerSec: n / sec, commentsPerCpuSec: n / cpuSec, forwardPerSec: fn / fsec, forwardPerCpuSec: fn / fcpu, piecesPerComment: pieces / n, paddedPerComment: padded / n };
    results.push(r);
    // Two cores as two data-parallel workers of one thread each (ideal scaling), at the CPU-time rate.
    const perEpoch = (k: number) => +(k / r.commentsPerCpuSec / 3600 / 2).toFixed(2);
    console.log(JSON.stringify({ backend, batch: batchSize, maxPieces, steps, ...r, hoursPerEpochOn2Cores: { '20k': perEpoch(20_000), '100k': perEpoch(100_000), '200k': perEpoch(200_000) }, tensors: tf.memory().numTensors }));
  }
  enc.dispose();
}

/** Logistic regression on vectors (L-BFGS, ridge `lambda` on a summed loss). */
export function fitLogistic(x: Float32Array[], y: number[], lambda = 1): (v: Float32Array[]) => Float64Array {
  const d = 512;
  const design: Design = { x: new Float32Array(x.length * d), n: x.length, d };
  x.forEach((v, i) => design.x.set(v, i * d));
  const { params } = solve({ design, rows: Int32Array.from(x.keys()), y: Uint8Array.from(y), s: new Float64Array(x.length).fill(1), w0: new Float64Array(d + 1), lambda }, { maxIter: 300 });
  return (v) => {
    const dz: Design = { x: new Float32Array(v.length * d), n: v.length, d };
    v.forEach((r, i) => dz.x.set(r, i * d));
    return margins(dz, Int32Array.from(v.keys()), params);
  };
}

async function tune(args: Args): Promise<void> {
  const backend = await setup(args);
  const nTrain = Number(args.train ?? 3000);
  const seconds = Number(args.seconds ?? 300);
  const scope = (args.scope ?? 'top') as TuneScope;
  const nEval = Number(args.eval ?? 800);
  const lr = Number(args.lr ?? 1e-4);
  const batchSize = Number(args.batch ?? 16);
  const maxPieces = Number(args.pieces ?? 64);
  const tok: Tokenizer = loadTokenizer();
  // Tuning rows: the heads' vector rows with a toxicity label, HateXplain's own rows left out.
  const rows = headsData().vectorTrain.filter((r) => r.m[0] > 0 && r.source !== 'hatexplain');
  const pick = rows.map((r) => ({ r, k: stableHash(r.text, 11) })).sort((a, b) => a.k - b.k).slice(0, nTrain).map((x) => x.r);
  const trIds = pick.map((r) => tok.ids(r.text));
  const trY: number[] = pick.map((r) => (r.y[0] >= 0.5 ? 1 : 0));
  const sources = [...new Set(pick.map((r) => r.source))].sort().join(',');
  // Evaluation: a HateXplain validation sample (never tuned on), halves A / B by hash.
  const hx = loadHatexplain('dev').filter((p) => Number.isFinite(p.toxicBinary));
  const ev = hx.map((p) => ({ p, k: stableHash(p.text, 13) })).sort((a, b) => a.k - b.k).slice(0, nEval).map((x) => x.p);
  const evIds = ev.map((p) => tok.ids(p.text));
  const evY = ev.map((p) => p.toxicBinary);
  const half = (i: number) => i % 2 === 0;
  const A = evIds.map((_, i) => i).filter(half);
  const B = evIds.map((_, i) => i).filter((i) => !half(i));

  const enc = new TunableEncoder();
  const report = (name: string, trainVec: Float32Array[], evVec: Float32Array[], headScores?: Float64Array | Float32Array) => {
    const transfer = fitLogistic(trainVec, trY)(evVec);
    const own = fitLogistic(A.map((i) => evVec[i]), A.map((i) => evY[i]))(B.map((i) => evVec[i]));
    const out: Record<string, unknown> = {
      vectors: name,
      hxValAuc_logisticOnTuningRows: +rocAuc(transfer, evY).toFixed(4),
      hxValB_auc_logisticOnHalfA: +rocAuc(own, B.map((i) => evY[i])).toFixed(4),
    };
    if (headScores) out.hxValAuc_tunedHead = +rocAuc(headScores, evY).toFixed(4);
    console.log(JSON.stringify(out));
  };
  let t = Date.now();
  const frozenTr = embedAll(enc, trIds, maxPieces);
  const frozenEv = embedAll(enc, evIds, maxPieces);
  console.log(JSON.stringify({ backend, scope, tuningRows: pick.length, positives: trY.reduce((a, b) => a + b, 0), sources, evalPosts: ev.length, evalPositives: evY.reduce((a, b) => a + b, 0), embedSeconds: (Date.now() - t) / 1000 }));
  report('frozen', frozenTr, frozenEv);

  // The head starts at zero and learns with the encoder (one learning rate for both).
  const head = newHead();
  const opt = tf.train.adam(lr);
  const vars = [...enc.trainable(scope), head.w, head.b];
  t = Date.now();
  let steps = 0;
  let seen = 0;
  let epoch = 0;
  let lossSum = 0;
  while ((Date.now() - t) / 1000 < seconds) {
    for (const b of lengthBatches(trIds.map((x) => Math.min(x.length, maxPieces)), batchSize, 100 + epoch)) {
      if ((Date.now() - t) / 1000 >= seconds) break;
      lossSum += trainStep(enc, head, opt, vars, b.map((i) => trIds[i]), b.map((i) => trY[i]), maxPieces);
      steps++;
      seen += b.length;
      if (steps % 50 === 0) process.stderr.write(`step ${steps} comments ${seen} mean loss ${(lossSum / 50).toFixed(4)} ${((Date.now() - t) / 1000).toFixed(0)} s\n`), (lossSum = 0);
    }
    epoch++;
  }
  const trainSec = (Date.now() - t) / 1000;
  console.log(JSON.stringify({ trainSeconds: trainSec, steps, commentsSeen: seen, epochs: +(seen / trIds.length).toFixed(2), commentsPerSec: +(seen / trainSec).toFixed(2), lr, batch: batchSize, maxPieces }));
  const tunedTr = embedAll(enc, trIds, maxPieces);
  const tunedEv = embedAll(enc, evIds, maxPieces);
  const hw = head.w.dataSync();
  const hb = head.b.dataSync()[0];
  const headScores = Float64Array.from(tunedEv, (v) => v.reduce((a, x, k) => a + x * hw[k], hb));
  report('tuned', tunedTr, tunedEv, headScores);
  opt.dispose();
  enc.dispose();
}

async function main(): Promise<void> {
  const { mode, args } = parseArgs(process.argv.slice(2));
  if (mode === 'equiv') await equiv(args);
  else if (mode === 'speed') await speed(args);
  else if (mode === 'tune') await tune(args);
  else throw new Error(`unknown mode ${mode}; modes: equiv, speed, tune`);
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
