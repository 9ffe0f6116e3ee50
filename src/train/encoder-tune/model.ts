/**
 * The sentence encoder's forward pass as trainable TensorFlow.js ops, weights held in tf.variables
 * initialised from the package's own weights (src/encoder/graph.ts `readEncoderParams`): the same
 * pass src/encoder/onnx.ts documents and runs, so a fine-tune starts exactly at the shipped encoder.
 * Training code only: the runtime encoder is src/encoder.
 */
import * as tf from '@tensorflow/tfjs';
import { MAX_PIECES, mapLayer, padPieces, readEncoderParams, type DenseParams, type EncoderParams, type NormParams } from '../../encoder/graph';

/**
 * `x · w` whose gradients transpose explicitly and then multiply untransposed: the wasm backend's
 * BatchMatMul with transposeA / transposeB (what tf.matMul's own gradient uses) measured 2.1x /
 * 2.2x the CPU time of a transpose then a plain product ([768, 512] x [768, 1536] and
 * [768, 1536] x [512, 1536]^T, .tmp microbenchmark in models/README.md's feasibility notes).
 */
const linear = tf.customGrad(((x: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [sx, sw] = saved as tf.Tensor2D[];
      const g = dy as tf.Tensor2D;
      return [tf.matMul(g, tf.transpose(sw)), tf.matMul(tf.transpose(sx), g)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor, w: tf.Tensor) => tf.Tensor2D;

/** Which weights a fine-tune updates. */
export type TuneScope =
  /** Every weight, the piece embeddings included (their gradient is a scatter-add). */
  | 'all'
  /** Both layers and the pooling dense; the embeddings frozen. */
  | 'layers'
  /** Layer 1 and the pooling dense only: layer 0 and the embeddings frozen. */
  | 'top';

interface DenseVars {
  w: tf.Variable;
  b: tf.Variable;
}
interface NormVars {
  scale: tf.Variable;
  bias: tf.Variable;
}
interface LayerVars {
  d: number;
  scale: number;
  ln1: NormVars;
  qkv: DenseVars;
  out: DenseVars;
  adjust: DenseVars | null;
  ln2: NormVars;
  ffn1: DenseVars;
  ffn2: DenseVars;
}

/** A padded batch: `ids` int32 [batch, pieces] and `mask` float [batch, pieces] (1 = piece, 0 = padding). */
export interface PaddedBatch {
  ids: tf.Tensor2D;
  mask: tf.Tensor2D;
}

/** Pads id lists to the longest (at most `maxPieces`; see `padPieces`). */
export function padBatch(batch: Int32Array[], maxPieces = MAX_PIECES): PaddedBatch {
  const { ids, mask, width } = padPieces(batch, maxPieces);
  return { ids: tf.tensor2d(ids, [batch.length, width], 'int32'), mask: tf.tensor2d(mask, [batch.length, width]) };
}

/** The encoder as tf.variables; `embed` is differentiable in every variable. */
export class TunableEncoder {
  readonly embeddings: tf.Variable;
  private readonly timing: tf.Tensor2D;
  private readonly layers: LayerVars[];
  private readonly tanh: DenseVars;
  private readonly heads: number;
  private readonly eps: number;
  private readonly tiny: number;

  constructor(p: EncoderParams = readEncoderParams()) {
    const dense = (q: DenseParams, name: string): DenseVars => ({
      w: tf.variable(tf.tensor2d(q.w, [q.rows, q.w.length / q.rows]), true, `${name}/w`),
      b: tf.variable(tf.tensor1d(q.b), true, `${name}/b`),
    });
    const norm = (q: NormParams, name: string): NormVars => ({
      scale: tf.variable(tf.tensor1d(q.scale), true, `${name}/scale`),
      bias: tf.variable(tf.tensor1d(q.bias), true, `${name}/bias`),
    });
    const [vocab, width] = p.embeddings.shape;
    this.embeddings = tf.variable(tf.tensor2d(p.embeddings.data, [vocab, width]), true, 'embeddings');
    this.timing = tf.tensor2d(p.timing, [MAX_PIECES, p.timing.length / MAX_PIECES]);
    this.heads = p.heads;
    this.eps = p.eps;
    this.tiny = p.tiny;
    this.layers = p.layers.map((l, L) => mapLayer(l, L, dense, norm));
    this.tanh = dense(p.tanh, 'tanh');
  }

  /** The variables a fine-tune of `scope` updates. */
  trainable(scope: TuneScope): tf.Variable[] {
    const layerVars = (l: LayerVars): tf.Variable[] =>
      [l.ln1, l.qkv, l.out, ...(l.adjust ? [l.adjust] : []), l.ln2, l.ffn1, l.ffn2].flatMap((v) => Object.values(v) as tf.Variable[]);
    const top = [...layerVars(this.layers[1]), this.tanh.w, this.tanh.b];
    if (scope === 'top') return top;
    const layers = [...layerVars(this.layers[0]), ...top];
    return scope === 'layers' ? layers : [this.embeddings, ...layers];
  }

  /** Every variable, by name (for saving tuned weights). */
  variables(): tf.Variable[] {
    return this.trainable('all');
  }

  /** L2-normalised sentence vectors [batch, 512] of a padded batch. */
  embed({ ids, mask }: PaddedBatch): tf.Tensor2D {
    return tf.tidy(() => {
      const [batch, n] = ids.shape;
      const dense3 = (x: tf.Tensor3D, v: DenseVars): tf.Tensor3D => {
        const [b, t, w] = x.shape;
        return tf.add(linear(x.reshape([b * t, w]), v.w), v.b).reshape([b, t, -1]) as tf.Tensor3D;
      };
      const layerNorm = (x: tf.Tensor3D, v: NormVars): tf.Tensor3D => {
        const { mean, variance } = tf.moments(x, -1, true);
        return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, this.eps))), v.scale), v.bias) as tf.Tensor3D;
      };
      const e = tf.gather(this.embeddings, ids.reshape([-1])).reshape([batch, n, -1]);
      // The graph adds the embedding twice (see src/encoder/onnx.ts).
      let x = tf.add(tf.add(e, e), this.timing.slice([0, 0], [n, -1])) as tf.Tensor3D;
      const maskBias = tf.mul(tf.sub(1, mask), -1e9).reshape([batch, 1, 1, n]);
      for (const l of this.layers) {
        const dh = l.d / this.heads;
        const qkv = dense3(layerNorm(x, l.ln1), l.qkv);
        const [q, k, v] = tf.split(qkv, 3, -1);
        const toHeads = (t: tf.Tensor): tf.Tensor4D => t.reshape([batch, n, this.heads, dh]).transpose([0, 2, 1, 3]) as tf.Tensor4D;
        const logits = tf.add(tf.matMul(tf.mul(toHeads(q), l.scale), toHeads(k), false, true), maskBias);
        const attended = tf.matMul(tf.softmax(logits), toHeads(v));
        const merged = attended.transpose([0, 2, 1, 3]).reshape([batch, n, l.d]) as tf.Tensor3D;
        const residual = l.adjust ? dense3(x, l.adjust) : x;
        x = tf.add(dense3(merged, l.out), residual) as tf.Tensor3D;
        const hidden = tf.relu(dense3(layerNorm(x, l.ln2), l.ffn1)) as tf.Tensor3D;
        x = tf.add(dense3(hidden, l.ffn2), x) as tf.Tensor3D;
      }
      const count = tf.maximum(tf.sum(mask, 1, true), 1);
      const mean = tf.div(tf.sum(tf.mul(x, mask.expandDims(2)), 1), count) as tf.Tensor2D;
      const t = tf.tanh(tf.add(linear(mean, this.tanh.w), this.tanh.b));
      const norm = tf.sqrt(tf.maximum(tf.sum(tf.mul(t, t), -1, true), this.tiny));
      return tf.div(t, norm) as tf.Tensor2D;
    });
  }

  dispose(): void {
    for (const v of this.variables()) v.dispose();
    this.timing.dispose();
  }
}
