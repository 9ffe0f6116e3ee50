import fc from 'fast-check';
import { words, wordSpanScores } from '../../src/perspective/spans';

const slices = (text: string, ranges: { start: number; end: number }[]) => ranges.map((r) => text.slice(r.start, r.end));

describe('words', () => {
  it.each([
    ['You idiot!', ['You', 'idiot']],
    ['"Shut up," he said...', ['Shut', 'up', 'he', 'said']],
    ['what a f**k up', ['what', 'a', 'f**k', 'up']],
    ["you're a 😀 moron", ["you're", 'a', '😀', 'moron']],
    ['  ... !!! ', []],
  ])('splits %j', (text, expected) => {
    expect(slices(text, words(text))).toEqual(expected);
  });
});

describe('wordSpanScores', () => {
  it('gives each word of a flagged stretch its own span', () => {
    const text = 'Honestly, you stupid idiot.';
    const flagged = [{ start: 10, end: 26, score: 0.9 }]; // "you stupid idiot"
    const out = wordSpanScores(text, flagged);
    expect(slices(text, out)).toEqual(['you', 'stupid', 'idiot']);
    expect(out.every((s) => s.score === 0.9)).toBe(true);
  });

  it('takes the highest score where stretches overlap and leaves unflagged words out', () => {
    const text = 'go away you moron';
    const out = wordSpanScores(text, [
      { start: 0, end: 7, score: 0.4 },
      { start: 3, end: 17, score: 0.8 },
    ]);
    expect(out.map((s) => [text.slice(s.start, s.end), s.score])).toEqual([
      ['go', 0.4],
      ['away', 0.8],
      ['you', 0.8],
      ['moron', 0.8],
    ]);
  });

  it('keeps a flagged stretch that covers no word (punctuation only)', () => {
    const text = 'fine !!! ok';
    expect(wordSpanScores(text, [{ start: 5, end: 8, score: 0.6 }])).toEqual([{ start: 5, end: 8, score: 0.6 }]);
  });

  it('answers nothing when nothing is flagged', () => {
    expect(wordSpanScores('you are kind', [])).toEqual([]);
  });

  it('answers sorted, non-empty ranges inside the text (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.array(fc.tuple(fc.nat(40), fc.nat(40), fc.double({ min: 0, max: 1, noNaN: true })), { maxLength: 4 }), (text, raw) => {
        const flagged = raw.map(([a, b, s]) => ({ start: Math.min(a, b, text.length), end: Math.min(Math.max(a, b), text.length), score: s }));
        const out = wordSpanScores(text, flagged);
        for (const [i, r] of out.entries()) {
          expect(r.start).toBeGreaterThanOrEqual(0);
          expect(r.end).toBeLessThanOrEqual(text.length);
          expect(r.end).toBeGreaterThan(r.start);
          if (i > 0) expect(r.start).toBeGreaterThanOrEqual(out[i - 1]!.start);
          // Every answered range overlaps a flagged stretch and carries one of their scores.
          expect(flagged.some((f) => f.start < r.end && r.start < f.end && f.score === r.score)).toBe(true);
        }
      }),
    );
  });
});
