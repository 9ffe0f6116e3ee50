import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { defaultModelDir, HashedToxicityModel } from '../../src/model';
import { readModel } from '../../src/model/io';
import { wordIndex } from '../../src/model/features';
import { allocateSharedTables, fillSharedTables, foldWordParts, sharedTablesFor, toxicityDirOf, type SharedTables } from '../../src/model/tables';
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

  it('hold exactly the embedding, folded vocabulary and wide codes a thread decodes on its own', () => {
    const { config } = own.meta;
    expect(sameBits(shared.emb, own.weights.emb)).toBe(true);
    expect(shared.embMaxAbs[0]).toBe(own.weights.embMaxAbs);
    const folded = foldWordParts(wordIndex(own.weights.words!, config.buckets), own.weights.emb, config.buckets, config.dim);
    expect(folded.some((x) => x !== 0)).toBe(true);
    expect(sameBits(shared.folded, folded)).toBe(true);
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

  it('a fold chunk claimed by a thread that never finishes it is folded by a waiting thread: the same tables', () => {
    const t = allocateSharedTables(DIR)!;
    // As if a scorer thread had claimed the first chunk (board: [state, next, pending, chunk states...]) and died.
    Atomics.store(t.state, 1, 1);
    Atomics.store(t.state, 3, 1);
    expect(fillSharedTables(t)).toBe(true);
    expect(Atomics.load(t.state, 0)).not.toBe(1); // not filled: that chunk is still out
    const started = Date.now();
    const got = sharedTablesFor(t, DIR, 'weights.bin');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900); // it waited for the claimer first
    expect(got?.folded).toBe(t.folded);
    expect(sameBits(t.folded, shared.folded)).toBe(true);
    expect(sameBits(t.emb, shared.emb)).toBe(true);
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
