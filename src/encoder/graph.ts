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

/**
 * Piece-id lists padded to the longest (each cut at `cap`, itself at most MAX_PIECES as the graph
 * clips), row-major `rows x width`, with a 1/0 mask. An empty list is one padding piece: its mean
 * is 0, as in the graph.
 */
export function padPieces(batch: Int32Array[], cap = MAX_PIECES): { ids: Int32Array; mask: Float32Array; width: number } {
  const c = Math.min(cap, MAX_PIECES);
  const width = Math.max(1, ...batch.map((x) => Math.min(x.length, c)));
  const ids = new Int32Array(batch.length * width);
  const mask = new Float32Array(batch.length * width);
  batch.forEach((t, r) => {
    const len = Math.min(t.length, c);
    ids.set(t.subarray(0, len), r * width);
    mask.fill(1, r * width, r * width + len);
  });
  return { ids, mask, width };
}
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

type RawWeights = Map<string, { shape: number[]; data: Float32Array | Int32Array }>;

/** The package's weights by name, as typed arrays over the shard bytes. */
function readWeights(): RawWeights {
  const { manifest, weightData } = readEncoderFiles();
  const out: RawWeights = new Map();
  let at = 0;
  for (const w of manifest.weightsManifest.flatMap((g) => g.weights)) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    const data = w.dtype === 'float32' ? new Float32Array(weightData, at, n) : new Int32Array(weightData, at, n);
    out.set(w.name, { shape: w.shape, data });
    at += 4 * n;
  }
  return out;
}

/** The one weight whose name ends with `suffix` (the graph names are long and stable). */
function pick(weights: RawWeights, suffix: string): { shape: number[]; data: Float32Array | Int32Array } {
  const hits = [...weights.keys()].filter((k) => k.endsWith(suffix));
  if (hits.length !== 1) throw new ModeratoError('MOD_ERR_MODEL', `encoder weight "${suffix}" found ${hits.length} times in model.json`);
  return weights.get(hits[0])!;
}

/** A dense layer's weights: `w` row-major [rows, w.length / rows], `b` one bias per column. */
export interface DenseParams {
  w: Float32Array;
  rows: number;
  b: Float32Array;
}

/** One transformer layer's weights (see src/encoder/onnx.ts for the forward pass they feed). */
export interface LayerParams {
  /** Width of the layer's input (256 at layer 0, 512 at layer 1). */
  inWidth: number;
  /** Width of the attention's q, k and v (split into `heads` heads). */
  d: number;
  /** The attention logits' scale (the graph's `mul/y`). */
  scale: number;
  ln1: { scale: Float32Array; bias: Float32Array };
  qkv: DenseParams;
  out: DenseParams;
  /** Layer 0 widens its residual with a dense layer (the graph's AdjustResidualInput); null at layer 1. */
  adjust: DenseParams | null;
  ln2: { scale: Float32Array; bias: Float32Array };
  ffn1: DenseParams;
  ffn2: DenseParams;
}

/** Every weight of the encoder's forward pass, read from the package's shards by graph name. */
export interface EncoderParams {
  /** Piece embeddings, row-major [vocab, width]. */
  embeddings: { data: Float32Array; shape: number[] };
  /** The timing signal for each of MAX_PIECES positions, row-major [MAX_PIECES, width] ([sin | cos]). */
  timing: Float32Array;
  heads: number;
  /** Layer-norm epsilon. */
  eps: number;
  layers: LayerParams[];
  tanh: DenseParams;
  /** The L2 normalisation's floor on the squared norm. */
  tiny: number;
}

/** A layer norm's weights. */
export type NormParams = LayerParams['ln1'];

/**
 * A layer's weights, each dense and norm part mapped by `dense` / `norm` under the name a tuned
 * checkpoint stores it by (`L<layer>/<part>`, then `/w`, `/b`, `/scale`, `/bias`): the one place
 * those names are spelled, for the checkpoint reader (./tuned.ts) and the fine-tune that writes
 * them (src/train/encoder-tune/model.ts).
 */
export function mapLayer<D, N>(l: LayerParams, L: number, dense: (p: DenseParams, name: string) => D, norm: (p: NormParams, name: string) => N) {
  return {
    inWidth: l.inWidth,
    d: l.d,
    scale: l.scale,
    ln1: norm(l.ln1, `L${L}/ln1`),
    qkv: dense(l.qkv, `L${L}/qkv`),
    out: dense(l.out, `L${L}/out`),
    adjust: l.adjust ? dense(l.adjust, `L${L}/adjust`) : null,
    ln2: norm(l.ln2, `L${L}/ln2`),
    ffn1: dense(l.ffn1, `L${L}/ffn1`),
    ffn2: dense(l.ffn2, `L${L}/ffn2`),
  };
}

/** The package's weights arranged as the forward pass reads them (about 28 MB, views over one buffer). */
export function readEncoderParams(): EncoderParams {
  const W = readWeights();
  const f = (suffix: string): Float32Array => {
    const w = pick(W, suffix);
    if (!(w.data instanceof Float32Array)) throw new ModeratoError('MOD_ERR_MODEL', `encoder weight "${suffix}" is not float32`);
    return w.data;
  };
  const scalar = (suffix: string): number => pick(W, suffix).data[0];
  // Suffixes: the same layer's weights sit under `module/` or `module_apply_default/`.
  const P = 'Encoder_en/KonaTransformer/Encode/';
  const S = `${P}TransformerStack/`;
  const heads = scalar(`${S}Layer_1/TransformerLayer/MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/2`);
  const eps = scalar(`${S}Layer_1/TransformerLayer/FFN/layer_prepostprocess/layer_norm/Cast/x`);
  const emb = pick(W, 'module/Embeddings_en');
  if (!(emb.data instanceof Float32Array)) throw new ModeratoError('MOD_ERR_MODEL', 'encoder embeddings are not float32');
  const width0 = emb.shape[1];
  // The timing signal for every position the graph keeps, computed in float32 as the graph does.
  const inv = f(`${S}Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1`);
  const timing = new Float32Array(MAX_PIECES * 2 * inv.length);
  for (let p = 0; p < MAX_PIECES; p++) {
    for (let k = 0; k < inv.length; k++) {
      const angle = Math.fround(p * inv[k]);
      timing[p * 2 * inv.length + k] = Math.sin(angle);
      timing[p * 2 * inv.length + inv.length + k] = Math.cos(angle);
    }
  }
  const ln = (prefix: string) => ({ scale: f(`${prefix}layer_norm_scale/ConcatPartitions/concat`), bias: f(`${prefix}layer_norm_bias/ConcatPartitions/concat`) });
  const layers = [0, 1].map((L): LayerParams => {
    const layer = `${P}Layer_${L}/TransformerLayer/`;
    const stack = `${S}Layer_${L}/TransformerLayer/`;
    const inWidth = L === 0 ? width0 : ENCODER_DIM;
    const qkvW = f(`${layer}MultiheadAttention/qkv_transform_single/kernel/part_0`);
    const d = qkvW.length / inWidth / 3;
    const w2 = f(`${stack}FFN/conv2/Tensordot/Reshape_1`);
    return {
      inWidth,
      d,
      scale: scalar(`${stack}MultiheadAttention/mul/y`),
      ln1: ln(`${layer}layer_prepostprocess/layer_norm/`),
      qkv: { w: qkvW, rows: inWidth, b: f(`${layer}MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat`) },
      out: { w: f(`${layer}MultiheadAttention/output_transform_single/kernel/part_0`), rows: d, b: f(`${layer}MultiheadAttention/output_transform_single/bias/ConcatPartitions/concat`) },
      adjust: L === 0 ? { w: f(`${layer}dense/kernel/ConcatPartitions/concat`), rows: inWidth, b: f(`${layer}dense/bias/ConcatPartitions/concat`) } : null,
      ln2: ln(`${layer}FFN/layer_prepostprocess/layer_norm/`),
      ffn1: { w: f(`${stack}FFN/conv1/Tensordot/Reshape_1`), rows: ENCODER_DIM, b: f(`${layer}FFN/conv1/bias/ConcatPartitions/concat`) },
      ffn2: { w: w2, rows: w2.length / ENCODER_DIM, b: f(`${layer}FFN/conv2/bias/ConcatPartitions/concat`) },
    };
  });
  return {
    embeddings: { data: emb.data, shape: emb.shape },
    timing,
    heads,
    eps,
    layers,
    tanh: { w: f('Encoder_en/hidden_layers/tanh_layer_0/weights'), rows: ENCODER_DIM, b: f('Encoder_en/hidden_layers/tanh_layer_0/bias') },
    tiny: scalar('Encoder_en/hidden_layers/l2_normalize/Maximum/y'),
  };
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
