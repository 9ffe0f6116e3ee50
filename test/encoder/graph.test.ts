import * as tf from '@tensorflow/tfjs';
import { ENCODER_DIM, loadEncoder, type TokenEncoder } from '../../src/encoder';
import { loadGraph, SENTENCE_NODE, sparseBatch } from '../../src/encoder/graph';
import { loadTokenizer } from '../../src/encoder/tokenizer';

const dot = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * b[i], 0);

let enc: TokenEncoder;
beforeAll(async () => {
  enc = await loadEncoder({ runtime: 'tfjs-graph', cacheSize: 8 });
});
afterAll(async () => {
  await enc.dispose();
});

describe('encoder on the package graph model', () => {
  it('returns one L2-normalised 512-d vector per text, in order, for ordinary, empty and odd texts', async () => {
    const texts = ['Thanks for the clear report.', '', '   ', '😀😀', 'a'.repeat(2000)];
    const v = await enc.embed(texts);
    expect(v).toHaveLength(texts.length);
    for (const x of v) {
      expect(x).toBeInstanceOf(Float32Array);
      expect(x.length).toBe(ENCODER_DIM);
      expect(Math.abs(dot(x, x) - 1)).toBeLessThan(1e-4);
      expect(x.every(Number.isFinite)).toBe(true);
    }
    expect(enc.info.runtime).toMatch(/^tfjs-graph/);
  });

  it('puts paraphrases closer than unrelated sentences', async () => {
    const [bridge1, bridge2, insult1, insult2, weather] = await enc.embed([
      'Thanks for the clear report on the footbridge vote.',
      'Thank you for this clear article about the bridge decision.',
      'What a pathetic idiot, go away.',
      'You are a stupid moron.',
      'It will rain in the mountains tomorrow.',
    ]);
    expect(dot(bridge1, bridge2)).toBeGreaterThan(dot(bridge1, insult1) + 0.2);
    expect(dot(insult1, insult2)).toBeGreaterThan(dot(insult1, weather) + 0.2);
    expect(dot(bridge2, bridge1)).toBeGreaterThan(dot(bridge2, weather) + 0.2);
  });

  it('gives the same vector from the memo, as a copy the caller may change', async () => {
    const [a] = await enc.embed(['memo check']);
    a.fill(0);
    const [b, c] = await enc.embed(['memo check', 'memo check']);
    expect(Math.abs(dot(b, b) - 1)).toBeLessThan(1e-4);
    expect(Array.from(b)).toEqual(Array.from(c));
  });

  it('serves concurrent calls, each with its own texts', async () => {
    const [one, two] = await Promise.all([enc.embed(['first call']), enc.embed(['second call', 'first call'])]);
    expect(Array.from(one[0])).toEqual(Array.from(two[1]));
    expect(dot(one[0], two[0])).toBeLessThan(0.999);
  });

  it('leaves no tensor behind', async () => {
    const before = tf.memory().numTensors;
    await enc.embed(['no leaks here, please', 'nor here']);
    await enc.tokenStates(['nor with token states']);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives token states for the first 128 pieces with their spans, and the sentence vector', async () => {
    const long = 'go '.repeat(300);
    const [a, b] = await enc.tokenStates(['You moron, nobody wants this.', long]);
    const [va] = await enc.embed(['You moron, nobody wants this.']);
    expect(a.states.length).toBe(a.pieces.length * ENCODER_DIM);
    expect(Math.max(...a.vector.map((x, k) => Math.abs(x - va[k])))).toBeLessThan(1e-6);
    expect(a.pieces.map((p) => 'You moron, nobody wants this.'.slice(p.start, p.end)).join('')).toBe('Youmoron,nobodywantsthis.');
    expect(b.pieces).toHaveLength(128);
    expect(b.states.length).toBe(128 * ENCODER_DIM);
  });

  it('rejects unknown runtimes and options with MOD_ERR_CONFIG', async () => {
    await expect(loadEncoder({ runtime: 'gpu' as never })).rejects.toMatchObject({ code: 'MOD_ERR_CONFIG' });
    await expect(loadEncoder({ cacheSize: -1 })).rejects.toMatchObject({ code: 'MOD_ERR_CONFIG' });
  });
});

describe('sparseBatch', () => {
  it('keeps an empty last row in the batch (the graph sizes the batch from the largest row index)', async () => {
    const tok = loadTokenizer();
    const model = await loadGraph();
    const ids = tok.ids('A short comment.');
    const run = async (batch: Int32Array[]): Promise<Float32Array> => {
      const { indices, values } = sparseBatch(batch);
      const out = (await model.executeAsync({ indices: tf.tensor2d(indices, [indices.length / 2, 2], 'int32'), values: tf.tensor1d(values, 'int32') }, SENTENCE_NODE)) as tf.Tensor;
      const data = (await out.data()) as Float32Array;
      out.dispose();
      return data;
    };
    const alone = await run([ids]);
    const empty = await run([new Int32Array(0)]);
    const both = await run([ids, new Int32Array(0)]);
    expect(both.length).toBeGreaterThanOrEqual(2 * ENCODER_DIM);
    for (let k = 0; k < ENCODER_DIM; k++) {
      expect(Math.abs(both[k] - alone[k])).toBeLessThan(1e-4);
      expect(Math.abs(both[ENCODER_DIM + k] - empty[k])).toBeLessThan(1e-4);
    }
    model.dispose();
  });
});
