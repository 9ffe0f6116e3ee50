import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { defaultModelDir, HashedToxicityModel } from '../../src/model';
import { readModel } from '../../src/model/io';
import { MAX_TOKEN_FEATURES, wordIndex } from '../../src/model/features';
import { allocateSharedTables, fillSharedTables, foldWord, sharedTablesFor, toxicityDirOf, type SharedTables } from '../../src/model/tables';
import { wideCodes } from '../../src/model/wide';
import { initBackend } from '../../src/model/backend';
import { scorerModelDir, type ScorerMode } from '../../src/scorer/modes';

/** The convolutional model folder a scorer of these options loads, as the pool's main thread finds it. */
const dirOf = (o: { modelDir?: string; mode?: ScorerMode }): string | undefined => toxicityDirOf(scorerModelDir(o) ?? defaultModelDir());

const DIR = defaultModelDir();
const TEXTS = ['You are a stupid idiot and nobody likes you.', 'Thanks for the clear article about the footbridge 🙂', 'sh1t, the c0uncil are m o r o n s', 'Café owners deserve better', ''];

/** Same bits, not merely close: the tables must be what each thread computed for itself. */
const sameBits = (a: Float32Array | Float64Array | Uint8Array, b: Float32Array | Float64Array | Uint8Array): boolean =>
  a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('shared model tables (a scorer pool fills them once for its threads)', () => {
  let shared: SharedTables;
  let own: ReturnType<typeof readModel>;
  beforeAll(() => {
    shared = allocateSharedTables(DIR)!;
    expect(fillSharedTables(shared)).toBe(true);
    own = readModel(DIR);
  });

  it('hold exactly the embedding and wide codes a thread decodes on its own, and an empty folded vocabulary (folded as words are scored)', () => {
    const { config } = own.meta;
    expect(sameBits(shared.emb, own.weights.emb)).toBe(true);
    expect(shared.embMaxAbs[0]).toBe(own.weights.embMaxAbs);
    expect(shared.folded.ready.length).toBe(config.words);
    expect(shared.folded.rows.length).toBe(config.words! * config.dim);
    expect(shared.folded.ready.every((f) => f === 0)).toBe(true);
    const wide = wideCodes(own.meta.wide!, own.weights.wide!, own.weights.wideHeads);
    expect(sameBits(shared.wide!.codes, wide.codes)).toBe(true);
    expect(sameBits(shared.wide!.m, wide.m)).toBe(true);
    expect(sameBits(shared.wide!.step, wide.step)).toBe(true);
  });

  it('readModel takes them for these files, and the model scores exactly as one loaded alone', async () => {
    const withShared = readModel(DIR, shared);
    expect(withShared.weights.emb).toBe(shared.emb);
    expect(withShared.weights.folded).toBe(shared.folded);
    expect(withShared.weights.wideCodes).toBe(shared.wide);
    expect(withShared.weights.dense).toEqual(own.weights.dense);
    const backend = await initBackend();
    const a = new HashedToxicityModel(withShared.meta, withShared.weights, backend);
    const b = new HashedToxicityModel(own.meta, own.weights, backend);
    try {
      expect(await a.predict(TEXTS)).toEqual(await b.predict(TEXTS));
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('models on the same tables (a pool\'s threads) share the folded rows: each word folded once, to the bits of its own fold, the same outputs', async () => {
    const { config } = own.meta;
    const t = allocateSharedTables(DIR)!;
    expect(fillSharedTables(t)).toBe(true);
    const backend = await initBackend();
    const load = () => {
      const m = readModel(DIR, t);
      expect(m.weights.folded).toBe(t.folded);
      return new HashedToxicityModel(m.meta, m.weights, backend);
    };
    const [a, b, alone] = [load(), load(), new HashedToxicityModel(own.meta, own.weights, backend)];
    const ready = (): number => t.folded.ready.reduce((n, f) => n + f, 0);
    try {
      const want = alone.predictSync(TEXTS);
      expect(a.predictSync(TEXTS)).toEqual(want);
      const folded = ready();
      expect(folded).toBeGreaterThan(5);
      expect(folded).toBeLessThan(100); // only the words met, not the 58,766
      // Every ready row is the word's fold computed on its own, bit for bit.
      const ids = new Int32Array(MAX_TOKEN_FEATURES);
      const ws = new Float32Array(MAX_TOKEN_FEATURES);
      const row = new Float32Array(config.dim);
      const words = wordIndex(own.weights.words!, config.buckets);
      for (const [norm, at] of words) {
        const i = at - config.buckets;
        if (!t.folded.ready[i]) continue;
        row.fill(0);
        foldWord(norm, at, own.weights.emb, config.buckets, config.dim, ids, ws, row, 0);
        expect(sameBits(t.folded.rows.subarray(i * config.dim, (i + 1) * config.dim), row)).toBe(true);
      }
      // The second model (another thread) reads those rows: it folds nothing, and scores the same.
      expect(b.predictSync(TEXTS)).toEqual(want);
      expect(ready()).toBe(folded);
      // It does read them: a row marked ready is taken as it stands (here spoilt, then restored).
      const i = words.get('idiot')! - config.buckets;
      expect(t.folded.ready[i]).toBe(1);
      const kept = t.folded.rows.slice(i * config.dim, (i + 1) * config.dim);
      t.folded.rows.fill(3, i * config.dim, (i + 1) * config.dim);
      const c = load();
      try {
        expect(c.predictSync(TEXTS)[0].toxicity).not.toBe(want[0].toxicity);
      } finally {
        c.dispose();
      }
      t.folded.rows.set(kept, i * config.dim);
    } finally {
      a.dispose();
      b.dispose();
      alone.dispose();
    }
  });

  it('are ignored for other files: another folder, a weights file changed since, or a failed fill', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'moderato-tables-'));
    try {
      for (const f of fs.readdirSync(DIR)) fs.copyFileSync(path.join(DIR, f), path.join(tmp, f));
      expect(sharedTablesFor(shared, tmp, 'weights.bin')).toBeUndefined();
      expect(readModel(tmp, shared).weights.emb).not.toBe(shared.emb);
      // Allocated for the copy, then the copy changes: the fill refuses and the threads load their own.
      const stale = allocateSharedTables(tmp)!;
      fs.utimesSync(path.join(tmp, 'weights.bin'), new Date(), new Date(Date.now() + 5000));
      expect(fillSharedTables(stale)).toBe(false);
      expect(sharedTablesFor(stale, tmp, 'weights.bin')).toBeUndefined();
      // A folder without a model: nothing to share, and toxicityDirOf cannot name one.
      expect(allocateSharedTables(path.join(tmp, 'missing'))).toBeUndefined();
      expect(dirOf({ modelDir: path.join(tmp, 'missing') })).toBeUndefined();
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('name the convolutional model a scorer of those options loads: the folder given, or the base a heads file names', () => {
    expect(dirOf({})).toBe(path.resolve(DIR));
    expect(dirOf({ modelDir: path.join(DIR, 'model.json') })).toBe(path.resolve(DIR));
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'moderato-tables-'));
    try {
      fs.writeFileSync(path.join(tmp, 'model.json'), JSON.stringify({ format: 'moderato-heads', base: { dir: path.relative(tmp, DIR), version: 'x' } }));
      expect(dirOf({ modelDir: tmp, mode: 'accurate' })).toBe(path.resolve(DIR));
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
