import { REPAIR_BY_LENGTH, REPAIR_SET } from './lexicon';
import { BoundedCache } from '../util/bounded-cache';

/** Zero-width and invisible formatting characters that obfuscators slip inside words. */
export const INVISIBLE_RE = /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u206A-\u206F\uFE00-\uFE0F\uFEFF]/g;

/** True for a UTF-16 unit that is invisible inside a word (see INVISIBLE_RE). */
export function isInvisible(c: number): boolean {
  return (
    c === 0xad || c === 0x34f || c === 0x61c || c === 0x115f || c === 0x1160 || c === 0x17b4 || c === 0x17b5 || c === 0x180e ||
    (c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2060 && c <= 0x2064) ||
    (c >= 0x206a && c <= 0x206f) || (c >= 0xfe00 && c <= 0xfe0f) || c === 0xfeff
  );
}

/**
 * Look-alike letters from other scripts (Cyrillic, Greek, IPA, ...) that NFKC leaves alone,
 * mapped to the Latin letter they imitate. Lower case only: folding happens after lower-casing.
 */
const CONFUSABLES: Record<string, string> = {
  а: 'a', в: 'b', е: 'e', ё: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x', ѕ: 's', і: 'i',
  ї: 'i', ј: 'j', ԁ: 'd', ԛ: 'q', ԝ: 'w', һ: 'h', ӏ: 'l', ɑ: 'a', ɡ: 'g', ɩ: 'i', ʏ: 'y', ᴀ: 'a', ʙ: 'b', ᴄ: 'c', ᴅ: 'd',
  ᴇ: 'e', ɢ: 'g', ʜ: 'h', ɪ: 'i', ᴊ: 'j', ᴋ: 'k', ʟ: 'l', ᴍ: 'm', ɴ: 'n', ᴏ: 'o', ᴘ: 'p', ʀ: 'r', ꜱ: 's', ᴛ: 't', ᴜ: 'u',
  ᴠ: 'v', ᴡ: 'w', ᴢ: 'z', α: 'a', β: 'b', γ: 'y', ε: 'e', η: 'n', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u',
  χ: 'x', ω: 'w', ς: 'c', ø: 'o', ð: 'd', þ: 'p', ł: 'l', ı: 'i', ß: 'ss', æ: 'ae', œ: 'oe',
};

/** Digits and symbols that stand for letters inside a word (`1d10t`, `a$$`, `sh!t`). */
const LEET: Record<string, string> = {
  '0': 'o', '1': 'i', '2': 'z', '3': 'e', '4': 'a', '5': 's', '6': 'g', '7': 't', '8': 'b', '9': 'g',
  '@': 'a', $: 's', '!': 'i', '|': 'l', '+': 't', '€': 'e', '£': 'l',
};

/** Characters obfuscators use to mask letters (`f*ck`, `f#ck`, `f_ck`). */
export const MASK_CHARS = '*#%_?.-';

const LETTER_RE = /\p{L}/u;
const MARK_RE = /\p{M}/gu;

/** Replaces runs of 3+ identical letters by `keep` copies. */
function squeeze(s: string, keep: 1 | 2): string {
  return s.replace(/(\p{L})\1{2,}/gu, keep === 1 ? '$1' : '$1$1');
}

/** Restores masked letters against the repair list: `f*ck` -> `fuck`; unknown stays masked. */
function unmask(s: string): string {
  const candidates = REPAIR_BY_LENGTH.get(s.length);
  if (!candidates) return s;
  // Too few visible letters (`f**`) and any word would fit: leave it masked.
  let visible = 0;
  for (const c of s) if (!MASK_CHARS.includes(c)) visible++;
  if (visible < 2) return s;
  outer: for (const w of candidates) {
    for (let i = 0; i < s.length; i++) {
      const c = s[i];
      if (MASK_CHARS.includes(c)) continue;
      if (c !== w[i]) continue outer;
    }
    return w;
  }
  return s;
}

/**
 * The matching form of one word-like token (see Token.norm): NFKC, diacritics dropped, lower
 * case, invisible characters removed, look-alikes folded, leetspeak decoded when the token mixes
 * letters with digits/symbols, masked letters restored where a known word fits, stretched letters
 * collapsed. Pure and deterministic.
 */
export function normalizeWord(raw: string): string {
  // Plain ASCII words (most of them) need no table: lower case is the whole normal form unless a
  // letter repeats 3+ times (stretching is decided against the repair list below).
  let upper = false;
  let plain = raw.length > 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c >= 0x61 && c <= 0x7a) continue;
    if (c >= 0x41 && c <= 0x5a) upper = true;
    else {
      plain = false;
      break;
    }
  }
  if (plain) {
    const lower = upper ? raw.toLowerCase() : raw;
    let triple = false;
    for (let i = 2; i < lower.length; i++) {
      if (lower.charCodeAt(i) === lower.charCodeAt(i - 1) && lower.charCodeAt(i) === lower.charCodeAt(i - 2)) {
        triple = true;
        break;
      }
    }
    if (!triple) return lower;
  }
  let s = wordCache.get(raw);
  if (s === undefined) {
    s = normalizeWordUncached(raw);
    wordCache.set(raw, s);
  }
  return s;
}

/** normalizeWord is pure and words are Zipfian: memoise (bounded to 2 x 8,192 words). */
const wordCache = new BoundedCache<string>(8192);

/** Empties the tokenizer's memo (benchmarks measure cold starts with it). Results never change. */
export function clearTextCaches(): void {
  wordCache.clear();
}

/** normalizeWord without the memo and the ASCII shortcut (exported for tests). */
export function normalizeWordUncached(raw: string): string {
  let s = raw.replace(INVISIBLE_RE, '');
  s = s.normalize('NFKD').replace(MARK_RE, '').normalize('NFKC').toLowerCase();
  let folded = '';
  for (const ch of s) folded += CONFUSABLES[ch] ?? ch;
  s = folded;
  if (LETTER_RE.test(s) && /[^\p{L}']/u.test(s)) {
    // Leading/trailing symbols are more often punctuation than letters; decode inside only,
    // except digits, which inside a letter-bearing token are letters (`1d10t`).
    let out = '';
    for (let i = 0; i < s.length; i++) {
      const ch = s[i];
      const inner = i > 0 && i < s.length - 1;
      const mapped = LEET[ch];
      out += mapped !== undefined && (inner || /[0-9@$]/.test(ch)) ? mapped : ch;
    }
    s = out;
  }
  if (/[*#%_?.\-]/.test(s)) s = unmask(s);
  if (/(\p{L})\1{2,}/u.test(s)) {
    const one = squeeze(s, 1);
    const two = squeeze(s, 2);
    s = REPAIR_SET.has(one) ? one : REPAIR_SET.has(two) ? two : one;
  }
  return s;
}
