// The training backend choice a machine without the native TensorFlow.js packages makes (this one's): wasm, with
// both native packages passed over. Shared by the tests of the chain, of the worker probe and of the report.
import type { TrainingBackendChoice } from '../../src/core/model/trainingBackendChoice';

export const NATIVE_NOT_INSTALLED = [
  { backend: 'tfjs-node-gpu', reason: '@tensorflow/tfjs-node-gpu is not installed' },
  { backend: 'tfjs-node', reason: '@tensorflow/tfjs-node is not installed' },
] as const satisfies TrainingBackendChoice['passedOver'];

export const WASM_WITHOUT_NATIVE: TrainingBackendChoice = {
  backend: 'wasm',
  device: 'CPU',
  reason: 'the fastest that started',
  passedOver: [...NATIVE_NOT_INSTALLED],
};
