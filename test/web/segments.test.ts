/** The page's span cutting: the highlights are exactly `text.slice(start, end)`, and nothing is lost. */
import fc from 'fast-check';
import { segments } from '../../web/src/segments';
import { CATEGORIES, type Span } from '../../src/types';

const span = (text: string, start: number, end: number, type: Span['type'] = 'insult'): Span => ({ start, end, text: text.slice(start, end), type, score: 0.9 });

describe('segments', () => {
  it.each([
    ['emoji before the span', '👍🏽 you idiot', 'idiot'],
    ['combining marks inside the span', 'what a ide\u0301ot', 'ide\u0301ot'],
    ['text NFKC changes', 'ｉｄｉｏｔ and more', 'ｉｄｉｏｔ'],
    ['hostile markup', '<img src=x onerror=alert(1)> idiot', 'idiot'],
  ])('cuts at UTF-16 offsets: %s', (_what, text, word) => {
    const start = text.indexOf(word);
    const out = segments(text, [span(text, start, start + word.length)]);
    expect(out.map((s) => s.text).join('')).toBe(text);
    const hit = out.filter((s) => s.span);
    expect(hit).toHaveLength(1);
    expect(hit[0]!.text).toBe(word);
    expect(hit[0]!.text).toBe(text.slice(hit[0]!.start, hit[0]!.end));
  });

  it('keeps the earlier span where spans overlap, and clips spans past the end', () => {
    const t = 'abcdefghij';
    const out = segments(t, [span(t, 5, 20), span(t, 2, 6, 'threat'), span(t, 3, 4)]);
    expect(out.map((s) => [s.text, s.span?.type ?? null])).toEqual([['ab', null], ['cdef', 'threat'], ['ghij', 'insult']]);
  });

  it('gives back the text and each highlight equals text.slice(start, end) (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        fc.array(fc.tuple(fc.nat(60), fc.nat(20), fc.constantFrom(...CATEGORIES)), { maxLength: 6 }),
        (text, raw) => {
          const spans = raw.map(([s, len, type]) => span(text, s, s + len, type));
          const out = segments(text, spans);
          expect(out.map((s) => s.text).join('')).toBe(text);
          let at = 0;
          for (const s of out) {
            expect(s.start).toBe(at);
            expect(s.text).toBe(text.slice(s.start, s.end));
            expect(s.end).toBeGreaterThan(s.start);
            if (s.span) {
              expect(s.start).toBeGreaterThanOrEqual(s.span.start);
              expect(s.end).toBeLessThanOrEqual(s.span.end);
            }
            at = s.end;
          }
          // Spans that do not overlap are shown whole (clipped to the text).
          const clipped = spans.map((s) => [Math.min(s.start, text.length), Math.min(s.end, text.length)] as const).filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
          if (clipped.every((c, i) => i === 0 || c[0] >= clipped[i - 1]![1])) {
            expect(out.filter((s) => s.span).map((s) => [s.start, s.end])).toEqual(clipped.map(([a, b]) => [a, b]));
          }
        },
      ),
    );
  });
});
