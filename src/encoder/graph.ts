/**
 * The encoder as its package ships it: the TensorFlow.js graph model, loaded from the package's
 * own files (no network) and run on piece ids. This is the reference every other runtime is
 * checked against.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { ModeratoError } from '../errors';
import { initBackend } from '../model/backend';
import { ENCODER_DIM } from './types';
import { encoderPackageDir } from './tokenizer';

/** The graph drops every piece at position 128 or later (its ClipToMaxLength node). */
export const MAX_PIECES = 128;
/** The graph's output node: the L2-normalised sentence vectors. */
export const SENTENCE_NODE = 'module_apply_default/Encoder_en/hidden_layers/l2_normalize';
/** The last layer's output per piece, [batch, pieces, 512], before the mean over pieces. */
export const TOKEN_STATES_NODE = 'module_apply_default/Encoder_en/KonaTransformer/Encode/TransformerStack/Layer_1/TransformerLayer/FFN/layer_postprocess/add';

/** A runtime that turns piece ids into sentence vectors. */
export interface IdEncoder {
  readonly runtime: string;
  /** One L2-normalised ENCODER_DIM vector per id list, in order. */
  embedIds(batch: Int32Array[]): Promise<Float32Array[]>;
  /** The sentence vector and the last layer's states (`min(ids, MAX_PIECES) x ENCODER_DIM`) per id list. */
  statesIds(batch: Int32Array[]): Promise<Array<{ vector: Float32Array; states: Float32Array }>>;
  dispose(): Promise<void>;
}

const ManifestSchema = z.object({
  modelTopology: z.record(z.string(), z.unknown()),
  weightsManifest: z
    .array(
      z.object({
        paths: z.array(z.string().regex(/^[\w.-]+$/)),
        weights: z.array(z.object({ name: z.string(), shape: z.array(z.number().int().nonnegative()), dtype: z.enum(['float32', 'int32']) })),
      }),
    )
    .min(1),
});
export type EncoderManifest = z.infer<typeof ManifestSchema>;

/** The package's model.json (validated) and its weight shards concatenated in manifest order. */
export function readEncoderFiles(dir = encoderPackageDir()): { manifest: EncoderManifest; weightData: ArrayBuffer } {
  const file = path.join(dir, 'model.json');
  let parsed;
  try {
    parsed = ManifestSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch (err) {
    throw new ModeratoError('MOD_ERR_MODEL', `cannot read the encoder graph ${file}`, { cause: String(err) });
  }
  if (!parsed.success) throw new ModeratoError('MOD_ERR_MODEL', `the encoder graph ${file} is not a tfjs graph model`, { issues: parsed.error.issues.slice(0, 5) });
  const shards = parsed.data.weightsManifest.flatMap((g) => g.paths.map((p) => fs.readFileSync(path.join(dir, p))));
  const total = shards.reduce((n, b) => n + b.length, 0);
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const b of shards) {
    bytes.set(b, at);
    at += b.length;
  }
  return { manifest: parsed.data, weightData: bytes.buffer };
}

/** Loads the package's graph model on the selected tfjs backend (wasm here). */
export async function loadGraph(opts: { backend?: string } = {}): Promise<tf.GraphModel> {
  await initBackend(opts.backend);
  const { manifest, weightData } = readEncoderFiles();
  const weightSpecs = manifest.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[];
  return tf.loadGraphModel({
    load: async () => ({ modelTopology: manifest.modelTopology, weightSpecs, weightData, format: 'graph-model' }),
  });
}

/**
 * The sparse batch the graph takes: `indices` [N, 2] (row, position) and `values` [N] (ids).
 * An empty list gets no entries, so its row is all padding; a dummy row after it keeps the
 * batch's shape, because the graph sizes the dense batch from the largest row index present.
 */
export function sparseBatch(batch: Int32Array[]): { indices: Int32Array; values: Int32Array; rows: number } {
  const lengths = batch.map((ids) => Math.min(ids.length, MAX_PIECES));
  let rows = batch.length;
  if (rows === 0 || lengths[rows - 1] === 0) rows++;
  const n = lengths.reduce((a, b) => a + b, 0) + (rows > batch.length ? 1 : 0);
  const indices = new Int32Array(2 * n);
  const values = new Int32Array(n);
  let k = 0;
  batch.forEach((ids, r) => {
    for (let p = 0; p < lengths[r]; p++, k++) {
      indices[2 * k] = r;
      indices[2 * k + 1] = p;
      values[k] = ids[p];
    }
  });
  if (rows > batch.length) indices[2 * k] = rows - 1;
  return { indices, values, rows };
}

/** The graph model as an IdEncoder: one text per call (padding a batch to its longest text was slower, see notes/encoder.md). */
export async function loadGraphEncoder(opts: { backend?: string } = {}): Promise<IdEncoder> {
  const model = await loadGraph(opts);
  const run = async (ids: Int32Array, withStates: boolean): Promise<{ vector: Float32Array; states: Float32Array }> => {
    const { indices, values, rows } = sparseBatch([ids]);
    const feeds = { indices: tf.tensor2d(indices, [indices.length / 2, 2], 'int32'), values: tf.tensor1d(values, 'int32') };
    let outs: tf.Tensor[] = [];
    try {
      const got = await model.executeAsync(feeds, withStates ? [SENTENCE_NODE, TOKEN_STATES_NODE] : SENTENCE_NODE);
      outs = Array.isArray(got) ? got : [got];
      const vec = (await outs[0].data()) as Float32Array;
      if (vec.length !== rows * ENCODER_DIM) throw new ModeratoError('MOD_ERR_MODEL', `the encoder graph returned ${vec.length} floats for ${rows} rows`);
      const n = Math.min(ids.length, MAX_PIECES);
      const states = withStates ? ((await outs[1].data()) as Float32Array).slice(0, n * ENCODER_DIM) : new Float32Array(0);
      return { vector: vec.slice(0, ENCODER_DIM), states };
    } finally {
      for (const t of outs) t.dispose();
      feeds.indices.dispose();
      feeds.values.dispose();
    }
  };
  return {
    runtime: `tfjs-graph (${tf.getBackend()})`,
    async embedIds(batch) {
      const out: Float32Array[] = [];
      for (const ids of batch) out.push((await run(ids, false)).vector);
      return out;
    },
    async statesIds(batch) {
      const out: Array<{ vector: Float32Array; states: Float32Array }> = [];
      for (const ids of batch) out.push(await run(ids, true));
      return out;
    },
    async dispose() {
      model.dispose();
    },
  };
}
