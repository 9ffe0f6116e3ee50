/**
 * The category gate: the toxicity under which no category may reach 0.5, tuned on the
 * calibration slice (`tuneCategoryGate`, src/train/cli.ts) and applied by the model
 * (`gateCategories`, src/model/index.ts).
 */
import { tuneCategoryGate } from '../../src/train/cli';
import { gateCategories } from '../../src/model';
import { COMMENT_TARGETS, type Example } from '../../src/train/examples';
import { CATEGORIES } from '../../src/types';
import { logit, sigmoid } from '../../src/util/math';
import type { CommentPrediction } from '../../src/model/types';

const example = (text: string, toxicity: number, tokens = 1): Example => {
  const comY = new Float32Array(COMMENT_TARGETS);
  const comM = new Float32Array(COMMENT_TARGETS);
  comY[0] = toxicity;
  comM[0] = 1;
  return { text, source: 'x', tokens: Array.from({ length: tokens }, () => ({}) as never), feats: null as never, spanY: toxicity === 0 ? new Float32Array(tokens) : null, spanW: 0.1, typeY: null, typeW: null, comY, comM };
};
const cats = (v: number): CommentPrediction['categories'] => Object.fromEntries(CATEGORIES.map((c) => [c, v])) as CommentPrediction['categories'];
const pred = (toxicity: number, category: number): CommentPrediction => ({ tokens: [], tokenToxic: new Float32Array(0), tokenType: new Uint8Array(0), toxicity, categories: cats(category) });

describe('gateCategories', () => {
  it('caps each category at sigmoid(logit(toxicity) - logit(f)): 0.5 exactly where toxicity is f', () => {
    const low = { toxicity: 0.2, categories: cats(0.7) };
    gateCategories(low, 0.25);
    for (const c of CATEGORIES) expect(low.categories[c]).toBeCloseTo(sigmoid(logit(0.2) - logit(0.25)), 10);
    expect(low.categories.insult).toBeLessThan(0.5);
    const at = { toxicity: 0.25, categories: cats(0.9) };
    gateCategories(at, 0.25);
    expect(at.categories.threat).toBeCloseTo(0.5, 10);
    const toxic = { toxicity: 0.9, categories: { ...cats(0.1), threat: 0.7 } };
    gateCategories(toxic, 0.25);
    expect(toxic.categories).toEqual({ ...cats(0.1), threat: 0.7 });
  });
});

describe('tuneCategoryGate', () => {
  it('picks the toxicity floor that stops categories flagging clean comments, and 0 when nothing needs it', () => {
    // Clean comments at toxicity 0.2 with a category over 0.5 (false flags), toxic ones flagged by toxicity.
    const cal = [...Array.from({ length: 10 }, (_, i) => example(`ok ${i}`, 0)), ...Array.from({ length: 10 }, (_, i) => example(`bad ${i}`, 1))];
    const preds = [...Array.from({ length: 10 }, () => pred(0.2, 0.6)), ...Array.from({ length: 10 }, () => pred(0.8, 0.6))];
    const g = tuneCategoryGate(cal, preds);
    expect(g.f).toBeGreaterThan(0.2);
    expect(g.f1).toBe(1);
    expect(g.f1Ungated).toBeCloseTo(2 / 3, 10);
    const quiet = tuneCategoryGate(cal, [...preds.slice(0, 10).map(() => pred(0.2, 0.1)), ...preds.slice(10)]);
    expect(quiet).toEqual({ f: 0, f1: 1, f1Ungated: 1 });
  });
});
