// The words of Show Compute Devices and of the log: for inference and for training, what was chosen, under which
// setting, and why each faster option was not. No 'vscode' import: tested in plain Node.
import type { ExecutionPreference } from '../core/model/onnxSessions';
import type { TrainingBackend, TrainingBackendChoice, TrainingBackendPreference } from '../core/model/trainingBackendChoice';

/** What each TensorFlow.js backend is, in a few words. */
const TRAINING_BACKEND_TITLES: Record<TrainingBackend, string> = {
  'tfjs-node-gpu': "TensorFlow's CUDA build",
  'tfjs-node': "TensorFlow's native CPU build",
  wasm: 'WebAssembly with SIMD',
  cpu: 'plain JavaScript',
};

export type Outcome<T> = { ok: T } | { error: string };

export function inferenceLine(outcome: Outcome<{ provider: string; reason: string }>, preference: ExecutionPreference): string {
  const setting = `(baner.backend: ${preference})`;
  if ('error' in outcome) return `Inference (onnxruntime-node): the model did not load ${setting}: ${sentence(outcome.error)}`;
  return `Inference (onnxruntime-node): ${outcome.ok.provider.toUpperCase()} execution provider ${setting}: ${sentence(outcome.ok.reason)}`;
}

export function trainingLine(outcome: Outcome<TrainingBackendChoice>, preference: TrainingBackendPreference): string {
  const setting = `(baner.trainingBackend: ${preference})`;
  if ('error' in outcome) return `Adaptation (TensorFlow.js): no backend ${setting}: ${sentence(outcome.error)}`;
  const { backend, device, reason, passedOver } = outcome.ok;
  const notUsed = passedOver.length > 0 ? `; not used: ${passedOver.map((p) => `${p.backend} (${p.reason})`).join(', ')}` : '';
  return `Adaptation (TensorFlow.js): ${backend} backend (${TRAINING_BACKEND_TITLES[backend]}) on the ${device} ${setting}: ${sentence(reason + notUsed)}`;
}

/** Where to read how to get the GPU path, when something could have run on a GPU and does not. */
export function gpuHint(inference: Outcome<{ provider: string }>, inferencePreference: ExecutionPreference, training: Outcome<TrainingBackendChoice>, trainingPreference: TrainingBackendPreference): string | undefined {
  const inferenceOffGpu = inferencePreference !== 'cpu' && !('ok' in inference && inference.ok.provider === 'cuda');
  const trainingOffGpu = (trainingPreference === 'auto' || trainingPreference === 'tfjs-node-gpu') && !('ok' in training && training.ok.device === 'GPU');
  if (!inferenceOffGpu && !trainingOffGpu) return undefined;
  return 'GPU: inference uses CUDA only when onnxruntime-node has its CUDA provider libraries and an NVIDIA driver is present; training uses the GPU only with @tensorflow/tfjs-node-gpu installed. How to install them: the README, section "GPU".';
}

function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
