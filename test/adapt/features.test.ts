import { baseInputs, dequantize, featureRow, quantize, readsArticle, rowLength } from '../../src/adapt';
import { ENCODER_DIM } from '../../src/encoder/types';
import { CATEGORIES } from '../../src/types';

describe('quantize', () => {
  it('round-trips a unit vector within half a step', () => {
    const v = Float32Array.from({ length: ENCODER_DIM }, (_, i) => Math.sin(i * 1.7));
    const norm = Math.hypot(...v);
    v.forEach((x, i) => (v[i] = x / norm));
    const back = dequantize(quantize(v));
    let worst = 0;
    v.forEach((x, i) => (worst = Math.max(worst, Math.abs(x - back[i]))));
    expect(worst).toBeLessThanOrEqual(0.5 / 127 + 1e-7);
  });

  it.each([
    [1, 127],
    [-1, -127],
    [2, 127],
    [0, 0],
  ])('maps %p to %p (clamped to the int8 code range)', (x, q) => {
    expect(quantize(Float32Array.of(x))[0]).toBe(q);
  });
});

describe('featureRow', () => {
  const vector = quantize(Float32Array.from({ length: ENCODER_DIM }, (_, i) => (i === 3 ? 0.5 : 0)));
  const base = { toxicity: 0.5, insult: 0.9, threat: 0.1, identity_attack: 0.2, profanity: 0.3, other: 0.4 };

  it('opens with the base logits in the documented order, then the vector', () => {
    const row = featureRow({ base, vector }, 'toxicity');
    expect(row.length).toBe(rowLength('toxicity'));
    expect(row.length).toBe(1 + CATEGORIES.length + ENCODER_DIM);
    expect(baseInputs('toxicity')).toEqual(['toxicity', ...CATEGORIES]);
    expect(row[0]).toBeCloseTo(0, 6);
    expect(row[1]).toBeCloseTo(Math.log(9), 5);
    expect(row[baseInputs('toxicity').length + 3]).toBeCloseTo(64 / 127, 6);
  });

  it('puts, for an off_topic head that reads the article, the comment-x-article product in place of the vector (zeros without the article\'s vector)', () => {
    const article = quantize(Float32Array.from({ length: ENCODER_DIM }, (_, i) => (i === 3 ? -0.25 : i === 4 ? 1 : 0)));
    const f = { base: { ...base, off_topic: 0.8 }, vector, article };
    const row = featureRow(f, 'off_topic', true);
    const n = baseInputs('off_topic').length;
    expect(row.length).toBe(rowLength('off_topic'));
    expect(Array.from(row.subarray(0, n))).toEqual(Array.from(featureRow(f, 'off_topic').subarray(0, n)));
    expect(row[n + 3]).toBeCloseTo(((64 * -32) / (127 * 127)) * 128, 5);
    expect(row[n + 4]).toBe(0);
    expect(featureRow(f, 'off_topic')[n + 3]).toBeCloseTo(64 / 127, 6);
    const without = featureRow({ base: f.base, vector }, 'off_topic', true);
    expect(without.subarray(n).every((x) => x === 0)).toBe(true);
    expect(() => featureRow({ ...f, article: new Int8Array(3) }, 'off_topic', true)).toThrow(expect.objectContaining({ code: 'MOD_ERR_MODEL' }));
    expect(readsArticle('off_topic')).toBe(true);
    expect(readsArticle('toxicity')).toBe(false);
  });

  it('reads the off-topic base only for the off_topic head', () => {
    const f = { base: { ...base, off_topic: 0.8 }, vector };
    expect(featureRow(f, 'off_topic').length).toBe(featureRow(f, 'insult').length + 1);
    expect(featureRow(f, 'off_topic')[CATEGORIES.length + 1]).toBeCloseTo(Math.log(4), 5);
  });

  it('refuses a vector of the wrong width', () => {
    expect(() => featureRow({ base, vector: new Int8Array(10) }, 'toxicity')).toThrow(expect.objectContaining({ code: 'MOD_ERR_MODEL' }));
  });
});
