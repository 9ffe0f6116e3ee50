import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { loadTokenizer } from '../../../src/encoder';
import { initBackend } from '../../../src/model/backend';
import { TunableEncoder } from '../../../src/train/encoder-tune/model';
import { heldOutSet, loadVariables, maskedLoss, saveVariables, transferAuc, tuneStep } from '../../../src/train/encoder-tune/run';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('held-out halves', () => {
  const rows = Array.from({ length: 50 }, (_, i) => ({ text: `comment ${i}`, y: i < 10 ? 1 : 0 }));

  it('keeps every positive up to n/2, fills with negatives, and deals each class into disjoint halves', () => {
    const s = heldOutSet('x', rows, 30);
    expect(s.texts).toHaveLength(30);
    expect(s.y.filter((v) => v === 1)).toHaveLength(10);
    expect(new Set([...s.a, ...s.b]).size).toBe(30);
    expect(s.a.filter((i) => s.y[i] === 1)).toHaveLength(5);
    expect(s.b.filter((i) => s.y[i] === 1)).toHaveLength(5);
    expect(heldOutSet('x', [...rows].reverse(), 30)).toEqual(s);
  });

  it('caps the positives at half when they are common', () => {
    const s = heldOutSet('x', rows, 8);
    expect(s.y.filter((v) => v === 1)).toHaveLength(4);
  });
});

describe('transfer AUC', () => {
  it('scores a logistic layer fitted on one half on the other', () => {
    // Labels carried by one coordinate, with noise: a fitted layer ranks the other half well.
    const vec: Float32Array[] = [];
    const y: number[] = [];
    let seed = 1;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) - 0.5;
    for (let i = 0; i < 120; i++) {
      const v = Float32Array.from({ length: 512 }, () => rnd() * 0.05);
      y.push(i % 2);
      v[3] += i % 2 ? 0.3 : -0.3;
      vec.push(v);
    }
    const idx = vec.map((_, i) => i);
    const { auc, lambda } = transferAuc(vec, y, idx.filter((i) => i < 60), idx.filter((i) => i >= 60));
    expect(auc).toBeGreaterThan(0.95);
    expect([0.3, 3, 30, 300]).toContain(lambda);
  });
});

describe('masked loss', () => {
  it('averages cross-entropy over labelled targets only', () => {
    const logits = tf.tensor2d([[0, 5], [2, -1]]);
    const y = tf.tensor2d([[1, 0], [0, 1]]);
    const m = tf.tensor2d([[1, 0], [1, 1]]);
    const ce = (z: number, t: number) => Math.max(z, 0) - z * t + Math.log1p(Math.exp(-Math.abs(z)));
    const want = (ce(0, 1) + ce(2, 0) + ce(-1, 1)) / 3;
    expect(maskedLoss(logits, y, m).dataSync()[0]).toBeCloseTo(want, 5);
    tf.dispose([logits, y, m]);
  });
});

describe('checkpoints', () => {
  it('saves and restores variables by name', () => {
    const a = tf.variable(tf.tensor2d([[1, 2], [3, 4]]), true, 'ckpt-test/a');
    const b = tf.variable(tf.tensor1d([5]), true, 'ckpt-test/b');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tune-')), 'c.f32');
    expect(saveVariables([a, b], file)).toBe(5);
    a.assign(tf.zeros([2, 2]));
    b.assign(tf.zeros([1]));
    loadVariables([b, a], file);
    expect(Array.from(a.dataSync())).toEqual([1, 2, 3, 4]);
    expect(Array.from(b.dataSync())).toEqual([5]);
    tf.dispose([a, b]);
  });
});

describe('one tuning step (smoke)', () => {
  it('gives a finite loss, moves the tuned scope and the head, leaves layer 0 as it was', () => {
    const enc = new TunableEncoder();
    const tok = loadTokenizer();
    // A non-zero head (a zero one passes no gradient to the encoder; the run starts from a probe).
    const head = { w: tf.variable(tf.randomNormal([512, 6], 0, 0.1, 'float32', 3), true, 'smoke/head/w'), b: tf.variable(tf.zeros([6]), true, 'smoke/head/b') };
    const top = enc.trainable('top');
    const layer0 = enc.trainable('layers').filter((v) => !top.includes(v));
    const before = [...top, ...layer0, head.w].map((v) => Float32Array.from(v.dataSync()));
    const rows = ['you are a fool', 'thanks for the link'].map((t, i) => ({ ids: tok.ids(t), y: Float32Array.from([1 - i, 0, 0, 0, 0, 0]), m: Float32Array.from([1, 1, 0, 0, 0, 0]) }));
    const encOpt = tf.train.adam(1e-3);
    const headOpt = tf.train.adam(1e-2);
    const loss = tuneStep(enc, head, encOpt, headOpt, top, rows, 64);
    expect(Number.isFinite(loss) && loss > 0).toBe(true);
    const changed = (v: tf.Variable, i: number) => v.dataSync().some((x, k) => x !== before[i][k]);
    expect(top.some((v, i) => changed(v, i))).toBe(true);
    expect(layer0.every((v, i) => !changed(v, top.length + i))).toBe(true);
    expect(changed(head.w, top.length + layer0.length)).toBe(true);
    encOpt.dispose();
    headOpt.dispose();
    tf.dispose([head.w, head.b]);
    enc.dispose();
  });
});
