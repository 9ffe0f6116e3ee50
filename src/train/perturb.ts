/**
 * Obfuscated copy of a span dataset: every word inside a gold span is disguised the way
 * commenters dodge filters (masking, leetspeak, spacing, stretched letters, look-alike
 * characters), and the gold offsets are carried over to the new text.
 */
import type { SpanPost } from '../data';
import { offsetsToRanges, utf16ToCodePoint } from '../data/io';

/** The perturbation kinds, in the order a seeded draw picks from. */
export const PERTURBATIONS = ['mask', 'leet', 'spacing', 'repeat', 'lookalike'] as const;
export type Perturbation = (typeof PERTURBATIONS)[number];

const LEET: Record<string, string> = { a: '4', e: '3', i: '1', o: '0', s: '$', t: '7' };
const LOOKALIKE: Record<string, string> = { a: 'а', e: 'е', o: 'о', c: 'с', p: 'р', x: 'х', y: 'у', i: 'і' };
const VOWELS = 'aeiouAEIOU';

/** Disguises one word (letters only) with `kind`; returns one output string per input char. */
export function perturbWord(word: string, kind: Perturbation, rand: () => number): string[] {
  const chars = [...word].map((c) => c);
  const n = chars.length;
  if (n < 3) return chars;
  switch (kind) {
    case 'mask': {
      // Mask one inner vowel (f*ck, id*ot) or, without one, an inner letter.
      const inner = chars.map((c, i) => i).filter((i) => i > 0 && i < n - 1);
      const vow = inner.filter((i) => VOWELS.includes(chars[i]));
      const pick = (vow.length ? vow : inner)[Math.floor(rand() * (vow.length || inner.length))];
      chars[pick] = '*';
      return chars;
    }
    case 'leet': {
      let changed = false;
      const out = chars.map((c, i) => {
        const l = LEET[c.toLowerCase()];
        if (l && i > 0 && (rand() < 0.6 || !changed)) {
          changed = true;
          return l;
        }
        return c;
      });
      return out;
    }
    case 'spacing':
      return chars.map((c, i) => (i < n - 1 ? c + ' ' : c));
    case 'repeat': {
      const i = 1 + Math.floor(rand() * (n - 1));
      chars[i] = chars[i].repeat(3 + Math.floor(rand() * 3));
      return chars;
    }
    case 'lookalike':
      return chars.map((c) => (LOOKALIKE[c] && rand() < 0.7 ? LOOKALIKE[c] : c));
  }
}

/**
 * Perturbs every word overlapping the gold of `post` with a seeded random kind (or `only`).
 * Characters of a perturbed word stay gold in the new text, including added spaces.
 */
export function perturbPost(post: SpanPost, rand: () => number, only?: Perturbation): SpanPost {
  const text = post.text;
  const gold = new Uint8Array(text.length);
  for (const [s, e] of post.ranges) gold.fill(1, s, e);
  let out = '';
  const outGold: number[] = [];
  const word = /\p{L}+/gu;
  let last = 0;
  const emit = (s: string, isGold: boolean): void => {
    if (isGold) for (let k = 0; k < s.length; k++) outGold.push(out.length + k);
    out += s;
  };
  for (let m = word.exec(text); m; m = word.exec(text)) {
    for (let i = last; i < m.index; i++) emit(text[i], gold[i] === 1);
    const s = m.index;
    const e = s + m[0].length;
    let hit = false;
    for (let i = s; i < e; i++) if (gold[i]) hit = true;
    if (hit && m[0].length >= 3) {
      const kind = only ?? PERTURBATIONS[Math.floor(rand() * PERTURBATIONS.length)];
      const pieces = perturbWord(m[0], kind, rand);
      // pieces align with code points of the word; map each back to its UTF-16 start.
      let u = s;
      for (const p of pieces) {
        const cpLen = text.codePointAt(u)! > 0xffff ? 2 : 1;
        emit(p, gold[u] === 1);
        u += cpLen;
      }
    } else {
      for (let i = s; i < e; i++) emit(text[i], gold[i] === 1);
    }
    last = e;
  }
  for (let i = last; i < text.length; i++) emit(text[i], gold[i] === 1);
  const map = utf16ToCodePoint(out);
  const goldCp = [...new Set(outGold.map((i) => map[i]))].sort((a, b) => a - b);
  return { id: post.id + ':obf', text: out, goldCp, ranges: offsetsToRanges(out, goldCp) };
}
