import fc from 'fast-check';
import { assembleSpans, DEFAULT_SPAN_OPTIONS, spanOptionsFromThresholds } from '../../src/spans';
import { tokenize } from '../../src/text';
import type { CommentPrediction } from '../../src/model/types';
import { CATEGORIES } from '../../src/types';

/** A prediction with given per-token probabilities (by token text) and types. */
function pred(text: string, probs: Record<string, number>, toxicity = 0.9, types: Record<string, number> = {}): CommentPrediction {
  const tokens = tokenize(text);
  return {
    tokens,
    tokenToxic: Float32Array.from(tokens.map((t) => probs[t.text] ?? 0.01)),
    tokenType: Uint8Array.from(tokens.map((t) => types[t.text] ?? 0)),
    toxicity,
    categories: Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as CommentPrediction['categories'],
  };
}

describe('assembleSpans', () => {
  it('Model v2 gates: no spans below presenceMin (span presence) or minToxicity (comment toxicity)', () => {
    const p = { ...pred('you are an idiot', { idiot: 0.9 }, 0.8), spanPresence: 0.2 };
    expect(assembleSpans('you are an idiot', p).map((s) => s.text)).toEqual(['idiot']);
    expect(assembleSpans('you are an idiot', p, { presenceMin: 0.3 })).toEqual([]);
    expect(assembleSpans('you are an idiot', p, { presenceMin: 0.2 }).map((s) => s.text)).toEqual(['idiot']);
    expect(assembleSpans('you are an idiot', p, { minToxicity: 0.85 })).toEqual([]);
    // A model without a presence output is never gated by it.
    expect(assembleSpans('you are an idiot', pred('you are an idiot', { idiot: 0.9 }, 0.8), { presenceMin: 0.9 }).map((s) => s.text)).toEqual(['idiot']);
    expect(spanOptionsFromThresholds({ presenceMin: 0.35, spanMinToxicity: 0.1 })).toEqual({ presenceMin: 0.35, minToxicity: 0.1 });
  });

  it('merges adjacent toxic words with the space between them', () => {
    const text = 'you stupid idiot, go away';
    const s = assembleSpans(text, pred(text, { stupid: 0.9, idiot: 0.8 }));
    expect(s).toHaveLength(1);
    expect(s[0]).toMatchObject({ start: 4, end: 16, text: 'stupid idiot', type: 'insult' });
    expect(s[0].score).toBeCloseTo(0.9, 5);
  });

  it('keeps words separated by a clean word apart', () => {
    const text = 'a moron and a bigot';
    const s = assembleSpans(text, pred(text, { moron: 0.9, bigot: 0.9 }));
    expect(s.map((x) => x.text)).toEqual(['moron', 'bigot']);
  });

  it('merges across punctuation only when asked', () => {
    const text = 'idiot, moron';
    const p = pred(text, { idiot: 0.9, moron: 0.9, ',': 0.9 });
    expect(assembleSpans(text, p, { mergeAcrossPunct: false }).map((x) => x.text)).toEqual(['idiot', 'moron']);
    expect(assembleSpans(text, p, { mergeAcrossPunct: true }).map((x) => x.text)).toEqual(['idiot, moron']);
  });

  it('never reports punctuation alone', () => {
    const text = 'well !!! ok';
    expect(assembleSpans(text, pred(text, { '!!!': 0.99 }, 0.1))).toEqual([]);
  });

  it('falls back to the best token of a toxic comment, and only of a toxic one', () => {
    const text = 'this is pathetic behaviour';
    const probs = { pathetic: 0.35 };
    expect(assembleSpans(text, pred(text, probs, 0.9), { fallbackToxicity: 0.5, fallbackMinToken: 0.2 }).map((x) => x.text)).toEqual(['pathetic']);
    expect(assembleSpans(text, pred(text, probs, 0.3), { fallbackToxicity: 0.5, fallbackMinToken: 0.2 })).toEqual([]);
    expect(assembleSpans(text, pred(text, probs, 0.9), { fallbackToxicity: 0.5, fallbackMinToken: 0.5 })).toEqual([]);
  });

  it('types a span by the probability-weighted vote of its tokens', () => {
    const text = 'kill the dumb ones';
    const threat = CATEGORIES.indexOf('threat');
    const insult = CATEGORIES.indexOf('insult');
    const s = assembleSpans(text, pred(text, { kill: 0.95, the: 0.6, dumb: 0.5 }, 0.9, { kill: threat, the: threat, dumb: insult }));
    expect(s).toHaveLength(1);
    expect(s[0].type).toBe('threat');
  });

  it('spans always slice back to the text and never overlap (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.array(fc.float({ min: 0, max: 1, noNaN: true }), { maxLength: 60 }), (text, ps) => {
        const tokens = tokenize(text);
        const p: CommentPrediction = {
          tokens,
          tokenToxic: Float32Array.from(tokens.map((_, i) => ps[i % Math.max(1, ps.length)] ?? 0)),
          tokenType: new Uint8Array(tokens.length),
          toxicity: 0.9,
          categories: Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as CommentPrediction['categories'],
        };
        const spans = assembleSpans(text, p);
        let last = -1;
        for (const s of spans) {
          expect(text.slice(s.start, s.end)).toBe(s.text);
          expect(s.start).toBeGreaterThan(last);
          expect(s.end).toBeGreaterThan(s.start);
          expect(s.score).toBeGreaterThanOrEqual(0);
          expect(s.score).toBeLessThanOrEqual(1);
          last = s.end - 1;
        }
      }),
    );
  });
});

describe('defaults', () => {
  it('DEFAULT_SPAN_OPTIONS are the thresholds the shipped model was tuned with', () => {
    const meta = require('../../models/toxicity/model.json');
    expect({ ...DEFAULT_SPAN_OPTIONS, ...spanOptionsFromThresholds(meta.thresholds) }).toEqual(DEFAULT_SPAN_OPTIONS);
  });
});
