/**
 * The Jest environment of every suite (jest.config.js): any suite that loads the encoder in-process runs
 * onnxruntime-node in the test's own thread, and Jest gives each suite its own realm, so typed arrays made by the native binding (the outer realm's) fail
 * onnxruntime-common's `instanceof Float32Array` check ("A float32 tensor's data must be type of
 * function Float32Array()", microsoft/onnxruntime#16622). Sharing the outer realm's typed array
 * constructors makes both sides agree; without it a suite quietly fell back to the tfjs graph
 * encoder. Production never needs this: there is one realm per thread.
 */
const { TestEnvironment } = require('jest-environment-node');

const TYPED = ['Float32Array', 'Float64Array', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array'];

class NativeArraysEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of TYPED) this.global[name] = globalThis[name];
  }
}

module.exports = NativeArraysEnvironment;
