// Show Compute Devices asks the adapt worker which TensorFlow.js backend it trains on; the answer always
// comes: the backend, or an error when the worker fails, ends without a word, or never answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { probeTrainingBackend } from '../../src/worker/trainingBackendProbe';

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

test('the real adapt worker answers with its backend', { timeout: 60_000 }, async () => {
  const bootstrap = script('adaptWorker.js', `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register(); require(${JSON.stringify(resolve(__dirname, '../../src/worker/adaptWorker.ts'))});`);
  assert.match(await probeTrainingBackend(bootstrap), /^(wasm|cpu)$/);
});
