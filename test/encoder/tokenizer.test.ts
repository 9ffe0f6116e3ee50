import fc from 'fast-check';
import { loadTokenizer, repairScores, UNKNOWN_ID, type VocabEntry } from '../../src/encoder/tokenizer';
import type { Piece } from '../../src/encoder/types';
import * as fs from 'fs';
import * as path from 'path';
import { encoderPackageDir } from '../../src/encoder/tokenizer';

const tok = loadTokenizer();
const vocab = JSON.parse(fs.readFileSync(path.join(encoderPackageDir(), 'vocab.json'), 'utf8')) as VocabEntry[];
const pieceText = (p: Piece): string => vocab[p.id][0];
const show = (text: string) => tok.encode(text).map((p) => [pieceText(p), text.slice(p.start, p.end)]);

/** Characters the encoder meets in comments, weighted toward the awkward ones. */
const awkward = fc.constantFrom(
  ' ', '  ', '\n', '\t', '\u00a0', '\u3000', // spaces, and spaces NFKC makes
  '😀', '👍🏽', '👨‍👩‍👧', '🇬🇧', // astral and joined emoji
  'e\u0301', '\u0301', 'n\u0303\u0323', // combining marks, one alone
  'ﬁ', 'Ｈｅｌｌｏ', '①', '㍿', 'Å', '½', 'ｶ', 'ﾞ', // NFKC expands or changes these
  '\ud800', '\udc00', // lone surrogates
  ':)', '://', ':30', "don't", '...', '�', '<s>',
);
const word = fc.stringMatching(/^[A-Za-z]{1,9}$/);
const text = fc.array(fc.oneof(word, awkward, fc.string({ maxLength: 3 }), fc.string({ unit: 'grapheme', maxLength: 3 })), { maxLength: 24 }).map((parts) => parts.join(''));

function isSpaceUnit(s: string, i: number): boolean {
  return /^\s*$/u.test(s[i].normalize('NFKC'));
}

describe('tokenizer: spans into the original text', () => {
  it('every piece slices the original, pieces come in order without overlap, and together they cover every non-space character', () => {
    fc.assert(
      fc.property(text, (s) => {
        const pieces = tok.encode(s);
        const covered = new Uint8Array(s.length);
        pieces.forEach((p, k) => {
          expect(Number.isInteger(p.id) && p.id >= 0 && p.id < tok.size).toBe(true);
          expect(0 <= p.start && p.start <= p.end && p.end <= s.length).toBe(true);
          expect(s.slice(p.start, p.end).length).toBe(p.end - p.start);
          if (k > 0) {
            const q = pieces[k - 1];
            expect(q.end).toBeLessThanOrEqual(p.start);
          }
          covered.fill(1, p.start, p.end);
        });
        for (let i = 0; i < s.length; i++) if (!covered[i]) expect(isSpaceUnit(s, i)).toBe(true);
      }),
      // U+FDFA expands under NFKC to four words: its inner spaces once mapped back over its first unit.
      { numRuns: 400, examples: [['ﷺ'], ['a ﷺ b'], ['ﷺﷺ x'], ['\u00a0ﷺ\u3000']] },
    );
  });

  it('on ASCII text each known piece is exactly the slice it spans (its ▁ aside), and no two unknowns are adjacent', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (s) => {
        const pieces = tok.encode(s);
        pieces.forEach((p, k) => {
          if (p.id === UNKNOWN_ID) {
            expect(p.end).toBeGreaterThan(p.start);
            if (k > 0) expect(pieces[k - 1].id).not.toBe(UNKNOWN_ID);
          } else if (pieceText(p) !== '\u2581') {
            expect(s.slice(p.start, p.end)).toBe(pieceText(p).replace(/^\u2581/, ''));
          }
        });
        // The pieces spell the text back with its whitespace collapsed.
        const spelled = pieces.map((p) => (p.id === UNKNOWN_ID ? s.slice(p.start, p.end) : pieceText(p))).join('').replace(/\u2581/g, ' ').trim();
        expect(spelled).toBe(s.trim().replace(/\s+/g, ' '));
      }),
      { numRuns: 300 },
    );
  });
});

describe('tokenizer: cases', () => {
  it.each([
    ['Hello  world', [['▁H', 'H'], ['ello', 'ello'], ['▁world', 'world']]],
    ['  the end\n\nof it ', [['▁the', 'the'], ['▁end', 'end'], ['▁of', 'of'], ['▁it', 'it']]],
    // NFKC: the ligature and full-width letters map back to the characters they came from.
    ['ﬁne', [['▁fine', 'ﬁne']]],
    ['Ｔｈｅ', [['▁The', 'Ｔｈｅ']]],
    // Case is kept.
    ['THE the', [['▁THE', 'THE'], ['▁the', 'the']]],
  ])('%j', (input, expected) => {
    expect(show(input)).toEqual(expected);
  });

  it('merges consecutive unknown code points into one unknown piece spanning them all', () => {
    const s = 'ok 😀😀😀 ok';
    const pieces = tok.encode(s);
    const unknown = pieces.filter((p) => p.id === UNKNOWN_ID);
    expect(unknown).toHaveLength(1);
    expect(s.slice(unknown[0].start, unknown[0].end)).toBe('😀😀😀');
  });

  it('keeps a base letter and its combining marks in one span', () => {
    const s = 'cafe\u0301 x';
    for (const p of tok.encode(s)) {
      expect(p.start === 4 || p.end === 4).toBe(false); // never between "e" and U+0301
    }
  });

  it('never matches the control pieces (<s>, </s>) against text', () => {
    expect(tok.encode('<s></s>').some((p) => p.id >= 1 && p.id <= 5)).toBe(false);
  });

  it('gives empty and all-space texts no pieces', () => {
    expect(tok.encode('')).toEqual([]);
    expect(tok.encode(' \n\t\u00a0')).toEqual([]);
  });

  it('segments a lone low surrogate instead of losing the rest of the text (regression: the Viterbi path broke at it)', () => {
    const s = 'a\udc00 bad word';
    expect(show(s).map(([, t]) => t).join('|')).toBe(['a', '\udc00', 'bad', 'word'].join('|'));
  });
});

describe('repairScores', () => {
  it('rebuilds the scores vocab.json lost on pieces with a colon from their sorted neighbours', () => {
    const v: VocabEntry[] = [['�', 0], ['<s>', 0], ['</s>', 0], ['e1', 0], ['e2', 0], ['e3', 0], ['.', -3], [':', null], ['s', -4], [':30', 30], ['x', -6]];
    const s = repairScores(v);
    expect(s[7]).toBeCloseTo(-3.5);
    expect(s[9]).toBeCloseTo(-5);
    expect(s[10]).toBe(-6);
  });

  it('lets a colon lose to ordinary pieces in the real vocabulary (regression: ":)" scored 0 and won every tie)', () => {
    expect(show('a:b').map(([p]) => p)).toEqual(['▁a', ':', 'b']);
    const scores = repairScores(vocab);
    for (let k = 7; k < vocab.length; k++) expect(scores[k]).toBeLessThanOrEqual(scores[k - 1] + 1e-9);
  });
});
