/**
 * Jest's node environment with Node's own typed-array constructors. onnxruntime-node wraps the
 * native addon's outputs (typed arrays of Node's realm) in tensors and checks them with
 * `instanceof` against the test realm's constructors, so under the plain environment the ONNX
 * encoder failed its first run and every in-process test fell back to the tfjs graph runtime,
 * not the one users get.
 */
const { TestEnvironment } = require('jest-environment-node');

const TYPED = ['Float32Array', 'Float64Array', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array'];

class OuterTypedArraysEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of TYPED) this.global[name] = globalThis[name];
  }
}

module.exports = OuterTypedArraysEnvironment;
