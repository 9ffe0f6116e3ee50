import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { encoderVersion, loadEncoder, loadTokenizer } from '../../src/encoder';
import type { IdEncoder } from '../../src/encoder/graph';
import { loadOnnxEncoder } from '../../src/encoder/onnx';
import { readTunedWeights } from '../../src/encoder/tuned';
import { initBackend } from '../../src/model/backend';
import { embedCached } from '../../src/train/embed-cache';
import { padBatch, TunableEncoder } from '../../src/train/encoder-tune/model';
import { mulberry32 } from '../../src/util/prng';

const maxDiff = (a: Float32Array[], b: Float32Array[]): number => Math.max(...a.map((x, i) => Math.max(...x.map((y, k) => Math.abs(y - b[i][k])))));
const texts = ['Thanks for the report, very helpful.', 'You are an idiot and everyone knows it!!', 'word '.repeat(150), '', 'Das ist gut.'];
const tok = loadTokenizer();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moderato-tuned-'));
const file = path.join(dir, 'ckpt.f32');

let enc: TunableEncoder;
let tuned: IdEncoder;
let frozen: IdEncoder;
beforeAll(async () => {
  await initBackend('wasm');
  enc = new TunableEncoder();
  // A checkpoint as the fine-tune writes it: layer 1 and the pooling dense perturbed (each weight
  // scaled by up to ±10%), plus a head the encoder must skip. The tfjs model gets the same values.
  const r = mulberry32(5);
  const vars = enc.trainable('top');
  const parts = vars.map((v) => {
    const x = (v.dataSync() as Float32Array).map((w) => w * (1 + 0.2 * (r() - 0.5)));
    v.assign(tf.tensor(x, v.shape));
    return { name: v.name, shape: v.shape, data: x };
  });
  parts.push({ name: 'head/w', shape: [512, 2], data: new Float32Array(1024).fill(0.5) });
  const all = new Float32Array(parts.reduce((n, p) => n + p.data.length, 0));
  let at = 0;
  for (const p of parts) all.set(p.data, at), (at += p.data.length);
  fs.writeFileSync(file, Buffer.from(all.buffer));
  fs.writeFileSync(`${file}.json`, JSON.stringify(parts.map(({ name, shape }) => ({ name, shape }))));
  [tuned, frozen] = await Promise.all([loadOnnxEncoder({ maxBatch: 1, weights: file }), loadOnnxEncoder({ maxBatch: 1 })]);
});
afterAll(async () => {
  enc.dispose();
  await Promise.all([tuned.dispose(), frozen.dispose()]);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('ONNX encoder with tuned weights', () => {
  it('equals the trainable tfjs model with the same weights to 1e-4, and differs from the package encoder', async () => {
    const ids = texts.map((t) => tok.ids(t));
    const got = await tuned.embedIds(ids);
    const batch = padBatch(ids);
    const out = enc.embed(batch);
    const want = (await out.array()).map((row) => Float32Array.from(row));
    tf.dispose([out, batch.ids, batch.mask]);
    expect(maxDiff(got, want)).toBeLessThan(1e-4);
    const base = await frozen.embedIds(ids);
    // The empty text is the zero vector in every encoder; the others must move.
    expect(maxDiff(got.slice(0, 3), base.slice(0, 3))).toBeGreaterThan(1e-2);
  });

  it('names its weights in the encoder version, keeps tuned vectors in their own cache file', async () => {
    const v = encoderVersion(file);
    expect(v).toMatch(/^.+\+tuned\.[0-9a-f]{16}$/);
    expect(v.startsWith(encoderVersion())).toBe(true);
    expect(v).toContain(readTunedWeights(file).digest.slice(0, 16));
    const loaded = await loadEncoder({ weights: file, cacheSize: 0 });
    expect(loaded.info.version).toBe(v);
    const db = path.join(dir, 'vectors.db');
    const [a] = await embedCached([texts[0]], { dbPath: db, encoder: loaded, weights: file, progress: false });
    const [want] = await tuned.embedIds([tok.ids(texts[0])]);
    expect(maxDiff([a], [want])).toBeLessThan(1e-6);
    // The same file refuses the package encoder's vectors, and the package encoder refuses the tuned weights' identity.
    await expect(embedCached([texts[1]], { dbPath: db, progress: false })).rejects.toThrow(/holds vectors of encoder/);
    await expect(embedCached([texts[1]], { dbPath: path.join(dir, 'other.db'), encoder: loaded, progress: false })).rejects.toThrow(/the encoder given/);
    await loaded.dispose();
  });

  it('rejects a checkpoint whose shapes or names are not the encoder\'s, and tuned weights on the tfjs graph', async () => {
    const bad = path.join(dir, 'bad.f32');
    fs.writeFileSync(bad, Buffer.alloc(4 * 6));
    fs.writeFileSync(`${bad}.json`, JSON.stringify([{ name: 'tanh/b', shape: [6] }]));
    await expect(loadOnnxEncoder({ weights: bad })).rejects.toThrow(/tanh\/b has shape/);
    fs.writeFileSync(`${bad}.json`, JSON.stringify([{ name: 'L7/qkv/b', shape: [6] }]));
    await expect(loadOnnxEncoder({ weights: bad })).rejects.toThrow(/names no encoder weight: L7\/qkv\/b/);
    await expect(loadEncoder({ weights: file, runtime: 'tfjs-graph' })).rejects.toThrow(/onnx runtime/);
  });
});
