/**
 * The fast inference path (src/model/infer.ts) against the original padded tf forward pass
 * (`predictReference`, i.e. `forwardInfer`) on architectures other than the shipped one: feature
 * v2 bigrams, no global context, a linear comment head, a wider second window, random weights
 * with non-zero biases. The shipped model itself is pinned by equivalence.test.ts.
 */
import { HashedToxicityModel } from '../../src/model';
import { initBackend } from '../../src/model/backend';
import type { ModelMeta } from '../../src/model/io';
import type { NetConfig } from '../../src/model/net';
import { initWeights } from '../../src/train/trainer';
import type { CommentPrediction } from '../../src/model/types';
import { CATEGORIES } from '../../src/types';
import { BoundedCache } from '../../src/util/bounded-cache';
import { TokenVectorCache } from '../../src/model/vector-cache';
import { bigramHash, fnv, H_AFTER, H_BEFORE, MAX_TOKEN_FEATURES, tokenFeatureIds, tokenFeatureStrings } from '../../src/model/features';
import { tokenize } from '../../src/text';
import fc from 'fast-check';

const TEXTS = [
  'you are a stupid idiot',
  'Thanks for the article, very helpful!',
  'f*ck this 1d10t and his s t u p i d friends 😡',
  'x',
  '',
  'A longer comment about the council meeting, the budget of $1,250,000 and the footbridge. '.repeat(12),
  '@someone #tag https://example.com ok',
  'ok ok ok ok',
  // One normal form, many raw forms (shape and raw features differ): more variants than the cache chain holds.
  'Idiot idiot IDIOT iDiot idioT IdIoT 1d10t idiot Idiot',
];

function worstDiff(a: CommentPrediction[], b: CommentPrediction[]): number {
  let d = 0;
  a.forEach((p, i) => {
    const q = b[i];
    expect(p.tokens).toEqual(q.tokens);
    d = Math.max(d, Math.abs(p.toxicity - q.toxicity));
    for (const c of CATEGORIES) d = Math.max(d, Math.abs(p.categories[c] - q.categories[c]));
    for (let t = 0; t < p.tokenToxic.length; t++) d = Math.max(d, Math.abs(p.tokenToxic[t] - q.tokenToxic[t]));
  });
  return d;
}

function model(cfg: NetConfig, seed: number, words?: string[]): HashedToxicityModel {
  const w = { ...initWeights(cfg, seed), ...(words ? { words } : {}) };
  for (let i = 0; i < w.emb.length; i++) w.emb[i] = Math.sin(i * 0.7 + seed) * 0.8;
  // Non-zero biases (initWeights leaves them at 0) so every bias path is exercised.
  for (const [k, a] of Object.entries(w.dense)) if (k.startsWith('b')) for (let i = 0; i < a.length; i++) a[i] = Math.cos(i + seed) * 0.3;
  const meta: ModelMeta = { format: 'moderato-toxicity', name: 't', version: '0', config: cfg, thresholds: {} };
  return new HashedToxicityModel(meta, w, 'wasm');
}

beforeAll(async () => {
  await initBackend('wasm');
});

describe('fast inference path equals the reference forward pass', () => {
  const base: NetConfig = { buckets: 1 << 12, dim: 16, h1: 12, h2: 10, k1: 5, k2: 3, featureVersion: 1, globalContext: true, commentHidden: 8 };
  const variants: Array<[string, NetConfig]> = [
    ['shipped shape (global context, MLP comment head)', base],
    ['feature v2 (word bigrams)', { ...base, featureVersion: 2 }],
    ['no global context, linear comment head', { ...base, globalContext: false, commentHidden: 0 }],
    ['global context, linear comment head, windows 3/5', { ...base, k1: 3, k2: 5, commentHidden: undefined }],
  ];
  it.each(variants)('%s', (_name, cfg) => {
    const m = model(cfg, 3);
    try {
      const fast = m.predictSync(TEXTS);
      const ref = m.predictReference(TEXTS);
      expect(worstDiff(fast, ref)).toBeLessThan(1e-4);
      // The scores are not all alike (the check would be weak on a constant model).
      expect(new Set(fast.filter((p) => p.tokens.length).map((p) => p.toxicity.toFixed(4))).size).toBeGreaterThan(3);
      // Warm cache, one by one and in reverse order: the same again.
      const again = [...TEXTS].reverse().map((t) => m.predictSync([t])[0]).reverse();
      expect(worstDiff(again, ref)).toBeLessThan(1e-4);
    } finally {
      m.dispose();
    }
  });

  it('pretrained word rows: vocabulary words (folded once at load) in every spelling and kind', () => {
    // Vocabulary words as words, hashtags, mentions and numbers, in several raw forms.
    const words = ['you', 'idiot', 'ok', 'article', 'tag', 'someone', '1', 'helpful'];
    const m = model({ ...base, words: words.length }, 7, words);
    try {
      const texts = [...TEXTS, '#idiot @you YOU You yOu 1 ok OK Ok', 'an idiot wrote this article #Helpful'];
      const ref = m.predictReference(texts);
      expect(worstDiff(m.predictSync(texts), ref)).toBeLessThan(1e-4);
      // And one by one after the cache is emptied (the folded rows are not a cache: they stay).
      m.clearCaches();
      expect(worstDiff(texts.map((t) => m.predictSync([t])[0]), ref)).toBeLessThan(1e-4);
    } finally {
      m.dispose();
    }
  });

  it('splits a call larger than one chunk (long comments) without changing outputs', () => {
    const m = model(base, 5);
    try {
      const texts = Array.from({ length: 40 }, (_, i) => `comment ${i}: ` + 'word salad and more words '.repeat(10 + (i % 7) * 15));
      expect(worstDiff(m.predictSync(texts), m.predictReference(texts))).toBeLessThan(1e-4);
    } finally {
      m.dispose();
    }
  });
});

describe('tokenFeatureIds (the cache-miss path) hashes exactly the feature strings', () => {
  const mask = (1 << 17) - 1;
  const check = (text: string): void => {
    const ids = new Int32Array(MAX_TOKEN_FEATURES);
    const ws = new Float32Array(MAX_TOKEN_FEATURES);
    for (const tok of tokenize(text)) {
      const want = tokenFeatureStrings(tok);
      const n = tokenFeatureIds(tok, mask, ids, ws);
      expect(n).toBe(want.length);
      expect(Array.from(ids.subarray(0, n))).toEqual(want.map(([f]) => fnv(f) & mask));
      expect(Array.from(ws.subarray(0, n))).toEqual(want.map(([, w]) => Math.fround(w)));
    }
  };
  it('on examples (long words hit the n-gram cap, obfuscations, hashtags, emoji)', () => {
    check('You 1d10t! f*ck #Shame @bob https://x.com 😡 supercalifragilisticexpialidocious ИДИОТ s t u p i d 1,000');
  });
  it('property: on arbitrary strings', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' })), (s) => check(s)), { numRuns: 300 });
  });
});

describe('bigramHash (the bigram rows without building their strings)', () => {
  it('equals fnv of the feature string, on arbitrary neighbours', () => {
    for (const [l, r] of [['<s>', 'you'], ['idiot', '</s>'], ['', ''], ['a|b', 'ø😡']]) {
      expect(bigramHash(H_BEFORE, l, r)).toBe(fnv('b:' + l + '|' + r));
      expect(bigramHash(H_AFTER, l, r)).toBe(fnv('a:' + l + '|' + r));
    }
    fc.assert(fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (l, r) => bigramHash(H_BEFORE, l, r) === fnv('b:' + l + '|' + r)), { numRuns: 300 });
  });
});

describe('BoundedCache', () => {
  it('keeps at most two generations and recent keys', () => {
    const c = new BoundedCache<number>(3);
    for (let i = 0; i < 10; i++) c.set(`k${i}`, i);
    expect(c.size).toBeLessThanOrEqual(6);
    expect(c.get('k9')).toBe(9);
    expect(c.get('k0')).toBeUndefined();
    // A hit in the old generation survives the next turnover.
    const d = new BoundedCache<number>(2);
    d.set('a', 1);
    d.set('b', 2);
    d.set('c', 3); // a, b now old
    expect(d.get('a')).toBe(1); // promoted
    d.set('e', 5); // turnover: {c, a} old, {e} new
    d.set('f', 6);
    d.set('g', 7); // turnover: {e, f} old: b and c gone, a gone too
    expect(d.get('b')).toBeUndefined();
    expect(d.get('f')).toBe(6);
  });
});

describe('TokenVectorCache', () => {
  it('keeps raw variants of one normal form apart, bounds its size, and keeps recently used vectors', () => {
    const c = new TokenVectorCache(2, 3);
    expect(c.size).toBe(0); // the code primer (primeCacheCode) ran on a cache of its own
    const put = (norm: string, text: string, kind: string, a: number): void => {
      const e = c.put(norm, text, kind);
      expect(Array.from(e.slab.subarray(e.off, e.off + 2))).toEqual([0, 0]); // a zeroed slot
      e.slab[e.off] = a;
      e.slab[e.off + 1] = -a;
    };
    const read = (norm: string, text: string, kind: string): number | undefined => {
      const e = c.get(norm, text, kind);
      return e ? e.slab[e.off] : undefined;
    };
    put('you', 'you', 'word', 1);
    put('you', 'You', 'word', 2);
    expect(read('you', 'you', 'word')).toBe(1);
    expect(read('you', 'You', 'word')).toBe(2);
    expect(read('you', 'YOU', 'word')).toBeUndefined();
    expect(read('you', 'you', 'punct')).toBeUndefined();
    put('a', 'a', 'word', 3); // generation full (3)
    put('b', 'b', 'word', 4); // turnover: {you, You, a} old
    expect(read('you', 'You', 'word')).toBe(2); // promoted into the current generation
    put('c', 'c', 'word', 5);
    put('d', 'd', 'word', 6); // turnover: {b, You, c} old; 'you' and 'a' dropped
    expect(c.size).toBeLessThanOrEqual(6);
    expect(read('a', 'a', 'word')).toBeUndefined();
    expect(read('you', 'you', 'word')).toBeUndefined();
    expect(read('you', 'You', 'word')).toBe(2);
    expect(read('d', 'd', 'word')).toBe(6);
    c.clear();
    expect(c.size).toBe(0);
    expect(read('d', 'd', 'word')).toBeUndefined();
  });
});
