/**
 * The sentence encoder as training and evaluation scripts use it: vectors from the shared
 * on-disk cache (`embedCached`), so an evaluation of several heads embeds each text once.
 */
import { ENCODER_DIM, ENCODER_NAME, encoderVersion, type SentenceEncoder } from '../../encoder';
import { embedCached } from '../embed-cache';

/**
 * A SentenceEncoder over the embedding cache (runtime: whatever fills the cache); `weights`: the
 * fine-tuned encoder of that checkpoint (its own cache file), for heads trained on its vectors.
 */
export function cachedEncoder(weights?: string): SentenceEncoder {
  return {
    info: { name: ENCODER_NAME, version: encoderVersion(weights), runtime: 'embed-cache' },
    embed: async (texts) => {
      const out = await embedCached(texts, { weights });
      if (out.some((v) => v.length !== ENCODER_DIM)) throw new Error('embedding cache returned a vector of the wrong width');
      return out;
    },
    dispose: async () => undefined,
  };
}
