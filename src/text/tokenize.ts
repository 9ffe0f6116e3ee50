import type { Token, TokenKind } from './types';
import { isInvisible, normalizeWord } from './normalize';
import { REPAIR_SET } from './lexicon';

const LETTER = /\p{L}|\p{M}/u;
const DIGIT = /\p{N}/u;
const SPACE = /\s/u;
const PICTO = /\p{Extended_Pictographic}/u;
/** Letters written one by one with a separator: `f u c k`, `s.t.u.p.i.d`. */
// Not after a letter, digit or in-word symbol: in "he's a m o r o n" the run starts at "a", not at
// the "s" of "he's" (a region starting inside another token would never be reached).
const SPACED_LETTERS = /(?<![\p{L}\p{N}\p{M}'’@$#%|+*_])\p{L}(?:[ .\-_*]\p{L}){2,}(?![\p{L}\p{N}])/gu;
const SEPARATORS = /[ .\-_*]/g;
const URL_START = /^(?:https?:\/\/|www\.)/i;
/** Symbols that can stand for letters inside a word (leetspeak and masking). */
const IN_WORD_SYMBOLS = new Set(['*', '@', '$', '!', '#', '%', '_', "'", '’', '|', '+']);
/** Of those, the ones that may also end a word (`f**`, `a$$`). */
const WORD_FINAL_SYMBOLS = new Set(['*', '$', '@']);
const URL_TRAILING = new Set(['.', ',', ';', ':', '!', '?', ')', ']', '}', "'", '"', '’', '”', '>']);

function cpLen(cp: number): number {
  return cp > 0xffff ? 2 : 1;
}

function isLetter(cp: number): boolean {
  if (cp < 0x80) return (cp >= 0x61 && cp <= 0x7a) || (cp >= 0x41 && cp <= 0x5a);
  return LETTER.test(String.fromCodePoint(cp));
}

function isDigit(cp: number): boolean {
  if (cp < 0x80) return cp >= 0x30 && cp <= 0x39;
  return DIGIT.test(String.fromCodePoint(cp));
}

function isSpace(cp: number): boolean {
  if (cp < 0x80) return cp === 0x20 || (cp >= 0x09 && cp <= 0x0d);
  return SPACE.test(String.fromCodePoint(cp));
}

function isAlnum(cp: number): boolean {
  return isLetter(cp) || isDigit(cp);
}

/** True when the code point can belong to a word run (letters, digits, marks, masks, invisibles). */
function isWordish(cp: number): boolean {
  return isAlnum(cp) || isInvisible(cp) || IN_WORD_SYMBOLS.has(String.fromCharCode(cp));
}

function isEmojiPart(cp: number): boolean {
  return cp === 0x200d || cp === 0xfe0f || (cp >= 0x1f3fb && cp <= 0x1f3ff) || (cp >= 0xe0020 && cp <= 0xe007f) || cp === 0x20e3;
}

function isPicto(cp: number): boolean {
  return cp >= 0xa9 && PICTO.test(String.fromCodePoint(cp));
}

function isRegional(cp: number): boolean {
  return cp >= 0x1f1e6 && cp <= 0x1f1ff;
}

function make(text: string, start: number, end: number, kind: TokenKind, norm?: string): Token {
  const t = text.slice(start, end);
  return { start, end, text: t, kind, norm: norm ?? (kind === 'word' ? normalizeWord(t) : t.normalize('NFKC').toLowerCase()) };
}

/** Whether the first letter of a spelled-out run that starts with `a`/`I` is part of the word. */
function leadingLetterBelongs(run: string): boolean {
  if (REPAIR_SET.has(normalizeWord(run.replace(SEPARATORS, '')))) return true;
  if (REPAIR_SET.has(normalizeWord(run.slice(2).replace(SEPARATORS, '')))) return false;
  return run[0] === 'i';
}

/** Finds `[start, end)` of letters spelled out with separators, keyed by start. */
function spacedRegions(text: string): Map<number, number> {
  const regions = new Map<number, number>();
  if (text.length < 5) return regions;
  SPACED_LETTERS.lastIndex = 0;
  for (let m = SPACED_LETTERS.exec(text); m; m = SPACED_LETTERS.exec(text)) {
    let start = m.index;
    const end = start + m[0].length;
    // `a` and `I` are words of their own: `a f u c k` is `a` + `fuck`, `a b c` is no spelling; but
    // `i d i o t` and `a s s h o l e` are one word. Known words decide; failing that, `a` and `I`
    // stay words and a lower-case `i` starts the word (`i l l e g a l`).
    if (/^[aAiI] /.test(m[0]) && !leadingLetterBelongs(m[0])) start += 2;
    if (end - start >= 5) regions.set(start, end);
  }
  return regions;
}

/**
 * Splits a comment into tokens (words, numbers, punctuation, emoji, URLs, @mentions, #hashtags),
 * each with `[start, end)` UTF-16 offsets into `text` and a normalised matching form.
 * Whitespace and stray invisible characters are not tokens. Never throws, whatever the input
 * (lone surrogates included), and never splits a surrogate pair.
 *
 * @example
 * tokenize('You 1d10t!').map((t) => [t.text, t.norm]) // [['You','you'], ['1d10t','idiot'], ['!','!']]
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const n = text.length;
  const spaced = spacedRegions(text);
  let i = 0;
  let prevAlnum = false;
  while (i < n) {
    const cp = text.codePointAt(i)!;
    const len = cpLen(cp);
    if (isSpace(cp) || isInvisible(cp)) {
      i += len;
      prevAlnum = false;
      continue;
    }
    const spacedEnd = spaced.get(i);
    if (spacedEnd !== undefined) {
      const letters = text.slice(i, spacedEnd).replace(SEPARATORS, '');
      tokens.push(make(text, i, spacedEnd, 'word', normalizeWord(letters)));
      i = spacedEnd;
      prevAlnum = true;
      continue;
    }
    // URLs
    if ((cp === 0x68 || cp === 0x48 || cp === 0x77 || cp === 0x57) && !prevAlnum && URL_START.test(text.slice(i, i + 8))) {
      let j = i;
      while (j < n) {
        const c = text.codePointAt(j)!;
        if (isSpace(c)) break;
        j += cpLen(c);
      }
      while (j > i + 4 && URL_TRAILING.has(text[j - 1])) j--;
      tokens.push(make(text, i, j, 'url', text.slice(i, j).toLowerCase()));
      i = j;
      prevAlnum = true;
      continue;
    }
    // @mentions and #hashtags
    if ((cp === 0x40 || cp === 0x23) && !prevAlnum && i + 1 < n) {
      let j = i + 1;
      while (j < n) {
        const c = text.codePointAt(j)!;
        if (!(isAlnum(c) || c === 0x5f)) break;
        j += cpLen(c);
      }
      const hasLetter = /\p{L}/u.test(text.slice(i + 1, j));
      if (j > i + 1 && hasLetter) {
        tokens.push(make(text, i, j, cp === 0x40 ? 'mention' : 'hashtag'));
        i = j;
        prevAlnum = true;
        continue;
      }
    }
    if (isAlnum(cp) || (IN_WORD_SYMBOLS.has(text[i]) && i + 1 < n && isAlnum(text.codePointAt(i + 1)!) && (cp === 0x24 || cp === 0x40 || cp === 0x2a))) {
      // A word-like run: letters, digits, marks, invisibles and in-word symbols.
      let j = i;
      let hasLetter = false;
      let hasDigit = false;
      while (j < n) {
        const c = text.codePointAt(j)!;
        if (!isWordish(c)) break;
        if (isLetter(c)) hasLetter = true;
        else if (isDigit(c)) hasDigit = true;
        j += cpLen(c);
      }
      // Trailing symbols are punctuation unless they mask letters at the end (`f**`, `a$$`).
      while (j > i + 1) {
        const last = text.charCodeAt(j - 1);
        const ch = text[j - 1];
        if (isInvisible(last) || (IN_WORD_SYMBOLS.has(ch) && !(hasLetter && WORD_FINAL_SYMBOLS.has(ch)))) j--;
        else break;
      }
      if (!hasLetter && hasDigit) {
        // Numbers: digits with inner separators (1,000.50), no symbols.
        j = i;
        while (j < n) {
          const c = text.codePointAt(j)!;
          if (isDigit(c)) j += cpLen(c);
          else if ((c === 0x2c || c === 0x2e) && j + 1 < n && isDigit(text.codePointAt(j + 1)!)) j += 1;
          else break;
        }
        // A symbol before digits (`$5`, `#1`) is punctuation on its own.
        if (j === i) j = i + len;
        tokens.push(make(text, i, j, j === i + len && !isDigit(cp) ? 'punct' : 'number'));
      } else {
        tokens.push(make(text, i, j, hasLetter ? 'word' : 'number'));
      }
      i = j;
      prevAlnum = true;
      continue;
    }
    if (isPicto(cp) || isRegional(cp)) {
      let j = i + len;
      if (isRegional(cp) && j < n && isRegional(text.codePointAt(j)!)) j += 2;
      while (j < n) {
        const c = text.codePointAt(j)!;
        if (isEmojiPart(c)) {
          j += cpLen(c);
          if (c === 0x200d && j < n && isPicto(text.codePointAt(j)!)) j += cpLen(text.codePointAt(j)!);
        } else break;
      }
      tokens.push(make(text, i, j, 'emoji', text.slice(i, j)));
      i = j;
      prevAlnum = false;
      continue;
    }
    // Punctuation and anything else: a run of the same character is one token (`!!!`, `...`).
    let j = i + len;
    while (j < n && text.codePointAt(j) === cp) j += len;
    tokens.push(make(text, i, j, 'punct'));
    i = j;
    prevAlnum = false;
  }
  return tokens;
}
