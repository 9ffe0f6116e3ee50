import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runTraining, parseArgs } from '../../src/train/cli';
import { saveModel } from '../../src/model/io';
import { loadModel } from '../../src/model';
import { describeWithDatasets } from '../datasets';


describe('train CLI options', () => {
  it('parses the documented flags and rejects unknown ones', () => {
    const o = parseArgs(['--seed', '3', '--epochs', '2', '--limit', '100', '--out', 'x', '--set', 'dim=16', '--no-save']);
    expect(o).toMatchObject({ seed: 3, epochs: 2, limit: 100, save: false, overrides: { dim: 16 } });
    expect(o.out).toBe(path.resolve('x'));
    expect(() => parseArgs(['--bogus'])).toThrow(/unknown option/);
  });
});

describeWithDatasets('smoke training (a few hundred examples)', () => {
  // Pretrained word rows from a tiny fixture in the package's format (the real file is 307 MB).
  const vectorsBefore = process.env.MODERATO_VECTORS;
  beforeAll(() => {
    process.env.MODERATO_VECTORS = path.join(__dirname, '..', 'fixtures', 'vectors', 'tiny-vectors.json');
  });
  afterAll(() => {
    if (vectorsBefore === undefined) delete process.env.MODERATO_VECTORS;
    else process.env.MODERATO_VECTORS = vectorsBefore;
  });

  it('is reproducible for a seed and produces a loadable model', async () => {
    const o = { ...parseArgs(['--limit', '150', '--epochs', '1', '--per-pool', '100', '--set', 'buckets=4096', '--set', 'dim=8', '--set', 'h1=16', '--set', 'h2=16', '--set', 'wordTop=30']), save: false };
    const log = (): void => undefined;
    const a = await runTraining({ ...o, seed: 5 }, undefined, log);
    const b = await runTraining({ ...o, seed: 5 }, undefined, log);
    expect(Array.from(a.weights.dense.w1.slice(0, 50))).toEqual(Array.from(b.weights.dense.w1.slice(0, 50)));
    expect(a.trialF1).toBeCloseTo(b.trialF1, 10);
    expect(a.trialF1).toBeGreaterThan(0.05);
    // Model 2.3.0: the wide part is trained (same seed, same weights) and blended in.
    expect(a.meta.wide?.bits).toBe(20);
    expect(Array.from((a.weights.wide as Float32Array).slice(0, 5000))).toEqual(Array.from((b.weights.wide as Float32Array).slice(0, 5000)));
    expect((a.weights.wide as Float32Array).some((x) => x !== 0)).toBe(true);
    // Model 2.4.0: a wide head for threat, trained the same way; 2.5.0: insult and profanity too.
    expect(a.meta.wide?.heads?.map((h) => h.category)).toEqual(['insult', 'threat', 'profanity']);
    for (const c of ['insult', 'threat', 'profanity'] as const) {
      expect(Array.from((a.weights.wideHeads?.[c] as Float32Array).slice(0, 5000))).toEqual(Array.from((b.weights.wideHeads?.[c] as Float32Array).slice(0, 5000)));
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moderato-smoke-'));
    saveModel(dir, a.meta, a.weights);
    // Model v2: the fixture's words (30 most frequent + corpus words it has) are rows after the buckets.
    expect(a.meta.config.words).toBeGreaterThanOrEqual(30);
    expect(a.weights.words).toHaveLength(a.meta.config.words as number);
    expect(fs.readFileSync(path.join(dir, 'words.txt'), 'utf8').split('\n')[0]).toBe('the');
    const m = await loadModel(dir);
    const [p] = await m.predict(['you are an idiot']);
    expect(p.tokenToxic).toHaveLength(4);
    expect(p.spanPresence).toBeGreaterThanOrEqual(0);
    expect(p.spanPresence).toBeLessThanOrEqual(1);
    m.dispose();
    fs.rmSync(dir, { recursive: true });
  }, 240000);
});
