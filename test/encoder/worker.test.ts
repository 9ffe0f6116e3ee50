import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { CANARY_TEXT, canaryDiff } from '../../src/encoder/canary';

// Workers run compiled code: dist/ is built by `npm test`'s pretest (as for the scorer pool's tests).
const built = path.join(__dirname, '..', '..', 'dist', 'src', 'encoder', 'index.js');

/** Loads the encoder in a worker thread, embeds there, and sends back what it got. */
function inWorker(runtime: string, texts: string[]): Promise<{ runtime: string; vectors: Float32Array[] }> {
  const code = `
    const { parentPort, workerData } = require('worker_threads');
    const { loadEncoder } = require(workerData.built);
    (async () => {
      const enc = await loadEncoder({ runtime: workerData.runtime });
      const vectors = await enc.embed(workerData.texts);
      parentPort.postMessage({ runtime: enc.info.runtime, vectors });
      await enc.dispose();
    })().catch((e) => parentPort.postMessage({ error: String(e && e.stack || e) }));`;
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData: { built, runtime, texts }, stderr: true });
    w.once('message', (m: { error?: string; runtime: string; vectors: Float32Array[] }) => {
      void w.terminate();
      if (m.error) reject(new Error(m.error));
      else resolve(m);
    });
    w.once('error', reject);
  });
}

describe('the encoder in a worker thread (where the scorer pool runs models)', () => {
  it('loads with runtime auto, picks ONNX there, and embeds as the recorded graph vector', async () => {
    expect(fs.existsSync(built)).toBe(true);
    const { runtime, vectors } = await inWorker('auto', [CANARY_TEXT, 'A second comment.']);
    expect(runtime).toMatch(/^onnx/);
    expect(vectors).toHaveLength(2);
    expect(canaryDiff(vectors[0])).toBeLessThan(1e-4);
    expect(Math.abs(vectors[1].reduce((s, x) => s + x * x, 0) - 1)).toBeLessThan(1e-4);
  });
});
