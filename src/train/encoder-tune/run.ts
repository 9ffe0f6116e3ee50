/**
 * A fine-tune of the sentence encoder checked on sources it never sees (issue 27): one pass over
 * many distinct comments of the heads' training rows, with HateXplain, C3 and UCC (the three
 * sites of the quality targets) held out whole, and every `--eval-every` comments the vectors of
 * those three sources measured against the frozen encoder's. Measurement only: checkpoints go to
 * `--out` (under .tmp, never committed), nothing reaches the runtime.
 *
 *   node dist/src/train/encoder-tune/run.js [--per-pool 6000] [--comments 60000] [--lr 3e-5] [--head-lr 3e-4]
 *     [--scope top] [--batch 16] [--pieces 64] [--probe 3000] [--eval-every 10000] [--eval-n 1600]
 *     [--eval-pieces 128] [--until HH:MM (UTC: stop training then, evaluate, exit)] [--out .tmp/encoder-tune/run]
 *
 * - The head is one logistic unit per target (toxicity and the five categories), masked where a
 *   source does not label a target, and starts as a linear probe fitted on frozen vectors of the
 *   first `--probe` tuning rows (probe, then fine-tune: a head that starts at zero sends the
 *   encoder arbitrary gradients for its first steps, which is where features get distorted).
 * - The measure is the adapter's: a logistic layer on the vectors of one held-out source, fitted
 *   on its half A (penalty by 3-fold CV inside A), scored on half B; the halves are fixed and
 *   stratified by label, the frozen encoder measured on the same halves in the same run.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { loadTokenizer } from '../../encoder';
import { loadC3, loadHatexplain, loadUcc, stableHash, textKey } from '../../data';
import { solve, margins, type Design } from '../../adapt/logistic';
import { initBackend } from '../../model/backend';
import { rocAuc } from '../metrics';
import { headsData, TARGETS, type HeadRow } from '../heads/data';
import { padBatch, TunableEncoder, type TuneScope } from './model';
import { embedAll, fitLogistic, lengthBatches } from './probe';

/** The sources of issue 27's quality targets: never tuned on, measured at every checkpoint. */
export const HELD_OUT = ['c3', 'hatexplain', 'ucc'] as const;

/** One held-out source: texts, binary labels, and its fixed halves (indices). */
export interface HeldOutSet {
  name: string;
  texts: string[];
  y: number[];
  a: number[];
  b: number[];
}

/**
 * Up to `n` comments of a labelled set, stratified: every positive up to n/2, negatives for the
 * rest, each class in text-hash order and dealt alternately into halves A and B (AUC does not
 * depend on the class ratio, and a rare label, UCC's hostile, keeps all its positives).
 */
export function heldOutSet(name: string, rows: Array<{ text: string; y: number }>, n: number): HeldOutSet {
  const byHash = (ys: number) => rows.filter((r) => r.y === ys).map((r) => ({ r, k: stableHash(textKey(r.text), 29) })).sort((p, q) => p.k - q.k).map((x) => x.r);
  const pos = byHash(1).slice(0, Math.floor(n / 2));
  const neg = byHash(0).slice(0, n - pos.length);
  const texts: string[] = [];
  const y: number[] = [];
  const a: number[] = [];
  const b: number[] = [];
  for (const part of [pos, neg]) {
    part.forEach((r, i) => {
      (i % 2 === 0 ? a : b).push(texts.length);
      texts.push(r.text);
      y.push(r.y);
    });
  }
  return { name, texts, y, a, b };
}

/** HateXplain validation (toxic = hateful or offensive), C3 (its toxic label), UCC validation (hostile). */
export function heldOutSets(n: number, dir?: string): HeldOutSet[] {
  const hx = loadHatexplain('dev', dir).filter((p) => Number.isFinite(p.toxicBinary)).map((p) => ({ text: p.text, y: p.toxicBinary }));
  const c3 = loadC3(dir).map((c) => ({ text: c.text, y: c.toxicBinary }));
  const ucc = loadUcc(dir).map((c) => ({ text: c.text, y: c.attributes.hostile.gold }));
  return [heldOutSet('hatexplain', hx, n), heldOutSet('c3', c3, n), heldOutSet('ucc', ucc, n)];
}

/** Logistic penalties tried by the CV inside half A (the summed loss of src/adapt/logistic.ts). */
const LAMBDAS = [0.3, 3, 30, 300];

/** AUC on `test` of a logistic layer fitted on `train`, its penalty chosen by 3-fold CV inside `train`. */
export function transferAuc(vec: Float32Array[], y: number[], train: number[], test: number[]): { auc: number; lambda: number } {
  const cv = LAMBDAS.map((lambda) => {
    const scores: number[] = [];
    const labels: number[] = [];
    for (let f = 0; f < 3; f++) {
      const fit = train.filter((_, i) => i % 3 !== f);
      const held = train.filter((_, i) => i % 3 === f);
      const s = fitLogistic(fit.map((i) => vec[i]), fit.map((i) => y[i]), lambda)(held.map((i) => vec[i]));
      scores.push(...s);
      labels.push(...held.map((i) => y[i]));
    }
    return rocAuc(scores, labels);
  });
  const lambda = LAMBDAS[cv.indexOf(Math.max(...cv))];
  const s = fitLogistic(train.map((i) => vec[i]), train.map((i) => y[i]), lambda)(test.map((i) => vec[i]));
  return { auc: rocAuc(s, test.map((i) => y[i])), lambda };
}

/** Mean sigmoid cross-entropy over the labelled (mask > 0) targets of a batch. */
export function maskedLoss(logits: tf.Tensor2D, y: tf.Tensor2D, m: tf.Tensor2D): tf.Scalar {
  return tf.losses.sigmoidCrossEntropy(y, logits, m, 0, tf.Reduction.SUM_BY_NONZERO_WEIGHTS) as tf.Scalar;
}

export interface Head {
  w: tf.Variable;
  b: tf.Variable;
}

/** One step: encoder and head, each with its own optimizer (the head learns faster). Returns the batch loss. */
export function tuneStep(enc: TunableEncoder, head: Head, encOpt: tf.Optimizer, headOpt: tf.Optimizer, encVars: tf.Variable[], rows: Array<{ ids: Int32Array; y: Float32Array; m: Float32Array }>, maxPieces: number): number {
  const k = head.b.shape[0];
  const batch = padBatch(rows.map((r) => r.ids), maxPieces);
  const flat = (f: (r: (typeof rows)[number]) => Float32Array) => {
    const out = new Float32Array(rows.length * k);
    rows.forEach((r, i) => out.set(f(r).subarray(0, k), i * k));
    return tf.tensor2d(out, [rows.length, k]);
  };
  const y = flat((r) => r.y);
  const m = flat((r) => r.m);
  const { value, grads } = tf.variableGrads(() => {
    const logits = tf.add(tf.matMul(enc.embed(batch), head.w), head.b) as tf.Tensor2D;
    return maskedLoss(logits, y, m);
  }, [...encVars, head.w, head.b]);
  const headNames = new Set([head.w.name, head.b.name]);
  const pick = (keep: boolean) => Object.fromEntries(Object.entries(grads).filter(([n]) => headNames.has(n) === keep));
  encOpt.applyGradients(pick(false));
  headOpt.applyGradients(pick(true));
  const loss = value.dataSync()[0];
  tf.dispose([value, ...Object.values(grads), y, m, batch.ids, batch.mask]);
  return loss;
}

/** Writes variables as one float32 file plus a JSON manifest of names and shapes. */
export function saveVariables(vars: tf.Variable[], file: string): number {
  const parts = vars.map((v) => v.dataSync() as Float32Array);
  const total = parts.reduce((a, p) => a + p.length, 0);
  const all = new Float32Array(total);
  let o = 0;
  for (const p of parts) all.set(p, o), (o += p.length);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, Buffer.from(all.buffer));
  fs.writeFileSync(`${file}.json`, JSON.stringify(vars.map((v) => ({ name: v.name, shape: v.shape }))));
  return total;
}

/** Assigns saved values to the variables of the same names (every saved name must exist). */
export function loadVariables(vars: tf.Variable[], file: string): void {
  const manifest = JSON.parse(fs.readFileSync(`${file}.json`, 'utf8')) as Array<{ name: string; shape: number[] }>;
  const buf = fs.readFileSync(file);
  const all = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
  const byName = new Map(vars.map((v) => [v.name, v]));
  let o = 0;
  for (const { name, shape } of manifest) {
    const v = byName.get(name);
    if (!v) throw new Error(`no variable ${name}`);
    const size = shape.reduce((a, s) => a * s, 1);
    v.assign(tf.tensor(all.slice(o, o + size), shape));
    o += size;
  }
}

/** The tuning rows, cached as JSONL (building the corpus takes a minute or more). */
function tuningRows(perPool: number, cacheDir: string): HeadRow[] {
  const file = path.join(cacheDir, `rows-perpool${perPool}-minus-${HELD_OUT.join('-')}.jsonl`);
  if (fs.existsSync(file)) {
    return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => {
      const r = JSON.parse(l) as { text: string; source: string; y: number[]; m: number[] };
      return { text: r.text, source: r.source, y: Float32Array.from(r.y), m: Float32Array.from(r.m) };
    });
  }
  const rows = headsData({ perPool, exclude: HELD_OUT }).vectorTrain;
  fs.mkdirSync(cacheDir, { recursive: true });
  fs.writeFileSync(file, rows.map((r) => JSON.stringify({ text: r.text, source: r.source, y: [...r.y], m: [...r.m] })).join('\n') + '\n');
  return rows;
}

/** Linear probe per target on frozen vectors: the head's starting weights [512, targets] and biases. */
function probeHead(vec: Float32Array[], rows: HeadRow[]): Head {
  const k = TARGETS.length;
  const w = new Float32Array(512 * k);
  const b = new Float32Array(k);
  for (let j = 0; j < k; j++) {
    const idx = rows.map((_, i) => i).filter((i) => rows[i].m[j] > 0);
    const ys = idx.map((i) => (rows[i].y[j] >= 0.5 ? 1 : 0));
    if (!idx.length || ys.every((v) => v === ys[0])) continue;
    const d = 512;
    const design: Design = { x: new Float32Array(idx.length * d), n: idx.length, d };
    idx.forEach((i, r) => design.x.set(vec[i], r * d));
    const { params } = solve({ design, rows: Int32Array.from(idx.keys()), y: Uint8Array.from(ys), s: new Float64Array(idx.length).fill(1), w0: new Float64Array(d + 1), lambda: 3 }, { maxIter: 300 });
    for (let q = 0; q < d; q++) w[q * k + j] = params[q];
    b[j] = params[d];
  }
  return { w: tf.variable(tf.tensor2d(w, [512, k]), true, 'head/w'), b: tf.variable(tf.tensor1d(b), true, 'head/b') };
}

type Args = Record<string, string>;

function parseArgs(argv: string[]): Args {
  const args: Args = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || argv[i + 1] === undefined) throw new Error(`expected --name value at ${argv[i]}`);
    args[argv[i].slice(2)] = argv[i + 1];
  }
  return args;
}

/** Epoch ms of today's HH:MM UTC. */
function utcToday(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  const d = new Date();
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), h, m);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const perPool = Number(args['per-pool'] ?? 6000);
  const maxComments = Number(args.comments ?? 60000);
  const lr = Number(args.lr ?? 3e-5);
  const headLr = Number(args['head-lr'] ?? 3e-4);
  const scope = (args.scope ?? 'top') as TuneScope;
  const batchSize = Number(args.batch ?? 16);
  const maxPieces = Number(args.pieces ?? 64);
  const nProbe = Number(args.probe ?? 3000);
  const evalEvery = Number(args['eval-every'] ?? 10000);
  const evalN = Number(args['eval-n'] ?? 1600);
  const evalPieces = Number(args['eval-pieces'] ?? 128);
  const until = args.until ? utcToday(args.until) : Infinity;
  const out = args.out ?? '.tmp/encoder-tune/run';
  const log = (o: Record<string, unknown>) => {
    const line = JSON.stringify({ at: new Date().toISOString().slice(11, 19), ...o });
    console.log(line);
    fs.appendFileSync(path.join(out, 'log.jsonl'), line + '\n');
  };
  fs.mkdirSync(out, { recursive: true });
  const backend = await initBackend(args.backend ?? 'wasm');
  const tok = loadTokenizer();

  let t = Date.now();
  const all = tuningRows(perPool, '.tmp/encoder-tune');
  // One pass in a fixed random order: the first `maxComments` by a hash no other draw uses.
  const rows = all.map((r) => ({ r, k: stableHash(textKey(r.text), 31) })).sort((p, q) => p.k - q.k).slice(0, maxComments).map((x) => x.r);
  const ids = rows.map((r) => tok.ids(r.text));
  const bySource: Record<string, number> = {};
  for (const r of rows) bySource[r.source] = (bySource[r.source] ?? 0) + 1;
  const labelled = TARGETS.map((_, j) => rows.filter((r) => r.m[j] > 0).length);
  const sets = heldOutSets(evalN);
  const evIds = sets.map((s) => s.texts.map((x) => tok.ids(x)));
  log({ backend, scope, lr, headLr, batch: batchSize, maxPieces, perPool, rowsAvailable: all.length, rows: rows.length, bySource, labelledPerTarget: Object.fromEntries(TARGETS.map((n, j) => [n, labelled[j]])), heldOut: sets.map((s) => ({ name: s.name, n: s.texts.length, positives: s.y.reduce((a, v) => a + v, 0) })), setupSeconds: (Date.now() - t) / 1000 });

  const enc = new TunableEncoder();
  let frozen: Record<string, number> = {};
  const evaluate = (seen: number, lossMean: number | null, head: Head | null) => {
    const t0 = Date.now();
    const entry: Record<string, unknown> = { checkpoint: seen, trainLoss: lossMean };
    sets.forEach((s, k) => {
      const vec = embedAll(enc, evIds[k], evalPieces);
      const ab = transferAuc(vec, s.y, s.a, s.b);
      const ba = transferAuc(vec, s.y, s.b, s.a);
      const e: Record<string, number> = { aucAtoB: +ab.auc.toFixed(4), aucBtoA: +ba.auc.toFixed(4), lambdaA: ab.lambda };
      if (head) {
        // The tuned toxicity unit itself, zero-shot on the source.
        const hw = head.w.dataSync();
        const hb = head.b.dataSync()[0];
        const k0 = TARGETS.length;
        e.headToxicityAuc = +rocAuc(vec.map((v) => v.reduce((a, x, q) => a + x * hw[q * k0], hb)), s.y).toFixed(4);
      }
      if (seen === 0) frozen[s.name] = ab.auc;
      else e.deltaAtoB = +(ab.auc - frozen[s.name]).toFixed(4);
      entry[s.name] = e;
    });
    entry.evalSeconds = (Date.now() - t0) / 1000;
    log(entry);
  };
  evaluate(0, null, null);

  t = Date.now();
  const probeVec = embedAll(enc, ids.slice(0, nProbe), maxPieces);
  const head = probeHead(probeVec, rows.slice(0, nProbe));
  log({ probeRows: Math.min(nProbe, rows.length), probeSeconds: (Date.now() - t) / 1000 });

  const encVars = enc.trainable(scope);
  const encOpt = tf.train.adam(lr);
  const headOpt = tf.train.adam(headLr);
  const batches = lengthBatches(ids.map((x) => Math.min(x.length, maxPieces)), batchSize, 37);
  let seen = 0;
  let steps = 0;
  let sinceEval = 0;
  let lossSum = 0;
  let lossN = 0;
  let windowSum = 0;
  t = Date.now();
  let trainMs = 0;
  let stopped = 'data';
  for (const b of batches) {
    if (Date.now() >= until) {
      stopped = 'time';
      break;
    }
    const s0 = Date.now();
    const loss = tuneStep(enc, head, encOpt, headOpt, encVars, b.map((i) => ({ ids: ids[i], y: rows[i].y, m: rows[i].m })), maxPieces);
    trainMs += Date.now() - s0;
    steps++;
    seen += b.length;
    sinceEval += b.length;
    lossSum += loss;
    lossN++;
    windowSum += loss;
    if (steps % 100 === 0) {
      process.stderr.write(`step ${steps} comments ${seen} loss(100) ${(windowSum / 100).toFixed(4)} train ${(seen / (trainMs / 1000)).toFixed(1)} comments/s\n`);
      windowSum = 0;
    }
    if (sinceEval >= evalEvery) {
      saveVariables([...encVars, head.w, head.b], path.join(out, `ckpt-${seen}.f32`));
      evaluate(seen, +(lossSum / lossN).toFixed(4), head);
      log({ steps, seen, trainSeconds: trainMs / 1000, commentsPerSec: +(seen / (trainMs / 1000)).toFixed(2) });
      sinceEval = 0;
      lossSum = 0;
      lossN = 0;
    }
  }
  if (sinceEval > 0) {
    saveVariables([...encVars, head.w, head.b], path.join(out, `ckpt-${seen}.f32`));
    evaluate(seen, lossN ? +(lossSum / lossN).toFixed(4) : null, head);
  }
  log({ done: true, stopped, steps, seen, trainSeconds: trainMs / 1000, commentsPerSec: +(seen / (trainMs / 1000)).toFixed(2), wallSeconds: (Date.now() - t) / 1000 });
  encOpt.dispose();
  headOpt.dispose();
  enc.dispose();
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
