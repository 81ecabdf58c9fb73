// Show Compute Devices' lines: for inference and for training, what was chosen, under which setting, why, and
// why each faster option was not; a pointer to the README's GPU section only when a GPU could have been used.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gpuHint, inferenceLine, trainingLine } from '../../src/extension/computeDevicesReport';
import { WASM_WITHOUT_NATIVE } from './trainingBackendFixtures';

const WASM = WASM_WITHOUT_NATIVE;

test('inference: the provider, the setting and the reason, or why the model did not load', () => {
  assert.equal(
    inferenceLine({ ok: { provider: 'cpu', reason: "CUDA not used: onnxruntime-node's CUDA provider libraries are not installed (no libonnxruntime_providers_cuda.so)" } }, 'auto'),
    "Inference (onnxruntime-node): CPU execution provider (baner.backend: auto): CUDA not used: onnxruntime-node's CUDA provider libraries are not installed (no libonnxruntime_providers_cuda.so).",
  );
  assert.equal(inferenceLine({ ok: { provider: 'cuda', reason: 'a test session ran on the GPU' } }, 'auto'), 'Inference (onnxruntime-node): CUDA execution provider (baner.backend: auto): a test session ran on the GPU.');
  assert.equal(
    inferenceLine({ error: 'could not load the model: CUDA was chosen as the backend, but it cannot be used here: no CUDA-capable GPU was found. Choose "auto" to run on the CPU when CUDA is unavailable.' }, 'cuda'),
    'Inference (onnxruntime-node): the model did not load (baner.backend: cuda): could not load the model: CUDA was chosen as the backend, but it cannot be used here: no CUDA-capable GPU was found. Choose "auto" to run on the CPU when CUDA is unavailable.',
  );
});

test('training: the backend, its device, the setting, the reason and each faster backend passed over', () => {
  assert.equal(
    trainingLine({ ok: WASM }, 'auto'),
    'Adaptation (TensorFlow.js): wasm backend (WebAssembly with SIMD) on the CPU (baner.trainingBackend: auto): the fastest that started; not used: ' +
      'tfjs-node-gpu (@tensorflow/tfjs-node-gpu is not installed), tfjs-node (@tensorflow/tfjs-node is not installed).',
  );
  assert.equal(
    trainingLine({ ok: { backend: 'tfjs-node-gpu', device: 'GPU', reason: 'the fastest backend', passedOver: [] } }, 'auto'),
    "Adaptation (TensorFlow.js): tfjs-node-gpu backend (TensorFlow's CUDA build) on the GPU (baner.trainingBackend: auto): the fastest backend.",
  );
  assert.equal(
    trainingLine({ error: 'the TensorFlow.js backend tfjs-node was chosen, but it cannot be used here: @tensorflow/tfjs-node is not installed. Choose "auto" to train on the fastest backend that works.' }, 'tfjs-node'),
    'Adaptation (TensorFlow.js): no backend (baner.trainingBackend: tfjs-node): the TensorFlow.js backend tfjs-node was chosen, but it cannot be used here: @tensorflow/tfjs-node is not installed. Choose "auto" to train on the fastest backend that works.',
  );
});

test('the README pointer appears when a GPU could have been used and is not, and only then', () => {
  const cpu = { ok: { provider: 'cpu' } };
  const cuda = { ok: { provider: 'cuda' } };
  const gpuTraining = { ok: { ...WASM, backend: 'tfjs-node-gpu' as const, device: 'GPU' as const, passedOver: [] } };
  assert.match(gpuHint(cpu, 'auto', { ok: WASM }, 'auto') ?? '', /README, section "GPU"/);
  assert.match(gpuHint(cuda, 'auto', { ok: WASM }, 'auto') ?? '', /tfjs-node-gpu/, 'training could use the GPU');
  assert.match(gpuHint({ error: 'no CUDA' }, 'cuda', gpuTraining, 'auto') ?? '', /CUDA provider libraries/, 'inference could use the GPU');
  assert.equal(gpuHint(cuda, 'auto', gpuTraining, 'auto'), undefined, 'both on the GPU');
  assert.equal(gpuHint(cpu, 'cpu', { ok: WASM }, 'wasm'), undefined, 'the CPU was chosen for both');
});
