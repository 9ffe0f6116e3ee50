import fc from 'fast-check';
import { normalize, normalizeWord, tokenize } from '../../src/text';
import { normalizeWordUncached } from '../../src/text/normalize';

describe('tokenize', () => {
  it.each([
    ['You 1d10t!', [['You', 'word', 'you'], ['1d10t', 'word', 'idiot'], ['!', 'punct', '!']]],
    ['f*ck off', [['f*ck', 'word', 'fuck'], ['off', 'word', 'off']]],
    ['a$$hole', [['a$$hole', 'word', 'asshole']]],
    ['stuuupid', [['stuuupid', 'word', 'stupid']]],
    ['sh!t!!!', [['sh!t', 'word', 'shit'], ['!!!', 'punct', '!!!']]],
    ['f u c k you', [['f u c k', 'word', 'fuck'], ['you', 'word', 'you']]],
    ['ＦＵＣＫ', [['ＦＵＣＫ', 'word', 'fuck']]],
    ['naïve café', [['naïve', 'word', 'naive'], ['café', 'word', 'cafe']]],
    ["don't 1,000.50", [["don't", 'word', "don't"], ['1,000.50', 'number', '1,000.50']]],
    ['@bob #tag', [['@bob', 'mention', '@bob'], ['#tag', 'hashtag', '#tag']]],
    ['see https://x.com/a?b=1.', [['see', 'word', 'see'], ['https://x.com/a?b=1', 'url', 'https://x.com/a?b=1'], ['.', 'punct', '.']]],
    ['ok 👍🏽 👨‍👩‍👧 🇬🇧', [['ok', 'word', 'ok'], ['👍🏽', 'emoji', '👍🏽'], ['👨‍👩‍👧', 'emoji', '👨‍👩‍👧'], ['🇬🇧', 'emoji', '🇬🇧']]],
  ])('%j', (input, expected) => {
    expect(tokenize(input).map((t) => [t.text, t.kind, t.norm])).toEqual(expected);
  });

  it('keeps the words "a" and "I" out of spelled-out letters (regression: "a f u c k" became "afuck")', () => {
    expect(tokenize('a f u c k').map((t) => [t.text, t.norm])).toEqual([['a', 'a'], ['f u c k', 'fuck']]);
    expect(tokenize('I am a b c student').map((t) => t.text)).toEqual(['I', 'am', 'a', 'b', 'c', 'student']);
  });

  it('spells out words that start with i or a, and runs after a contraction (regression: "i d i o t" became "i" + "diot")', () => {
    const words = (s: string) => tokenize(s).map((t) => [t.text, t.norm]);
    expect(words('only an i d i o t would')).toEqual([['only', 'only'], ['an', 'an'], ['i d i o t', 'idiot'], ['would', 'would']]);
    expect(words('you a s s h o l e')).toEqual([['you', 'you'], ['a s s h o l e', 'asshole']]);
    expect(words('i l l e g a l')).toEqual([['i l l e g a l', 'illegal']]);
    expect(words('I h a t e it')).toEqual([['I', 'i'], ['h a t e', 'hate'], ['it', 'it']]);
    // The run used to start at the "s" of "he's", inside another token, and was lost.
    expect(words("he's a m o r o n")).toEqual([["he's", "he's"], ['a', 'a'], ['m o r o n', 'moron']]);
    expect(words("He's a p s y c h o p a t h.").map(([, n]) => n)).toEqual(["he's", 'a', 'psychopath', '.']);
  });

  it('terminates on a symbol before digits (regression: "$5" looped forever)', () => {
    expect(tokenize('$5 #1').map((t) => [t.text, t.kind])).toEqual([['$', 'punct'], ['5', 'number'], ['#', 'punct'], ['1', 'number']]);
  });

  it('keeps a zero-width character inside the word it obfuscates', () => {
    const [t] = tokenize('id\u200Biot');
    expect(t).toMatchObject({ start: 0, end: 6, norm: 'idiot' });
  });

  it('folds Cyrillic look-alike letters', () => {
    expect(tokenize('\u0456di\u043et')[0].norm).toBe('idiot');
  });

  it('does not guess a word from a single visible letter (regression: f** became "fat")', () => {
    expect(normalizeWord('f**')).toBe('f**');
  });

  it('offsets are UTF-16 code units after astral characters', () => {
    const text = '😀😀 idiot';
    const t = tokenize(text).find((x) => x.kind === 'word')!;
    expect([t.start, t.end]).toEqual([5, 10]);
    expect(text.slice(t.start, t.end)).toBe('idiot');
  });

  it('property: every token slices back to its source, in order, without overlap, and nothing throws', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.string()), (s) => {
        const tokens = tokenize(s);
        let last = 0;
        for (const t of tokens) {
          expect(t.start).toBeGreaterThanOrEqual(last);
          expect(t.end).toBeGreaterThan(t.start);
          expect(s.slice(t.start, t.end)).toBe(t.text);
          // Never splits a surrogate pair.
          const before = s.charCodeAt(t.start - 1);
          const first = s.charCodeAt(t.start);
          expect(before >= 0xd800 && before <= 0xdbff && first >= 0xdc00 && first <= 0xdfff).toBe(false);
          last = t.end;
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('property: only whitespace and invisible characters fall between tokens', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        const tokens = tokenize(s);
        let last = 0;
        for (const t of [...tokens, { start: s.length, end: s.length }]) {
          expect(s.slice(last, t.start)).toMatch(/^[\s\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u206A-\u206F\uFE00-\uFE0F\uFEFF]*$/u);
          last = t.end;
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('normalize', () => {
  it('maps every normalised character back to its original token', () => {
    const original = 'You 1d10t, f*ck';
    const n = normalize(original);
    expect(n.text).toBe('you idiot , fuck');
    const i = n.text.indexOf('idiot');
    expect(original.slice(n.starts[i], n.ends[i])).toBe('1d10t');
    const j = n.text.indexOf('fuck');
    expect(original.slice(n.starts[j], n.ends[j])).toBe('f*ck');
  });

  it('property: maps stay inside the original', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const n = normalize(s);
        expect(n.starts.length).toBe(n.text.length);
        for (let k = 0; k < n.text.length; k++) {
          expect(n.starts[k]).toBeGreaterThanOrEqual(0);
          expect(n.ends[k]).toBeLessThanOrEqual(s.length);
          expect(n.starts[k]).toBeLessThanOrEqual(n.ends[k]);
        }
      }),
    );
  });
});

describe('normalizeWord shortcuts (ASCII words, memo) give the full normalisation', () => {
  it('on examples', () => {
    for (const w of ['you', 'You', 'YOU', 'stuuupid', 'Stuuupid', 'cooool', 'goood', 'aaa', 'a', 'Idiot', 'f*ck', '1d10t', 'naïve', 'ＦＵＣＫ', '']) {
      expect(normalizeWord(w)).toBe(normalizeWordUncached(w));
      expect(normalizeWord(w)).toBe(normalizeWordUncached(w)); // second call: from the memo
    }
  });
  it('property: ASCII letters (with stretches) and arbitrary strings', () => {
    const ascii = fc.string({ unit: fc.constantFrom(...'abcoOsStTuUpPiIdDeE'.split('')), maxLength: 12 });
    fc.assert(fc.property(fc.oneof(ascii, fc.string(), fc.string({ unit: 'grapheme' })), (w) => {
      expect(normalizeWord(w)).toBe(normalizeWordUncached(w));
    }), { numRuns: 500 });
  });
});
