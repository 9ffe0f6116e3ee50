/**
 * The encoder's forward pass rebuilt as an ONNX model from the package's own weights, run with
 * onnxruntime-node (CPU). The ops are read off the tfjs graph (model.json) and kept in its order:
 *
 *   x   = 2·E[ids] + [sin | cos](pos · invTimescale)      (the graph adds the embedding twice:
 *                                                          its AddTimingSignal output is added to
 *                                                          the scattered embeddings again)
 *   L0:  x = dense(x) + MHA0(LN(x))  (4 heads of 64, d 256 -> 512);  x = x + FFN0(LN(x))
 *   L1:  x = x + MHA1(LN(x))         (4 heads of 128);               x = x + FFN1(LN(x))
 *   v   = l2norm(tanh(W · mean over the text's pieces of x + b))
 *
 * LN is scale·(x-mean)/sqrt(var+1e-6)+bias, FFN is relu(x·W1+b1)·W2+b2 (512 -> 1536 -> 512),
 * attention adds -1e9 at padding. Pieces past 128 are dropped, as the graph's ClipToMaxLength.
 * The model is built in memory at load (about 28 MB of weights; no file written, nothing fetched).
 */
import * as ort from 'onnxruntime-node';
import { ModeratoError } from '../errors';
import { ENCODER_DIM } from './types';
import { MAX_PIECES, readEncoderFiles, type IdEncoder } from './graph';
import { DType, encodeModel, type Attr, type OnnxNode, type OnnxTensor } from './onnx-proto';

type Weights = Map<string, { shape: number[]; data: Float32Array | Int32Array }>;

/** The package's weights by name, as typed arrays over the shard bytes. */
function readWeights(): Weights {
  const { manifest, weightData } = readEncoderFiles();
  const out: Weights = new Map();
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
function pick(weights: Weights, suffix: string): { shape: number[]; data: Float32Array | Int32Array } {
  const hits = [...weights.keys()].filter((k) => k.endsWith(suffix));
  if (hits.length !== 1) throw new ModeratoError('MOD_ERR_MODEL', `encoder weight "${suffix}" found ${hits.length} times in model.json`);
  return weights.get(hits[0])!;
}

/** Collects nodes and initialisers; each op returns its output's name. */
class Builder {
  readonly nodes: OnnxNode[] = [];
  readonly inits: OnnxTensor[] = [];
  private n = 0;

  op(op: string, inputs: string[], attrs?: Record<string, Attr>): string {
    const out = `t${this.n++}`;
    this.nodes.push({ op, inputs, outputs: [out], attrs });
    return out;
  }

  floats(name: string, dims: number[], data: ArrayLike<number>): string {
    this.inits.push({ name, dims, data: data instanceof Float32Array ? data : Float32Array.from(data) });
    return name;
  }

  ints(name: string, data: number[]): string {
    this.inits.push({ name, dims: [data.length], data: BigInt64Array.from(data.map(BigInt)) });
    return name;
  }
}

/**
 * Builds the ONNX bytes: inputs `ids` int32 [batch, pieces] and `mask` float [batch, pieces] (1 =
 * piece, 0 = padding); outputs `embedding` [batch, 512] and the last layer's `states` [batch, pieces, 512].
 */
export function buildEncoderOnnx(): Uint8Array {
  const W = readWeights();
  const f = (suffix: string): Float32Array => {
    const w = pick(W, suffix);
    if (!(w.data instanceof Float32Array)) throw new ModeratoError('MOD_ERR_MODEL', `encoder weight "${suffix}" is not float32`);
    return w.data;
  };
  const scalar = (suffix: string): number => pick(W, suffix).data[0];
  const b = new Builder();
  // Suffixes: the same layer's weights sit under `module/` or `module_apply_default/`.
  const P = 'Encoder_en/KonaTransformer/Encode/';
  const S = `${P}TransformerStack/`;
  const heads = scalar(`${S}Layer_1/TransformerLayer/MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/2`);
  const eps = scalar(`${S}Layer_1/TransformerLayer/FFN/layer_prepostprocess/layer_norm/Cast/x`);

  const emb = pick(W, 'module/Embeddings_en');
  const [, width0] = emb.shape;
  b.floats('embeddings', emb.shape, emb.data);
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
  b.floats('timing', [MAX_PIECES, 2 * inv.length], timing);
  b.ints('zero', [0]);
  b.ints('axis0', [0]);
  b.ints('axis1', [1]);
  b.ints('axis2', [2]);
  b.ints('axes12', [1, 2]);
  b.ints('last', [-1]);
  b.floats('one', [], [1]);
  b.floats('padBias', [], [-1e9]);
  b.floats('tiny', [], [scalar('Encoder_en/hidden_layers/l2_normalize/Maximum/y')]);

  const pieces = b.op('Shape', ['ids'], { start: 1, end: 2 });
  const pos = b.op('Slice', ['timing', 'zero', pieces, 'axis0']);
  const e = b.op('Gather', ['embeddings', 'ids'], { axis: 0 });
  let x = b.op('Add', [b.op('Add', [e, e]), pos]);
  const maskBias = b.op('Unsqueeze', [b.op('Mul', [b.op('Sub', ['one', 'mask']), 'padBias']), 'axes12']);

  const layerNorm = (input: string, prefix: string): string => {
    const scale = f(`${prefix}layer_norm_scale/ConcatPartitions/concat`);
    const bias = f(`${prefix}layer_norm_bias/ConcatPartitions/concat`);
    return b.op('LayerNormalization', [input, b.floats(`${prefix}scale`, [scale.length], scale), b.floats(`${prefix}bias`, [bias.length], bias)], { axis: -1, epsilon: { float: eps } });
  };
  const dense = (input: string, name: string, kernel: Float32Array, rows: number, bias: Float32Array): string =>
    b.op('Add', [b.op('MatMul', [input, b.floats(`${name}/w`, [rows, kernel.length / rows], kernel)]), b.floats(`${name}/b`, [bias.length], bias)]);

  for (const L of [0, 1]) {
    const layer = `${P}Layer_${L}/TransformerLayer/`;
    const stack = `${S}Layer_${L}/TransformerLayer/`;
    const inWidth = L === 0 ? width0 : ENCODER_DIM;
    const qkvW = f(`${layer}MultiheadAttention/qkv_transform_single/kernel/part_0`);
    const d = qkvW.length / inWidth / 3;
    const dh = d / heads;
    // Attention.
    const h = layerNorm(x, `${layer}layer_prepostprocess/layer_norm/`);
    const qkv = dense(h, `L${L}/qkv`, qkvW, inWidth, f(`${layer}MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat`));
    const split = b.ints(`L${L}/split`, [d, d, d]);
    const [q, k, v] = ['q', 'k', 'v'].map((s) => `L${L}/${s}`);
    b.nodes.push({ op: 'Split', inputs: [qkv, split], outputs: [q, k, v], attrs: { axis: -1 } });
    const headShape = b.ints(`L${L}/heads`, [0, 0, heads, dh]);
    const toHeads = (t: string, perm: number[]): string => b.op('Transpose', [b.op('Reshape', [t, headShape])], { perm });
    const scale = b.floats(`L${L}/scale`, [], [scalar(`${stack}MultiheadAttention/mul/y`)]);
    const logits = b.op('Add', [b.op('MatMul', [b.op('Mul', [toHeads(q, [0, 2, 1, 3]), scale]), toHeads(k, [0, 2, 3, 1])]), maskBias]);
    const attended = b.op('MatMul', [b.op('Softmax', [logits], { axis: -1 }), toHeads(v, [0, 2, 1, 3])]);
    const merged = b.op('Reshape', [b.op('Transpose', [attended], { perm: [0, 2, 1, 3] }), b.ints(`L${L}/merge`, [0, 0, d])]);
    const attnOut = dense(merged, `L${L}/out`, f(`${layer}MultiheadAttention/output_transform_single/kernel/part_0`), d, f(`${layer}MultiheadAttention/output_transform_single/bias/ConcatPartitions/concat`));
    // Layer 0 widens its residual with a dense layer (the graph's AdjustResidualInput).
    const residual = L === 0 ? dense(x, 'L0/adjust', f(`${layer}dense/kernel/ConcatPartitions/concat`), inWidth, f(`${layer}dense/bias/ConcatPartitions/concat`)) : x;
    x = b.op('Add', [attnOut, residual]);
    // Feed-forward.
    const g = layerNorm(x, `${layer}FFN/layer_prepostprocess/layer_norm/`);
    const hidden = b.op('Relu', [dense(g, `L${L}/ffn1`, f(`${stack}FFN/conv1/Tensordot/Reshape_1`), ENCODER_DIM, f(`${layer}FFN/conv1/bias/ConcatPartitions/concat`))]);
    const w2 = f(`${stack}FFN/conv2/Tensordot/Reshape_1`);
    x = b.op('Add', [dense(hidden, `L${L}/ffn2`, w2, w2.length / ENCODER_DIM, f(`${layer}FFN/conv2/bias/ConcatPartitions/concat`)), x]);
  }

  const masked = b.op('Mul', [x, b.op('Unsqueeze', ['mask', 'axis2'])]);
  const count = b.op('Max', [b.op('ReduceSum', ['mask', 'axis1'], { keepdims: 1 }), 'one']);
  const mean = b.op('Div', [b.op('ReduceSum', [masked, 'axis1'], { keepdims: 0 }), count]);
  const tanhW = f('Encoder_en/hidden_layers/tanh_layer_0/weights');
  const t = b.op('Tanh', [dense(mean, 'tanh', tanhW, ENCODER_DIM, f('Encoder_en/hidden_layers/tanh_layer_0/bias'))]);
  const norm = b.op('Sqrt', [b.op('Max', [b.op('ReduceSum', [b.op('Mul', [t, t]), 'last'], { keepdims: 1 }), 'tiny'])]);
  b.nodes.push({ op: 'Div', inputs: [t, norm], outputs: ['embedding'] });
  b.nodes.push({ op: 'Identity', inputs: [x], outputs: ['states'] });

  return encodeModel({
    name: 'universal-sentence-encoder-lite',
    opset: 17,
    nodes: b.nodes,
    initializers: b.inits,
    inputs: [
      { name: 'ids', type: DType.INT32, dims: ['batch', 'pieces'] },
      { name: 'mask', type: DType.FLOAT, dims: ['batch', 'pieces'] },
    ],
    outputs: [
      { name: 'embedding', type: DType.FLOAT, dims: ['batch', ENCODER_DIM] },
      { name: 'states', type: DType.FLOAT, dims: ['batch', 'pieces', ENCODER_DIM] },
    ],
  });
}

/** Options of the ONNX runtime. */
export interface OnnxOptions {
  /** Intra-op threads of the session: 1 by default, because each scoring worker has its own session. */
  threads?: number;
  /** Most texts per run; texts of similar length are run together, padded to the longest. */
  maxBatch?: number;
}

/** The rebuilt model in an onnxruntime session, as an IdEncoder. */
export async function loadOnnxEncoder(opts: OnnxOptions = {}): Promise<IdEncoder> {
  const threads = opts.threads ?? 1;
  const maxBatch = opts.maxBatch ?? 1;
  const session = await ort.InferenceSession.create(buildEncoderOnnx(), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  /** One run over texts padded to the longest; an empty text is one padding piece (mean 0, as in the graph). */
  const run = async (batch: Int32Array[], withStates: boolean): Promise<Array<{ vector: Float32Array; states: Float32Array }>> => {
    const n = Math.max(1, ...batch.map((ids) => Math.min(ids.length, MAX_PIECES)));
    const ids = new Int32Array(batch.length * n);
    const mask = new Float32Array(batch.length * n);
    batch.forEach((t, r) => {
      const len = Math.min(t.length, MAX_PIECES);
      ids.set(t.subarray(0, len), r * n);
      mask.fill(1, r * n, r * n + len);
    });
    const feeds = { ids: new ort.Tensor('int32', ids, [batch.length, n]), mask: new ort.Tensor('float32', mask, [batch.length, n]) };
    const out = await session.run(feeds, withStates ? ['embedding', 'states'] : ['embedding']);
    const vec = out.embedding.data as Float32Array;
    if (vec.length !== batch.length * ENCODER_DIM) throw new ModeratoError('MOD_ERR_MODEL', `the ONNX encoder returned ${vec.length} floats for ${batch.length} texts`);
    const states = withStates ? (out.states.data as Float32Array) : null;
    return batch.map((t, r) => ({
      vector: vec.slice(r * ENCODER_DIM, (r + 1) * ENCODER_DIM),
      states: states ? states.slice(r * n * ENCODER_DIM, (r * n + Math.min(t.length, MAX_PIECES)) * ENCODER_DIM) : new Float32Array(0),
    }));
  };
  /** Runs `batch` in length-sorted groups of at most maxBatch, results in input order. */
  const grouped = async (batch: Int32Array[], withStates: boolean) => {
    const order = batch.map((_, i) => i).sort((a, b) => batch[a].length - batch[b].length);
    const out: Array<{ vector: Float32Array; states: Float32Array }> = new Array(batch.length);
    for (let i = 0; i < order.length; i += maxBatch) {
      const part = order.slice(i, i + maxBatch);
      const res = await run(part.map((k) => batch[k]), withStates);
      part.forEach((k, j) => (out[k] = res[j]));
    }
    return out;
  };
  return {
    runtime: `onnx (onnxruntime-node ${ort.env.versions.common}, ${threads} thread${threads === 1 ? '' : 's'})`,
    async embedIds(batch) {
      return (await grouped(batch, false)).map((r) => r.vector);
    },
    statesIds: (batch) => grouped(batch, true),
    async dispose() {
      await session.release();
    },
  };
}
