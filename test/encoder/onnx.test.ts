import * as fs from 'fs';
import * as path from 'path';
import { ENCODER_DIM, loadEncoder, loadTokenizer } from '../../src/encoder';
import { CANARY_TEXT, canaryDiff } from '../../src/encoder/canary';
import { loadGraphEncoder, type IdEncoder } from '../../src/encoder/graph';
import { loadOnnxEncoder } from '../../src/encoder/onnx';
import { loadTsd } from '../../src/data';
import { haveDatasets } from '../datasets';

/** Real comments: tsd_trial when the shared datasets are here, else the shipped fixture's texts. */
function comments(n: number): string[] {
  if (haveDatasets) return loadTsd('tsd_trial').slice(0, n).map((p) => p.text);
  return fs
    .readFileSync(path.join(__dirname, '..', 'fixtures', 'comments.jsonl'), 'utf8')
    .split('\n')
    .flatMap((l) => {
      try {
        const r = JSON.parse(l) as { text?: unknown; comments?: Array<{ text: string }> };
        return typeof r.text === 'string' ? [r.text] : (r.comments ?? []).map((c) => c.text);
      } catch {
        return [];
      }
    });
}

const maxDiff = (a: Float32Array[], b: Float32Array[]): number => Math.max(...a.map((x, i) => Math.max(...x.map((y, k) => Math.abs(y - b[i][k])))));

let graph: IdEncoder;
let onnx: IdEncoder;
const tok = loadTokenizer();
beforeAll(async () => {
  [graph, onnx] = await Promise.all([loadGraphEncoder(), loadOnnxEncoder({ maxBatch: 8 })]);
});
afterAll(async () => {
  await Promise.all([graph.dispose(), onnx.dispose()]);
});

describe('ONNX re-implementation of the encoder', () => {
  it('matches the package graph model to 1e-4 on real comments, a long one, an empty one and odd ones', async () => {
    const texts = [...comments(30), 'word '.repeat(200), '', '😀😀 ﬁne', 'x'];
    const ids = texts.map((t) => tok.ids(t));
    const [g, o] = [await graph.embedIds(ids), await onnx.embedIds(ids)];
    expect(o).toHaveLength(texts.length);
    expect(o.every((v) => v.length === ENCODER_DIM)).toBe(true);
    expect(maxDiff(g, o)).toBeLessThan(1e-4);
  });

  it('gives a text the same vector alone as padded in a batch of longer ones', async () => {
    const ids = ['short', 'a somewhat longer comment than the first one', 'and the longest comment of the three, padded to by the others'].map((t) => tok.ids(t));
    const batched = await onnx.embedIds(ids);
    const alone = await Promise.all(ids.map(async (x) => (await onnx.embedIds([x]))[0]));
    expect(maxDiff(batched, alone)).toBeLessThan(1e-5);
  });

  it('gives the graph\'s last-layer token states, one per piece up to 128, and the same vector as embedIds', async () => {
    const ids = [...comments(5), 'word '.repeat(150), ''].map((t) => tok.ids(t));
    const [g, o] = [await graph.statesIds(ids), await onnx.statesIds(ids)];
    o.forEach((r, i) => {
      expect(r.states.length).toBe(Math.min(ids[i].length, 128) * ENCODER_DIM);
      expect(g[i].states.length).toBe(r.states.length);
      // States are not normalised (entries reach tens): compare relative to their scale.
      const scale = Math.max(1, ...g[i].states.map(Math.abs));
      expect(Math.max(0, ...r.states.map((x, k) => Math.abs(x - g[i].states[k]))) / scale).toBeLessThan(1e-5);
    });
    expect(maxDiff(o.map((r) => r.vector), await onnx.embedIds(ids))).toBeLessThan(1e-6);
  });

  it('passes the load-time canary, which a wrong vector fails', async () => {
    const [v] = await onnx.embedIds([tok.ids(CANARY_TEXT)]);
    expect(canaryDiff(v)).toBeLessThan(1e-4);
    const [other] = await onnx.embedIds([tok.ids('Something else entirely.')]);
    expect(canaryDiff(other)).toBeGreaterThan(1e-2);
  });

  it('is what loadEncoder({ runtime: "auto" }) picks', async () => {
    const enc = await loadEncoder({ runtime: 'auto', cacheSize: 0 });
    expect(enc.info.runtime).toMatch(/^onnx/);
    await enc.dispose();
  });
});
