/**
 * Jest's node environment with this process's typed-array constructors. Jest runs each test
 * file in its own realm, so a Float32Array that onnxruntime-node's native binding returns
 * fails onnxruntime-common's `instanceof Float32Array` check (loaded inside the sandbox).
 * Lambda and the local runner have a single realm and never see this. Model tests opt in:
 * `@jest-environment ./test/models/onnx-environment.ts`.
 */
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import { TestEnvironment } from 'jest-environment-node';

const TYPED_ARRAYS = {
  Float32Array,
  Float64Array,
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  BigInt64Array,
  BigUint64Array,
  ArrayBuffer,
};

export default class OnnxEnvironment extends TestEnvironment {
  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    Object.assign(this.global, TYPED_ARRAYS);
  }
}
