/**
 * TensorFlow.js backend selection: tfjs-node when installed (never a dependency here), else
 * wasm, else the pure-JS cpu backend. The choice is logged to stderr because the CLI's stdout
 * carries JSONL.
 */
import * as tf from './tf';
import { ModeratoError } from '../errors';

/** Backend names accepted by `loadModel(..., { backend })`, in preference order. */
export const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** Friendly aliases users type. */
const ALIASES: Record<string, BackendName> = { tensorflow: 'tensorflow', 'tfjs-node': 'tensorflow', node: 'tensorflow', wasm: 'wasm', cpu: 'cpu' };

let ready: Promise<string> | null = null;
let readyFor: string | undefined;

function hasTfjsNode(): boolean {
  try {
    require.resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

/**
 * A JS scatter-add for `UnsortedSegmentSum` on wasm: the gradient of `gather` (every embedding
 * lookup) needs it and the wasm backend ships none.
 */
function registerWasmKernels(): void {
  const name = 'UnsortedSegmentSum';
  if (tf.getKernel(name, 'wasm')) return;
  tf.registerKernel({
    kernelName: name,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
      const numSegments = (attrs as { numSegments: number }).numSegments;
      const b = backend as any;
      const rowLen = x.shape.slice(1).reduce((a: number, d: number) => a * d, 1);
      const out = b.makeOutput([numSegments, ...x.shape.slice(1)], x.dtype);
      const o = b.typedArrayFromHeap(out) as Float32Array;
      o.fill(0);
      const xv = b.typedArrayFromHeap(x) as Float32Array;
      const ids = b.typedArrayFromHeap(segmentIds) as Int32Array;
      for (let r = 0; r < ids.length; r++) {
        const seg = ids[r];
        if (seg < 0 || seg >= numSegments) continue;
        const so = seg * rowLen;
        const xo = r * rowLen;
        for (let k = 0; k < rowLen; k++) o[so + k] += xv[xo + k];
      }
      return out;
    },
  });
}

async function tryBackend(name: BackendName): Promise<boolean> {
  try {
    if (name === 'tensorflow') {
      if (!hasTfjsNode()) return false;
      require('@tensorflow/tfjs-node');
    } else if (name === 'wasm') {
      require('@tensorflow/tfjs-backend-wasm');
      registerWasmKernels();
    }
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

/**
 * Selects and initialises a backend once per process. With `requested` only that backend is
 * tried; unknown names are rejected with `MOD_ERR_CONFIG` listing the valid ones.
 * Returns the backend's name.
 */
export function initBackend(requested?: string): Promise<string> {
  let wanted: BackendName | undefined;
  if (requested !== undefined) {
    const key = requested.toLowerCase();
    wanted = Object.hasOwn(ALIASES, key) ? ALIASES[key] : undefined; // not "constructor" from the prototype
    if (!wanted) {
      return Promise.reject(
        new ModeratoError('MOD_ERR_CONFIG', `unknown backend "${requested}"; valid: ${Object.keys(ALIASES).join(', ')}`, { valid: Object.keys(ALIASES) }),
      );
    }
  }
  if (ready && readyFor === wanted) return ready;
  readyFor = wanted;
  ready = (async () => {
    const order: BackendName[] = wanted ? [wanted] : [...BACKENDS];
    for (const name of order) {
      if (await tryBackend(name)) {
        await tf.ready();
        process.stderr.write(`moderato: tensorflow.js backend ${tf.getBackend()}${wanted ? '' : ' (auto: tfjs-node > wasm > cpu)'}\n`);
        return tf.getBackend();
      }
    }
    ready = null;
    throw new ModeratoError('MOD_ERR_CONFIG', `backend "${requested ?? 'auto'}" is not available here; valid: ${Object.keys(ALIASES).join(', ')}`);
  })();
  return ready;
}
