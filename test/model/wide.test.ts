import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { HashedToxicityModel } from '../../src/model';
import { initBackend } from '../../src/model/backend';
import type { NetConfig } from '../../src/model/net';
import { readModel, saveModel, type ModelMeta } from '../../src/model/io';
import { FEATURE_VERSION } from '../../src/model/features';
import { blendToxicity, collectWideFeatures, quantizeWide, WidePart, wideFeatures, wideLogit } from '../../src/model/wide';
import { initWeights } from '../../src/train/trainer';

const C = { bits: 12, charN: [4] };

/** The feature rules stated with regular expressions and strings (slow; the one-pass scanner must agree). */
function reference(text: string, c: { bits: number; charN: number[] }): number[] {
  const fnv = (s: string): number => {
    let h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
    return (h >>> 0) & ((1 << c.bits) - 1);
  };
  const low = text.toLowerCase();
  const seen = new Set<number>();
  const words = low.match(/[\p{L}\p{N}'*@$!]+/gu) ?? [];
  words.forEach((w, i) => {
    seen.add(fnv('w:' + w));
    if (i) seen.add(fnv('b:' + words[i - 1] + ' ' + w));
  });
  const t = ' ' + low.replace(/\s+/g, ' ').trim() + ' ';
  for (const n of c.charN) for (let i = 0; i + n <= t.length; i++) seen.add(fnv(`c${n}:` + t.slice(i, i + n)));
  return [...seen].sort((a, b) => a - b);
}

describe('wide features', () => {
  it('the one-pass scanner gives exactly the features of the stated rules', () => {
    const long = Array.from({ length: 120 }, (_, i) => `word${i % 17}, `).join('');
    const texts = ['', '   ', ' a ', 'x', 'You idiot!', "Don't   TELL me\n\nwhat to do...", 'héllo 𝒳𝒴 wörld\u00a0\u2003 tab\tend  ', '😀😀 lol 😀', 'İstanbul ǅ', 'f*ck @you $$ !!', '\ud800 lone surrogate', 'a\u200bb', 'Ａｂｃ　全角', long];
    for (const c of [{ bits: 20, charN: [4] }, { bits: 12, charN: [3, 5] }, { bits: 16, charN: [] }]) {
      for (const t of texts) expect(Array.from(wideFeatures(t, c)).sort((a, b) => a - b)).toEqual(reference(t, c));
    }
    // The scratch buffer grows for a long comment.
    const out = { buf: new Int32Array(4) };
    expect(collectWideFeatures(long, { bits: 20, charN: [4] }, out)).toBe(reference(long, { bits: 20, charN: [4] }).length);
  });

  it('hashes each word, each adjacent pair and each character 4-gram once', () => {
    // " you idiot " has 8 four-grams; 2 words and 1 pair: 11 features unless two collide in 2^20.
    expect(wideFeatures('You idiot', { bits: 20, charN: [4] })).toHaveLength(11);
    // Repeats add nothing: the features are a set.
    expect(wideFeatures('idiot idiot idiot', { bits: 20, charN: [] })).toHaveLength(2);
  });

  it('are the same for the same text, case and spacing aside, and stay inside the table', () => {
    const a = Array.from(wideFeatures('You   IDIOT', C)).sort();
    const b = Array.from(wideFeatures('you idiot', C)).sort();
    expect(a).toEqual(b);
    for (const f of a) expect(f >= 0 && f < 1 << C.bits).toBe(true);
    expect(Array.from(wideFeatures('you genius', C)).sort()).not.toEqual(b);
  });

  it('the logit is the bias plus the weights summed over sqrt(count); the blend with weight 0 returns the network score', () => {
    const w = new Float32Array(1 << C.bits);
    const f = wideFeatures('you idiot', C);
    for (const i of f) w[i] = 1;
    expect(wideLogit(w, 0.5, f)).toBeCloseTo(0.5 + f.length / Math.sqrt(f.length), 5);
    expect(blendToxicity(0.8, 3, { cnn: 1, wide: 0, bias: 0 })).toBeCloseTo(0.8, 5);
    expect(blendToxicity(0.5, 2, { cnn: 1, wide: 1, bias: 0 })).toBeCloseTo(1 / (1 + Math.exp(-2)), 5);
    expect(() => new WidePart({ ...C, bias: 0, blend: { cnn: 1, wide: 1, bias: 0 } }, new Float32Array(10))).toThrow(/2\^12/);
  });

  it('a loaded wide part sums uint8 codes: the logit of the dequantised weights, and re-quantising them gives the same codes', () => {
    const w = Float32Array.from({ length: 1 << C.bits }, (_, i) => Math.sin(i * 1.7) * 1.3);
    const { q, m, step } = quantizeWide(w);
    const deq = Float32Array.from(q, (x) => x * step - m);
    expect(Array.from(quantizeWide(deq).q)).toEqual(Array.from(q));
    const part = new WidePart({ ...C, bias: 0.2, blend: { cnn: 1, wide: 1, bias: 0 } }, w);
    for (const t of ['you idiot', 'a longer and entirely friendly comment about the harbour footbridge']) {
      expect(part.logit(t)).toBeCloseTo(wideLogit(deq, 0.2, wideFeatures(t, C)), 5);
      expect(Math.abs(part.logit(t) - wideLogit(w, 0.2, wideFeatures(t, C)))).toBeLessThan(step);
    }
  });
});

describe('a model with a wide part', () => {
  const cfg: NetConfig = { buckets: 1 << 10, dim: 8, h1: 6, h2: 5, k1: 5, k2: 3, featureVersion: FEATURE_VERSION, globalContext: true, commentHidden: 4 };
  beforeAll(() => initBackend('wasm'));

  it('survives save -> load within a step of the uint8 quantisation and blends toxicity on both inference paths', async () => {
    const w = initWeights(cfg, 3);
    const wide = new Float32Array(1 << C.bits);
    for (let i = 0; i < wide.length; i++) wide[i] = Math.sin(i) * 2;
    for (const i of wideFeatures('you idiot', C)) wide[i] = 3;
    const meta: ModelMeta = { format: 'moderato-toxicity', name: 't', version: '0', config: cfg, thresholds: { span: 0.5 }, wide: { ...C, bias: -1, blend: { cnn: 0.5, wide: 1, bias: 0.1 } } };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moderato-wide-'));
    saveModel(dir, meta, { ...w, wide });
    const back = readModel(dir);
    expect(back.meta.wide).toEqual(meta.wide);
    let maxErr = 0;
    for (let i = 0; i < wide.length; i++) maxErr = Math.max(maxErr, Math.abs((back.weights.wide as Float32Array)[i] - wide[i]));
    expect(maxErr).toBeLessThanOrEqual(3 / 255 + 1e-6);
    const withWide = new HashedToxicityModel(back.meta, back.weights, 'wasm');
    const { wide: _w, ...plainMeta } = back.meta;
    void _w;
    const plain = new HashedToxicityModel(plainMeta, back.weights, 'wasm');
    const texts = ['you idiot', 'hello there', ''];
    const a = withWide.predictSync(texts);
    const ref = withWide.predictReference(texts);
    const p = plain.predictSync(texts);
    const part = new WidePart(back.meta.wide!, back.weights.wide!);
    for (let i = 0; i < 2; i++) {
      const blended = { toxicity: p[i].toxicity, categories: { ...p[i].categories } };
      part.apply(texts[i], blended);
      expect(a[i].toxicity).toBeCloseTo(blended.toxicity, 5);
      expect(ref[i].toxicity).toBeCloseTo(a[i].toxicity, 4);
      // Only toxicity is blended.
      expect(a[i].categories).toEqual(p[i].categories);
    }
    expect(a[0].toxicity).toBeGreaterThan(a[1].toxicity);
    expect(a[2].toxicity).toBe(0);
    withWide.dispose();
    plain.dispose();
    // A model.json naming a wide part without its weights is refused.
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ ...JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')), wide: { ...C, bits: 13 } }));
    expect(() => readModel(dir)).toThrow(/wide weights missing or of the wrong size/);
    fs.rmSync(dir, { recursive: true });
  });

  it('blends a category head into that category only, and saves and loads its table', () => {
    const w = initWeights(cfg, 4);
    const wide = new Float32Array(1 << C.bits);
    const threat = new Float32Array(1 << C.bits);
    for (const i of wideFeatures('i will hurt you', C)) threat[i] = 4;
    const heads = [{ category: 'threat' as const, bias: -2, blend: { cnn: 1, wide: 1, bias: 0 } }];
    const meta: ModelMeta = { format: 'moderato-toxicity', name: 't', version: '0', config: cfg, thresholds: { span: 0.5 }, wide: { ...C, bias: 0, blend: { cnn: 1, wide: 0, bias: 0 }, heads } };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moderato-wide-head-'));
    expect(() => saveModel(dir, meta, { ...w, wide })).toThrow(/weights for wide_threat/);
    expect(() => new WidePart(meta.wide!, wide)).toThrow(/wide head threat: no weights given/);
    saveModel(dir, meta, { ...w, wide, wideHeads: { threat } });
    const back = readModel(dir);
    expect(back.meta.wide?.heads).toEqual(heads);
    const withHead = new HashedToxicityModel(back.meta, back.weights, 'wasm');
    const { wide: _w, ...plainMeta } = back.meta;
    void _w;
    const plain = new HashedToxicityModel(plainMeta, back.weights, 'wasm');
    const texts = ['i will hurt you', 'see you at the harbour'];
    const a = withHead.predictSync(texts);
    const p = plain.predictSync(texts);
    // blend cnn 1 / wide 0 leaves toxicity as the network's; the head moves threat alone.
    for (let i = 0; i < 2; i++) {
      expect(a[i].toxicity).toBeCloseTo(p[i].toxicity, 6);
      for (const c of ['insult', 'identity_attack', 'profanity', 'other'] as const) expect(a[i].categories[c]).toBe(p[i].categories[c]);
    }
    const table = back.weights.wideHeads?.threat as Float32Array;
    texts.forEach((t, i) => expect(a[i].categories.threat).toBeCloseTo(blendToxicity(p[i].categories.threat, wideLogit(table, -2, wideFeatures(t, C)), heads[0].blend), 5));
    expect(a[0].categories.threat).toBeGreaterThan(p[0].categories.threat + 0.1);
    withHead.dispose();
    plain.dispose();
    // A model.json naming a head whose table is not in weights.bin is refused.
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ ...JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')), wide: { ...meta.wide, heads: [...heads, { ...heads[0], category: 'insult' }] } }));
    expect(() => readModel(dir)).toThrow(/wide_insult weights missing/);
    fs.rmSync(dir, { recursive: true });
  });
});
