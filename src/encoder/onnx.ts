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
import { MAX_PIECES, padPieces, readEncoderParams, type DenseParams, type EncoderParams, type IdEncoder } from './graph';
import { DType, encodeModel, type Attr, type OnnxNode, type OnnxTensor } from './onnx-proto';
import { readTunedWeights, withTunedWeights } from './tuned';

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
 * `E`: the weights (the package's by default; `withTunedWeights` gives a fine-tune's).
 */
export function buildEncoderOnnx(E: EncoderParams = readEncoderParams()): Uint8Array {
  const b = new Builder();
  b.floats('embeddings', E.embeddings.shape, E.embeddings.data);
  b.floats('timing', [MAX_PIECES, E.timing.length / MAX_PIECES], E.timing);
  b.ints('zero', [0]);
  b.ints('axis0', [0]);
  b.ints('axis1', [1]);
  b.ints('axis2', [2]);
  b.ints('axes12', [1, 2]);
  b.ints('last', [-1]);
  b.floats('one', [], [1]);
  b.floats('padBias', [], [-1e9]);
  b.floats('tiny', [], [E.tiny]);

  const pieces = b.op('Shape', ['ids'], { start: 1, end: 2 });
  const pos = b.op('Slice', ['timing', 'zero', pieces, 'axis0']);
  const e = b.op('Gather', ['embeddings', 'ids'], { axis: 0 });
  let x = b.op('Add', [b.op('Add', [e, e]), pos]);
  const maskBias = b.op('Unsqueeze', [b.op('Mul', [b.op('Sub', ['one', 'mask']), 'padBias']), 'axes12']);

  const layerNorm = (input: string, name: string, p: { scale: Float32Array; bias: Float32Array }): string =>
    b.op('LayerNormalization', [input, b.floats(`${name}/scale`, [p.scale.length], p.scale), b.floats(`${name}/bias`, [p.bias.length], p.bias)], { axis: -1, epsilon: { float: E.eps } });
  const dense = (input: string, name: string, p: DenseParams): string =>
    b.op('Add', [b.op('MatMul', [input, b.floats(`${name}/w`, [p.rows, p.w.length / p.rows], p.w)]), b.floats(`${name}/b`, [p.b.length], p.b)]);

  E.layers.forEach((lp, L) => {
    const { d } = lp;
    const dh = d / E.heads;
    // Attention.
    const h = layerNorm(x, `L${L}/ln1`, lp.ln1);
    const qkv = dense(h, `L${L}/qkv`, lp.qkv);
    const split = b.ints(`L${L}/split`, [d, d, d]);
    const [q, k, v] = ['q', 'k', 'v'].map((s) => `L${L}/${s}`);
    b.nodes.push({ op: 'Split', inputs: [qkv, split], outputs: [q, k, v], attrs: { axis: -1 } });
    const headShape = b.ints(`L${L}/heads`, [0, 0, E.heads, dh]);
    const toHeads = (t: string, perm: number[]): string => b.op('Transpose', [b.op('Reshape', [t, headShape])], { perm });
    const scale = b.floats(`L${L}/scale`, [], [lp.scale]);
    const logits = b.op('Add', [b.op('MatMul', [b.op('Mul', [toHeads(q, [0, 2, 1, 3]), scale]), toHeads(k, [0, 2, 3, 1])]), maskBias]);
    const attended = b.op('MatMul', [b.op('Softmax', [logits], { axis: -1 }), toHeads(v, [0, 2, 1, 3])]);
    const merged = b.op('Reshape', [b.op('Transpose', [attended], { perm: [0, 2, 1, 3] }), b.ints(`L${L}/merge`, [0, 0, d])]);
    const attnOut = dense(merged, `L${L}/out`, lp.out);
    // Layer 0 widens its residual with a dense layer (the graph's AdjustResidualInput).
    const residual = lp.adjust ? dense(x, `L${L}/adjust`, lp.adjust) : x;
    x = b.op('Add', [attnOut, residual]);
    // Feed-forward.
    const g = layerNorm(x, `L${L}/ln2`, lp.ln2);
    const hidden = b.op('Relu', [dense(g, `L${L}/ffn1`, lp.ffn1)]);
    x = b.op('Add', [dense(hidden, `L${L}/ffn2`, lp.ffn2), x]);
  });

  const masked = b.op('Mul', [x, b.op('Unsqueeze', ['mask', 'axis2'])]);
  const count = b.op('Max', [b.op('ReduceSum', ['mask', 'axis1'], { keepdims: 1 }), 'one']);
  const mean = b.op('Div', [b.op('ReduceSum', [masked, 'axis1'], { keepdims: 0 }), count]);
  const t = b.op('Tanh', [dense(mean, 'tanh', E.tanh)]);
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
  /** A fine-tune's checkpoint (src/encoder/tuned.ts) whose tensors replace the package's of the same names. */
  weights?: string;
}

/** The rebuilt model in an onnxruntime session, as an IdEncoder. */
export async function loadOnnxEncoder(opts: OnnxOptions = {}): Promise<IdEncoder> {
  const threads = opts.threads ?? 1;
  const maxBatch = opts.maxBatch ?? 1;
  const params = opts.weights ? withTunedWeights(readEncoderParams(), readTunedWeights(opts.weights)) : readEncoderParams();
  const session = await ort.InferenceSession.create(buildEncoderOnnx(params), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  /** One run over texts padded to the longest; an empty text is one padding piece (mean 0, as in the graph). */
  const run = async (batch: Int32Array[], withStates: boolean): Promise<Array<{ vector: Float32Array; states: Float32Array }>> => {
    const { ids, mask, width: n } = padPieces(batch);
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
    runtime: `onnx (onnxruntime-node ${ort.env.versions.common}, ${threads} thread${threads === 1 ? '' : 's'}${opts.weights ? ', tuned weights' : ''})`,
    async embedIds(batch) {
      return (await grouped(batch, false)).map((r) => r.vector);
    },
    statesIds: (batch) => grouped(batch, true),
    async dispose() {
      await session.release();
    },
  };
}
