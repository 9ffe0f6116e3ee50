/**
 * Tuned encoder weights: a fine-tune's checkpoint (src/train/encoder-tune writes them) substituted
 * for the package's weights of the same names before the ONNX model is built. Runtime code: it
 * reads the file format only, never the training code.
 *
 * Format: `FILE` is float32 little-endian, the tensors concatenated in the order `FILE.json` lists
 * them (`[{ name, shape }]`, row-major). Names: `embeddings`, `L{0,1}/{ln1,ln2}/{scale,bias}`,
 * `L{0,1}/{qkv,out,adjust,ffn1,ffn2}/{w,b}`, `tanh/{w,b}` (the pooling dense). `head/*` (the
 * fine-tune's own classifier) is no part of the encoder and is skipped. Every encoder name must
 * match the package weight's shape; weights not in the file stay the package's.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import { z } from 'zod';
import { ModeratoError } from '../errors';
import { mapLayer, type DenseParams, type EncoderParams, type LayerParams, type NormParams } from './graph';

const ManifestSchema = z.array(z.object({ name: z.string(), shape: z.array(z.number().int().nonnegative()) })).min(1);

/** A checkpoint's encoder tensors by name, and the digest that names the encoder they make. */
export interface TunedWeights {
  file: string;
  /** SHA-256 (hex) of the data file and its manifest: the encoder's identity (see `encoderVersion`). */
  digest: string;
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
}

function fail(file: string, why: string): never {
  throw new ModeratoError('MOD_ERR_MODEL', `tuned encoder weights ${file}: ${why}`);
}

function readFiles(file: string): { data: Buffer; manifestText: string } {
  try {
    return { data: fs.readFileSync(file), manifestText: fs.readFileSync(`${file}.json`, 'utf8') };
  } catch (err) {
    throw new ModeratoError('MOD_ERR_MODEL', `cannot read tuned encoder weights ${file} (and ${file}.json)`, { cause: String(err) });
  }
}

const digests = new Map<string, { mtimeMs: number; size: number; digest: string }>();

/** The weights' digest alone (memoised by path, size and mtime: the vector cache asks on every call). */
export function tunedWeightsDigest(file: string): string {
  const st = fs.statSync(file);
  const memo = digests.get(file);
  if (memo && memo.mtimeMs === st.mtimeMs && memo.size === st.size) return memo.digest;
  const { data, manifestText } = readFiles(file);
  const digest = createHash('sha256').update(data).update(manifestText).digest('hex');
  digests.set(file, { mtimeMs: st.mtimeMs, size: st.size, digest });
  return digest;
}

/** Reads and checks a checkpoint (sizes only; names and shapes are checked against the encoder in `withTunedWeights`). */
export function readTunedWeights(file: string): TunedWeights {
  const { data, manifestText } = readFiles(file);
  let parsed;
  try {
    parsed = ManifestSchema.safeParse(JSON.parse(manifestText));
  } catch (err) {
    fail(file, `manifest is not JSON (${String(err)})`);
  }
  if (!parsed.success) fail(file, 'manifest is not a list of { name, shape }');
  const total = parsed.data.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
  if (data.length !== 4 * total) fail(file, `holds ${data.length} bytes, its manifest lists ${4 * total}`);
  // A copy: the Buffer's offset in Node's pool need not be a multiple of 4.
  const all = new Float32Array(total);
  new Uint8Array(all.buffer).set(data);
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  let at = 0;
  for (const { name, shape } of parsed.data) {
    const n = shape.reduce((a, b) => a * b, 1);
    if (tensors.has(name)) fail(file, `lists ${name} twice`);
    tensors.set(name, { shape, data: all.subarray(at, at + n) });
    at += n;
  }
  const digest = createHash('sha256').update(data).update(manifestText).digest('hex');
  return { file, digest, tensors };
}

/** `params` with the checkpoint's tensors in place of the package's (the package's arrays are not changed). */
export function withTunedWeights(params: EncoderParams, tuned: TunedWeights): EncoderParams {
  const used = new Set<string>();
  const take = (name: string, current: Float32Array, shape: number[]): Float32Array => {
    const t = tuned.tensors.get(name);
    if (!t) return current;
    if (t.data.length !== current.length || t.shape.reduce((a, b) => a * b, 1) !== shape.reduce((a, b) => a * b, 1) || t.shape.length !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
      fail(tuned.file, `${name} has shape [${t.shape}], the encoder's is [${shape}]`);
    }
    used.add(name);
    return t.data;
  };
  const dense = (p: DenseParams, name: string): DenseParams => ({
    w: take(`${name}/w`, p.w, [p.rows, p.w.length / p.rows]),
    rows: p.rows,
    b: take(`${name}/b`, p.b, [p.b.length]),
  });
  const norm = (p: NormParams, name: string): NormParams => ({
    scale: take(`${name}/scale`, p.scale, [p.scale.length]),
    bias: take(`${name}/bias`, p.bias, [p.bias.length]),
  });
  const layers = params.layers.map((l, L): LayerParams => mapLayer(l, L, dense, norm));
  const out: EncoderParams = {
    ...params,
    embeddings: { data: take('embeddings', params.embeddings.data, params.embeddings.shape), shape: params.embeddings.shape },
    layers,
    tanh: dense(params.tanh, 'tanh'),
  };
  const unknown = [...tuned.tensors.keys()].filter((k) => !used.has(k) && !k.startsWith('head/'));
  if (unknown.length) fail(tuned.file, `names no encoder weight: ${unknown.join(', ')}`);
  if (used.size === 0) fail(tuned.file, 'holds no encoder weight');
  return out;
}
