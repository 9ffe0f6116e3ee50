import * as tf from '@tensorflow/tfjs';
import { loadTokenizer } from '../../../src/encoder';
import { loadOnnxEncoder } from '../../../src/encoder/onnx';
import type { IdEncoder } from '../../../src/encoder/graph';
import { initBackend } from '../../../src/model/backend';
import { padBatch, TunableEncoder } from '../../../src/train/encoder-tune/model';

const maxDiff = (a: Float32Array[], b: Float32Array[]): number => Math.max(...a.map((x, i) => Math.max(...x.map((y, k) => Math.abs(y - b[i][k])))));

let onnx: IdEncoder;
let enc: TunableEncoder;
const tok = loadTokenizer();
beforeAll(async () => {
  await initBackend('wasm');
  [onnx] = await Promise.all([loadOnnxEncoder({ maxBatch: 1 })]);
  enc = new TunableEncoder();
});
afterAll(async () => {
  enc.dispose();
  await onnx.dispose();
});

describe('trainable TensorFlow.js encoder', () => {
  it('gives the runtime encoder\'s sentence vectors to 1e-4, padded in one batch', async () => {
    const texts = ['Thanks for the report, very helpful.', 'You are an idiot and everyone knows it!!', 'word '.repeat(150), '', '😀😀 ﬁne', 'Das ist gut.'];
    const ids = texts.map((t) => tok.ids(t));
    const want = await onnx.embedIds(ids);
    const batch = padBatch(ids);
    const got = enc.embed(batch);
    const rows = (await got.array()).map((r) => Float32Array.from(r));
    tf.dispose([got, batch.ids, batch.mask]);
    expect(rows).toHaveLength(texts.length);
    expect(maxDiff(rows, want)).toBeLessThan(1e-4);
  });

  it('gives a finite, non-zero gradient for every variable of the layer-1 scope (layer 0 frozen)', () => {
    const batch = padBatch(['a short comment', 'another one, a bit longer than that'].map((t) => tok.ids(t)));
    const top = enc.trainable('top');
    const all = enc.trainable('all');
    expect(all.length).toBeGreaterThan(top.length);
    const { grads } = tf.variableGrads(() => enc.embed(batch).sum() as tf.Scalar, top);
    expect(Object.keys(grads).sort()).toEqual(top.map((v) => v.name).sort());
    const norms = Object.values(grads).map((g) => g.abs().sum().dataSync()[0]);
    expect(norms.every((n) => Number.isFinite(n))).toBe(true);
    expect(norms.some((n) => n > 0)).toBe(true);
    tf.dispose([...Object.values(grads), batch.ids, batch.mask]);
  });
});
