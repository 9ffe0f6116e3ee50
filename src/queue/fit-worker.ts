/**
 * The body of one adapter fit (see ./adapters.ts): a worker thread of its own, so a fit on
 * thousands of decisions (cross-validation included) never blocks the server's event loop, and
 * killing the thread midway leaves nothing half written (the store is written by the caller,
 * once, after the fit).
 */
import { parentPort, workerData } from 'worker_threads';
import { isModeratoError } from '../errors';
import { fitAdapter } from '../adapt';
import type { FitReply, FitTask } from './adapters';

async function run(task: FitTask): Promise<FitReply> {
  try {
    const adapter = await fitAdapter(task.siteId, task.examples, (task.opts ?? {}) as Parameters<typeof fitAdapter>[2]);
    return { ok: true, adapter };
  } catch (err) {
    if (isModeratoError(err)) return { ok: false, error: { code: err.code, message: err.message, details: err.details } };
    const e = err as { message?: string; stack?: string };
    return { ok: false, error: { message: e?.stack ?? e?.message ?? String(err) } };
  }
}

if (parentPort) {
  const port = parentPort;
  void run(workerData as FitTask).then((reply) => port.postMessage(reply));
}
