import fc from 'fast-check';
import { offsetMap } from '../../src/perspective/offsets';

describe('offsetMap', () => {
  it('is the identity for UTF-16 code units (the default unit)', () => {
    const m = offsetMap('😀 hi', 'UTF16_CODE_UNIT');
    expect([0, 2, 3, 5].map(m.fromUtf16)).toEqual([0, 2, 3, 5]);
    expect(m.length).toBe(5);
    expect(m.toUtf16(6)).toBeNaN();
  });

  it.each([
    // [text, utf16 index, code point index]
    ['😀 hi', 2, 1],
    ['😀 hi', 3, 2],
    ['😀 hi', 5, 4],
    ['a👍🏽b', 5, 3], // emoji + skin-tone modifier: two astral code points
    ['cafe\u0301 x', 6, 6], // combining acute: BMP, one unit and one code point
    ['ｆｕｌｌ width', 4, 4], // NFKC would change these; offsets are on the original text
  ])('maps %j UTF-16 index %i to code point %i and back', (text, u, cp) => {
    const m = offsetMap(text, 'CODE_POINT');
    expect(m.fromUtf16(u)).toBe(cp);
    expect(m.toUtf16(cp)).toBe(u);
  });

  it('never places a code point offset inside a surrogate pair', () => {
    const m = offsetMap('x😀y', 'CODE_POINT');
    // Index 2 is between the two halves of the emoji: it counts as before the emoji.
    expect(m.fromUtf16(2)).toBe(1);
  });

  it('agrees with Array.from on every code point boundary (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (text) => {
        const m = offsetMap(text, 'CODE_POINT');
        const cps = Array.from(text);
        expect(m.length).toBe(cps.length);
        let u = 0;
        for (let cp = 0; cp <= cps.length; cp++) {
          expect(m.fromUtf16(u)).toBe(cp);
          expect(m.toUtf16(cp)).toBe(u);
          // A code point slice equals the UTF-16 slice it maps to.
          expect(cps.slice(0, cp).join('')).toBe(text.slice(0, u));
          u += cps[cp]?.length ?? 0;
        }
      }),
    );
  });
});
