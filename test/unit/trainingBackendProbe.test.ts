// Show Compute Devices asks the adapt worker which TensorFlow.js backend it trains on, and why; the answer always
// comes: the backend, or an error when the worker fails (a backend chosen in the settings that cannot start),
// ends without a word, or never answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import * as esbuild from 'esbuild';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { probeTrainingBackend, probeTrainingBackendChoice } from '../../src/worker/trainingBackendProbe';
import { WASM_WITHOUT_NATIVE } from './trainingBackendFixtures';

const tmp = mkdtempSync(join(tmpdir(), 'baner-probe-'));
const script = (name: string, body: string) => {
  const path = join(tmp, name);
  writeFileSync(path, `const { parentPort } = require('node:worker_threads');\n${body}\n`);
  return path;
};

test('a worker that exits without answering rejects the probe with its exit code', async () => {
  await assert.rejects(probeTrainingBackend(script('exits.js', `parentPort.on('message', () => process.exit(3));`)), /stopped before answering \(exit code 3\)/);
  // A thread that simply ends (its port closed, exit code 0) is no answer either.
  await assert.rejects(probeTrainingBackend(script('closes.js', `parentPort.on('message', () => parentPort.close());`)), /stopped before answering \(exit code 0\)/);
});

test('a worker that throws, or never answers, rejects the probe', async () => {
  await assert.rejects(probeTrainingBackend(script('throws.js', `parentPort.on('message', () => { throw new Error('no wasm here'); });`)), /no wasm here/);
  await assert.rejects(probeTrainingBackend(script('silent.js', `parentPort.on('message', () => {});`), 300), /did not answer within 300 ms/);
});

const adaptWorker = () => script('adaptWorker.js', `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register(); require(${JSON.stringify(resolve(__dirname, '../../src/worker/adaptWorker.ts'))});`);

test('the real adapt worker answers with its backend', { timeout: 60_000 }, async () => {
  assert.match(await probeTrainingBackend(adaptWorker()), /^(wasm|cpu)$/);
});

const nativeInstalled = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'].some((name) => {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
});

test('the real adapt worker says why it does not train on the faster backends, and refuses an unavailable one chosen in the settings', { timeout: 60_000, skip: nativeInstalled && 'a native TensorFlow.js package is installed here' }, async () => {
  assert.deepEqual(await probeTrainingBackendChoice(adaptWorker(), 'auto'), WASM_WITHOUT_NATIVE);
  await assert.rejects(probeTrainingBackendChoice(adaptWorker(), 'tfjs-node-gpu'), /^Error: the TensorFlow\.js backend tfjs-node-gpu was chosen, but it cannot be used here: @tensorflow\/tfjs-node-gpu is not installed\. Choose "auto"/);
  assert.deepEqual(await probeTrainingBackendChoice(adaptWorker(), 'cpu'), { backend: 'cpu', device: 'CPU', reason: 'chosen in the settings', passedOver: [] });
});

test('a bundle made without knowing the native packages still builds, and the bundled worker reports them missing at run time', { timeout: 60_000, skip: nativeInstalled && 'a native TensorFlow.js package is installed here' }, async () => {
  // Inside the repository (out/ is ignored), so that the bundle finds node_modules as dist/ does; no external
  // but onnxruntime-node: the loader's run-time require must not need the bundler's help.
  const repo = resolve(__dirname, '../..');
  const out = join(repo, 'out', 'test-probe-worker');
  mkdirSync(out, { recursive: true });
  const bundle = join(out, 'adaptWorker.js');
  await esbuild.build({ entryPoints: [join(repo, 'src/worker/adaptWorker.ts')], outfile: bundle, bundle: true, platform: 'node', format: 'cjs', external: ['onnxruntime-node'], logLevel: 'error' });
  const wasm = join(repo, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
  for (const f of readdirSync(wasm)) if (f.endsWith('.wasm')) copyFileSync(join(wasm, f), join(out, f));
  const choice = await probeTrainingBackendChoice(bundle, 'auto');
  assert.equal(choice.backend, 'wasm');
  assert.deepEqual(choice.passedOver, WASM_WITHOUT_NATIVE.passedOver);
});
