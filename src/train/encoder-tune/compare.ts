/**
 * Frozen against tuned vectors on the held-out sources of run.ts, over a wide penalty grid: is a
 * checkpoint's gain a better vector or only a better fit of one penalty? The frozen vectors come
 * from the runtime encoder (ONNX), a checkpoint's from the tfjs pass with its saved weights; every
 * vector set is written to `--out` so the comparison reruns without embedding.
 *
 *   node dist/src/train/encoder-tune/compare.js --ckpt .tmp/encoder-tune/run1/ckpt-10000.f32[,...] [--eval-n 1600] [--out .tmp/encoder-tune/vectors]
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { loadTokenizer } from '../../encoder';
import { loadOnnxEncoder } from '../../encoder/onnx';
import { initBackend } from '../../model/backend';
import { rocAuc } from '../metrics';
import { TunableEncoder } from './model';
import { embedAll, fitLogistic } from './probe';
import { heldOutSets, loadVariables, transferAuc, type HeldOutSet } from './run';

/** Penalties of the grid (the summed loss of src/adapt/logistic.ts); run.ts's CV grid is 0.3-300. */
const GRID = [0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30];

function readVectors(file: string): Float32Array[] | null {
  if (!fs.existsSync(file)) return null;
  const buf = fs.readFileSync(file);
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
  return Array.from({ length: all.length / 512 }, (_, i) => all.subarray(i * 512, (i + 1) * 512));
}

function writeVectors(file: string, vec: Float32Array[]): void {
  const all = new Float32Array(vec.length * 512);
  vec.forEach((v, i) => all.set(v, i * 512));
  fs.writeFileSync(file, Buffer.from(all.buffer));
}

/**
 * Tuned minus frozen AUC on half B (each fitted on half A at penalty 1), with a 95% interval from
 * 1,000 paired bootstrap draws of B (resampled within each class, the same draw for both).
 */
export function pairedDelta(tuned: Float32Array[], frozen: Float32Array[], s: HeldOutSet): { delta: number; lo: number; hi: number } {
  const score = (vec: Float32Array[]) => fitLogistic(s.a.map((i) => vec[i]), s.a.map((i) => s.y[i]), 1)(s.b.map((i) => vec[i]));
  const st = score(tuned);
  const sf = score(frozen);
  const yb = s.b.map((i) => s.y[i]);
  const pos = yb.map((_, j) => j).filter((j) => yb[j] === 1);
  const neg = yb.map((_, j) => j).filter((j) => yb[j] === 0);
  let seed = 12345;
  const rnd = (n: number) => ((seed = (seed * 16807) % 2147483647) % n);
  const ds: number[] = [];
  for (let r = 0; r < 1000; r++) {
    const pick = [...pos.map(() => pos[rnd(pos.length)]), ...neg.map(() => neg[rnd(neg.length)])];
    const lab = pick.map((j) => yb[j]);
    ds.push(rocAuc(pick.map((j) => st[j]), lab) - rocAuc(pick.map((j) => sf[j]), lab));
  }
  ds.sort((a, b) => a - b);
  return { delta: +(rocAuc(st, yb) - rocAuc(sf, yb)).toFixed(4), lo: +ds[25].toFixed(4), hi: +ds[974].toFixed(4) };
}

/** Per penalty, AUC of A -> B and B -> A; and the CV choice over the whole grid. */
function grid(vec: Float32Array[], s: HeldOutSet): Record<string, unknown> {
  const row: Record<string, string> = {};
  let best = { lambda: 0, mean: 0 };
  for (const lambda of GRID) {
    const ab = rocAuc(fitLogistic(s.a.map((i) => vec[i]), s.a.map((i) => s.y[i]), lambda)(s.b.map((i) => vec[i])), s.b.map((i) => s.y[i]));
    const ba = rocAuc(fitLogistic(s.b.map((i) => vec[i]), s.b.map((i) => s.y[i]), lambda)(s.a.map((i) => vec[i])), s.a.map((i) => s.y[i]));
    row[String(lambda)] = `${ab.toFixed(4)}/${ba.toFixed(4)}`;
    if ((ab + ba) / 2 > best.mean) best = { lambda, mean: (ab + ba) / 2 };
  }
  return { byLambda_AtoB_BtoA: row, bestMean: +best.mean.toFixed(4), bestLambda: best.lambda, cvAtoB: +transferAuc(vec, s.y, s.a, s.b).auc.toFixed(4) };
}

async function main(): Promise<void> {
  const args: Record<string, string> = {};
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) args[argv[i].replace(/^--/, '')] = argv[i + 1];
  const out = args.out ?? '.tmp/encoder-tune/vectors';
  const evalN = Number(args['eval-n'] ?? 1600);
  fs.mkdirSync(out, { recursive: true });
  await initBackend('wasm');
  const tok = loadTokenizer();
  const sets = heldOutSets(evalN);
  const ids = sets.map((s) => s.texts.map((t) => tok.ids(t)));
  const names = ['frozen', ...(args.ckpt ? args.ckpt.split(',') : [])];
  for (const name of names) {
    const tag = name === 'frozen' ? 'frozen' : path.basename(path.dirname(name)) + '-' + path.basename(name, '.f32');
    let enc: TunableEncoder | null = null;
    for (const [k, s] of sets.entries()) {
      const file = path.join(out, `${tag}-${s.name}-${evalN}.f32`);
      let vec = readVectors(file);
      if (!vec) {
        if (name === 'frozen') {
          const onnx = await loadOnnxEncoder({ maxBatch: 32 });
          vec = await onnx.embedIds(ids[k]);
          await onnx.dispose();
        } else {
          if (!enc) {
            enc = new TunableEncoder();
            const head = [tf.variable(tf.zeros([512, 6]), true, 'head/w'), tf.variable(tf.zeros([6]), true, 'head/b')];
            loadVariables([...enc.trainable('top'), ...head], name);
            tf.dispose(head);
          }
          vec = embedAll(enc, ids[k], 128);
        }
        writeVectors(file, vec);
      }
      const frozen = tag === 'frozen' ? null : readVectors(path.join(out, `frozen-${s.name}-${evalN}.f32`));
      console.log(JSON.stringify({ vectors: tag, source: s.name, n: s.texts.length, ...grid(vec, s), ...(frozen ? { pairedDeltaAtoB_lambda1: pairedDelta(vec, frozen, s) } : {}) }));
    }
    enc?.dispose();
  }
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
