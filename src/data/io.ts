/**
 * Low-level readers shared by the dataset loaders: where the datasets live, CSV/TSV parsing,
 * and the Python-code-point -> UTF-16 offset conversion every span file needs.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { parse } from 'csv-parse/sync';
import { ModeratoError } from '../errors';

export { datasetsDir } from '../util/paths';

/** Reads a text file, gunzipping `.gz`. */
export function readText(file: string): string {
  const buf = fs.readFileSync(file);
  return file.endsWith('.gz') ? zlib.gunzipSync(buf).toString('utf8') : buf.toString('utf8');
}

/** Parses a CSV (or TSV with `delimiter: '\t'`) with a header row into records. */
export function readCsv(file: string, delimiter = ','): Record<string, string>[] {
  const text = readText(file).replace(/^\uFEFF/, '');
  return parse(text, {
    columns: true,
    delimiter,
    skip_empty_lines: true,
    relax_quotes: true,
    relax_column_count: true,
    // OLID's TSV has bare quotes inside tweets: a TSV field is never quoted there.
    quote: delimiter === '\t' ? false : '"',
  }) as Record<string, string>[];
}

/**
 * Map from Python code-point index to UTF-16 code-unit index, length = code points + 1
 * (the last entry is `text.length`, so an exclusive end maps too).
 */
export function codePointToUtf16(text: string): Int32Array {
  const map: number[] = [];
  for (let i = 0; i < text.length; i++) {
    map.push(i);
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
  }
  map.push(text.length);
  return Int32Array.from(map);
}

/** Inverse map: UTF-16 index -> code-point index (for scoring against code-point gold). */
export function utf16ToCodePoint(text: string): Int32Array {
  const out = new Int32Array(text.length + 1);
  let cp = 0;
  for (let i = 0; i < text.length; i++) {
    out[i] = cp;
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out[i + 1] = cp;
        i++;
      }
    }
    cp++;
  }
  out[text.length] = cp;
  return out;
}

/** Sorted code-point offsets -> merged half-open UTF-16 ranges. */
export function offsetsToRanges(text: string, cpOffsets: number[]): Array<[number, number]> {
  const map = codePointToUtf16(text);
  const cps = [...new Set(cpOffsets)].filter((o) => o >= 0 && o < map.length - 1).sort((a, b) => a - b);
  const out: Array<[number, number]> = [];
  for (const cp of cps) {
    const s = map[cp];
    const e = map[cp + 1];
    const last = out[out.length - 1];
    if (last && last[1] === s) last[1] = e;
    else out.push([s, e]);
  }
  return out;
}

/** FNV-1a 32-bit hash of a string: stable across runs, used for deterministic splits. */
export function stableHash(s: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Deterministic split: true for about `fraction` of keys, the same keys for the same salt. */
export function inDev(key: string, fraction: number, salt = 'dev'): boolean {
  return stableHash(salt + '\u0000' + key) / 4294967296 < fraction;
}
