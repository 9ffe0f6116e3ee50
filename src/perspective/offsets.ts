/**
 * Offset units for Perspective-style span scores.
 *
 * Moderato's spans are UTF-16 code units (src/types.ts). Perspective's SpanScore schema says
 * "The values are the UTF-16 codepoint range", which reads as UTF-16 indices, and Jigsaw's own
 * Moderator client builds a whole-text span as `[0, text.length)` in JavaScript, i.e. UTF-16.
 * So UTF-16 is the default; clients that slice by code point (Python `str`) can ask for
 * `CODE_POINT` instead. The two differ only after a character outside the BMP (most emoji).
 */

/** The units a client may ask span offsets in. */
export const OFFSET_UNITS = ['UTF16_CODE_UNIT', 'CODE_POINT'] as const;
export type OffsetUnit = (typeof OFFSET_UNITS)[number];

/** Converts offsets between UTF-16 code units and code points for one text. */
export interface OffsetMap {
  /** UTF-16 index -> the requested unit. */
  fromUtf16(index: number): number;
  /** Requested unit -> UTF-16 index; NaN when the offset is outside the text. */
  toUtf16(offset: number): number;
  /** Length of the text in the requested unit. */
  length: number;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/**
 * Builds the offset map of `text` for `unit`.
 * @example offsetMap('😀 hi', 'CODE_POINT').fromUtf16(3) // 2: the emoji is 2 code units, 1 code point
 */
export function offsetMap(text: string, unit: OffsetUnit): OffsetMap {
  if (unit === 'UTF16_CODE_UNIT') {
    return {
      fromUtf16: (i) => i,
      toUtf16: (o) => (Number.isInteger(o) && o >= 0 && o <= text.length ? o : NaN),
      length: text.length,
    };
  }
  // cp[i] = code points before UTF-16 index i; an index inside a surrogate pair counts the pair
  // as not yet started, so a span never claims half a character.
  const cp = new Int32Array(text.length + 1);
  const back: number[] = [0];
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    cp[i] = count;
    const paired = isHighSurrogate(text.charCodeAt(i)) && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1));
    if (paired) {
      cp[i + 1] = count;
      i++;
    }
    count++;
    back.push(i + 1);
  }
  cp[text.length] = count;
  return {
    fromUtf16: (i) => cp[Math.max(0, Math.min(text.length, i))]!,
    toUtf16: (o) => (Number.isInteger(o) && o >= 0 && o < back.length ? back[o]! : NaN),
    length: count,
  };
}
