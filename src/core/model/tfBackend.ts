// One place that prepares TensorFlow.js: gradients registered, the fastest available backend chosen.
// tfjs-node(-gpu) cannot be installed everywhere, so the wasm backend (SIMD, trains) is the default.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

export type TfBackendName = 'wasm' | 'cpu';

/** Selects the backend before any tensor exists (tensors made on another backend would throw later). */
export async function initTf(preferred: TfBackendName = 'wasm'): Promise<string> {
  // Bundlers drop the package's self-registration (it declares no side effects), so register the fallback here.
  if (!tf.findBackendFactory('cpu')) tf.registerBackend('cpu', () => new MathBackendCPU(), 1);
  const ok = await tf.setBackend(preferred).catch(() => false);
  if (!ok) await tf.setBackend('cpu');
  await tf.ready();
  return tf.getBackend();
}
