/**
 * TensorFlow.js as the scorer loads it: the core and its pure-JS cpu backend (the fallback of
 * ./backend.ts), not the whole `@tensorflow/tfjs`, whose layers, converter, data and webgl
 * packages the runtime never uses and each scorer thread would load (issue 29: a thread's TF.js
 * import 0.03 s against 0.10 s). No chained ops (`x.add(y)`) and no gradients come with the core:
 * the runtime calls ops as functions, and training loads `@tensorflow/tfjs` (the same core).
 */
import '@tensorflow/tfjs-backend-cpu';

export * from '@tensorflow/tfjs-core';
