import { tokenize } from './tokenize';

/** A whole comment in matching form, with the way back to the original text. */
export interface NormalizedText {
  /** The tokens' normalised forms joined by single spaces. */
  text: string;
  /** For each UTF-16 unit of `text`: `[start, end)` in the original of the token it came from. */
  starts: Int32Array;
  ends: Int32Array;
}

/**
 * Normalises a whole comment for matching (tokens' `norm` joined by spaces) while keeping, for
 * every character of the result, the original `[start, end)` it came from.
 *
 * @example
 * const n = normalize('You 1d10t');   // n.text === 'you idiot'
 * n.starts[4], n.ends[4]              // 4, 9: 'idiot' maps back to '1d10t'
 */
export function normalize(original: string): NormalizedText {
  const tokens = tokenize(original);
  const parts: string[] = [];
  let total = 0;
  for (const t of tokens) total += t.norm.length + 1;
  const starts = new Int32Array(Math.max(0, total - 1));
  const ends = new Int32Array(Math.max(0, total - 1));
  let pos = 0;
  tokens.forEach((t, k) => {
    if (k > 0) {
      // The joining space maps to the gap between the two tokens.
      starts[pos] = tokens[k - 1].end;
      ends[pos] = t.start;
      pos++;
    }
    for (let c = 0; c < t.norm.length; c++, pos++) {
      starts[pos] = t.start;
      ends[pos] = t.end;
    }
    parts.push(t.norm);
  });
  return { text: parts.join(' '), starts, ends };
}
