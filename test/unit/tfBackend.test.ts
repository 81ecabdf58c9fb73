// The training backend chain: tfjs-node-gpu, then tfjs-node, then wasm, then cpu, each step taken when the one
// before is missing or fails, with the reason kept; a backend chosen in the settings is that one or an error.
// Missing and broken packages are stood for by an injected module loader; the native packages are stood for by a
// backend registered under their name ('tensorflow') built on the cpu backend. The last tests use the real
// loader: on this machine the native packages are not installed, so the chain ends at wasm.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { initTf, TrainingBackendUnavailableError } from '../../src/core/model/tfBackend';
import { loadTfModule, type ModuleLoader } from '../../src/core/model/tfModules';
import { WASM_WITHOUT_NATIVE } from './trainingBackendFixtures';

/** A Node `require` error for a package that is not installed. */
function notFound(name: string): Error {
  return Object.assign(new Error(`Cannot find module '${name}'\nRequire stack:\n- ${__filename}`), { code: 'MODULE_NOT_FOUND' });
}

/** What requiring a native package does: register its 'tensorflow' backend (here on cpu arithmetic). */
function nativePackage(isUsingGpuDevice: boolean): () => unknown {
  return () => {
    if (!tf.findBackendFactory('tensorflow')) tf.registerBackend('tensorflow', () => Object.assign(new MathBackendCPU(), { isUsingGpuDevice }), 3);
    return {};
  };
}

/** The real loader, with some packages replaced: a function is what loading it does, an Error what it throws. */
function loader(overrides: Record<string, (() => unknown) | Error>): { load: ModuleLoader; asked: string[] } {
  const asked: string[] = [];
  const load: ModuleLoader = (name) => {
    asked.push(name);
    const override = overrides[name];
    if (override instanceof Error) throw override;
    return override ? override() : loadTfModule(name);
  };
  return { load, asked };
}

const GPU_MISSING = { '@tensorflow/tfjs-node-gpu': notFound('@tensorflow/tfjs-node-gpu') };
const NATIVE_MISSING = { ...GPU_MISSING, '@tensorflow/tfjs-node': notFound('@tensorflow/tfjs-node') };

afterEach(() => {
  // Each test's stand-in for the native packages is its own.
  if (tf.findBackendFactory('tensorflow')) tf.removeBackend('tensorflow');
});

/** The active backend computes: [1 2] . [3 4] = 11. */
async function computes(): Promise<void> {
  const product = tf.dot(tf.tensor1d([1, 2]), tf.tensor1d([3, 4]));
  assert.deepEqual(await product.data(), Float32Array.from([11]));
  product.dispose();
}

test('tfjs-node-gpu with a GPU is taken first', async () => {
  const { load, asked } = loader({ '@tensorflow/tfjs-node-gpu': nativePackage(true) });
  assert.deepEqual(await initTf('auto', load), { backend: 'tfjs-node-gpu', device: 'GPU', reason: 'the fastest backend', passedOver: [] });
  assert.deepEqual(asked, ['@tensorflow/tfjs-node-gpu'], 'nothing slower is loaded');
  assert.equal(tf.getBackend(), 'tensorflow');
});

test('tfjs-node-gpu missing: tfjs-node', async () => {
  const { load } = loader({ ...GPU_MISSING, '@tensorflow/tfjs-node': nativePackage(false) });
  assert.deepEqual(await initTf('auto', load), {
    backend: 'tfjs-node',
    device: 'CPU',
    reason: 'the fastest that started',
    passedOver: [{ backend: 'tfjs-node-gpu', reason: '@tensorflow/tfjs-node-gpu is not installed' }],
  });
  assert.equal(tf.getBackend(), 'tensorflow');
});

test('both native packages missing: wasm, and it computes', async () => {
  const { load } = loader(NATIVE_MISSING);
  assert.deepEqual(await initTf('auto', load), WASM_WITHOUT_NATIVE);
  assert.equal(tf.getBackend(), 'wasm');
  await computes();
});

test('wasm failing too: cpu, with every reason', async () => {
  const { load } = loader({ ...NATIVE_MISSING, '@tensorflow/tfjs-backend-wasm': new Error('tfjs-backend-wasm-simd.wasm: no such file') });
  const choice = await initTf('auto', load);
  assert.equal(choice.backend, 'cpu');
  assert.deepEqual(
    choice.passedOver.map((p) => `${p.backend}: ${p.reason}`),
    ['tfjs-node-gpu: @tensorflow/tfjs-node-gpu is not installed', 'tfjs-node: @tensorflow/tfjs-node is not installed', 'wasm: failed to load: tfjs-backend-wasm-simd.wasm: no such file'],
  );
  assert.equal(tf.getBackend(), 'cpu');
  await computes();
});

test('an installed package that fails to load, or loads and registers nothing, or whose backend does not start, is passed over with what went wrong', async () => {
  const brokenNative = new Error('libtensorflow.so.2: cannot open shared object file: No such file or directory');
  const missingDependency = notFound('@tensorflow/tfjs');
  const { load } = loader({ '@tensorflow/tfjs-node-gpu': brokenNative, '@tensorflow/tfjs-node': missingDependency });
  const choice = await initTf('auto', load);
  assert.equal(choice.backend, 'wasm');
  assert.deepEqual(choice.passedOver, [
    { backend: 'tfjs-node-gpu', reason: 'failed to load: libtensorflow.so.2: cannot open shared object file: No such file or directory' },
    // A dependency missing is not "not installed": the package is there, incomplete.
    { backend: 'tfjs-node', reason: "failed to load: Cannot find module '@tensorflow/tfjs'" },
  ]);

  const registersNothing = loader({ ...GPU_MISSING, '@tensorflow/tfjs-node': () => ({}) });
  assert.match((await initTf('auto', registersNothing.load)).passedOver[1].reason, /registered no "tensorflow" backend with this TensorFlow\.js/);

  const failsToStart = loader({
    ...GPU_MISSING,
    '@tensorflow/tfjs-node': () => tf.registerBackend('tensorflow', () => {
      throw new Error('TF_NewSession failed');
    }),
  });
  const started = await initTf('auto', failsToStart.load);
  assert.equal(started.backend, 'wasm');
  assert.deepEqual(started.passedOver[1], { backend: 'tfjs-node', reason: 'its backend did not start (TensorFlow.js logged the error)' });
});

test('tfjs-node-gpu without a GPU: auto uses it on the CPU and says so; chosen in the settings, it is an error', async () => {
  const { load } = loader({ '@tensorflow/tfjs-node-gpu': nativePackage(false) });
  const choice = await initTf('auto', load);
  assert.deepEqual({ backend: choice.backend, device: choice.device }, { backend: 'tfjs-node-gpu', device: 'CPU' });
  assert.match(choice.reason, /TensorFlow found no CUDA GPU \(it needs CUDA 11\.2 and cuDNN 8\.1\), so it runs on the CPU/);
  await assert.rejects(initTf('tfjs-node-gpu', load), /the TensorFlow\.js backend tfjs-node-gpu was chosen, but it cannot be used here: loaded, but TensorFlow found no CUDA GPU/);
});

test('a backend chosen in the settings that is unavailable is an error naming it and why, not another backend', async () => {
  await initTf('cpu');
  for (const [backend, overrides, why] of [
    ['tfjs-node-gpu', GPU_MISSING, '@tensorflow/tfjs-node-gpu is not installed'],
    ['tfjs-node', NATIVE_MISSING, '@tensorflow/tfjs-node is not installed'],
    ['wasm', { '@tensorflow/tfjs-backend-wasm': new Error('no wasm here') }, 'failed to load: no wasm here'],
  ] as const) {
    await assert.rejects(initTf(backend, loader(overrides).load), (error: unknown) => {
      assert.ok(error instanceof TrainingBackendUnavailableError);
      assert.equal(error.backend, backend);
      assert.equal(error.message, `the TensorFlow.js backend ${backend} was chosen, but it cannot be used here: ${why}. Choose "auto" to train on the fastest backend that works.`);
      return true;
    });
    assert.equal(tf.getBackend(), 'cpu', `no other backend was started in place of ${backend}`);
  }
  const tfjsNode = loader({ '@tensorflow/tfjs-node': nativePackage(false) });
  assert.deepEqual(await initTf('tfjs-node', tfjsNode.load), { backend: 'tfjs-node', device: 'CPU', reason: 'chosen in the settings', passedOver: [] });
  assert.deepEqual(tfjsNode.asked, ['@tensorflow/tfjs-node'], 'only the chosen package is loaded');
});

const nativeInstalled = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'].filter((name) => {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
});
const nativeAbsent = { skip: nativeInstalled.length > 0 && `${nativeInstalled.join(', ')} installed here` };

test('the real chain on this machine: both native packages not installed, wasm chosen', nativeAbsent, async () => {
  assert.deepEqual(await initTf(), WASM_WITHOUT_NATIVE);
  await computes();
  await assert.rejects(initTf('tfjs-node-gpu'), /tfjs-node-gpu was chosen, but it cannot be used here: @tensorflow\/tfjs-node-gpu is not installed/);
});

test('the real loader knows only the backend packages', () => {
  assert.throws(() => loadTfModule('left-pad'), /left-pad is not a TensorFlow\.js backend package/);
  assert.ok(loadTfModule('@tensorflow/tfjs-backend-wasm'), 'the bundled wasm backend');
});
