// The TensorFlow.js backends adaptation can train on, and the answer to "which one, and why": plain data, so
// the extension host (settings, Show Compute Devices) can use it without loading TensorFlow.js (tfBackend.ts).

/** Fastest first: the order 'auto' tries them in. */
export const TRAINING_BACKENDS = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] as const;
export type TrainingBackend = (typeof TRAINING_BACKENDS)[number];
export type TrainingBackendPreference = 'auto' | TrainingBackend;

export interface TrainingBackendChoice {
  backend: TrainingBackend;
  /** Where its arithmetic runs. */
  device: 'GPU' | 'CPU';
  /** Why this one runs. */
  reason: string;
  /** The faster backends 'auto' tried first, each with why it is not used. */
  passedOver: { backend: TrainingBackend; reason: string }[];
}
