// The extension's side of an adaptation, with the bundled worker as the extension ships it: progress as one
// rising percentage, cancellation through an AbortSignal, the base model's types kept, a leave-one-out score.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { overallPercent, runAdaptation } from '../../src/extension/adapt/adaptRunner';
import { toSupportSet } from '../../src/core/support/toSupportSet';
import { cnnModelDir } from '../../src/core/model/modelDirectory';
import { CancelledError } from '../../src/core/cancellation';
import type { SupportExample } from '../../src/core/support/supportFile';

const REPO = resolve(__dirname, '../..');
let workerPath: string;

before(async () => {
  // Inside the repository (out/ is ignored), so that the bundle finds onnxruntime-node in node_modules like dist/ does.
  const out = join(REPO, 'out', 'test-adapt-worker');
  mkdirSync(out, { recursive: true });
  workerPath = join(out, 'adaptWorker.js');
  await esbuild.build({ entryPoints: [join(REPO, 'src/worker/adaptWorker.ts')], outfile: workerPath, bundle: true, platform: 'node', format: 'cjs', external: ['onnxruntime-node'], logLevel: 'error' });
  const wasm = join(REPO, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
  for (const f of readdirSync(wasm)) if (f.endsWith('.wasm')) copyFileSync(join(wasm, f), join(out, f));
});

const examples: SupportExample[] = [
  { text: 'She takes Glucophage for diabetes and Norvasc for blood pressure .', spans: [{ start: 10, end: 20, label: 'DRUG' }, { start: 38, end: 45, label: 'DRUG' }], rejected: [], suggested: [] },
  { text: 'Dr Hart in Leeds added Jardiance .', spans: [{ start: 3, end: 7, label: 'PER' }, { start: 11, end: 16, label: 'LOC' }, { start: 23, end: 32, label: 'DRUG' }], rejected: [], suggested: [] },
];

test('overall progress runs from 0 to 100 through the phases', () => {
  assert.equal(overallPercent({ phase: 'prepare', step: 0, total: 1 }), 0);
  assert.ok(overallPercent({ phase: 'lorahub', step: 20, total: 40 }) < overallPercent({ phase: 'finetune', step: 1, total: 20 }));
  assert.equal(overallPercent({ phase: 'evaluate', step: 1, total: 1 }), 100);
});

test('the bundled worker adapts, reports rising progress, keeps the model types it was asked to, and scores itself', { timeout: 180_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'baner-runner-'));
  const percents: number[] = [];
  const { support } = toSupportSet(examples);
  const result = await runAdaptation(workerPath, { modelDir: cnnModelDir(), adaptersRoot: root, support, options: { name: 'clinic', method: 'full', steps: 8, keepModelTypes: true } }, (p) => percents.push(overallPercent(p)));
  assert.equal(result.dir, join(root, 'clinic'));
  assert.ok(percents.length > 5 && percents.every((p, i) => i === 0 || p >= percents[i - 1]), `rising: ${percents.join(',')}`);
  assert.equal(percents.at(-1), 100);
  const types = JSON.parse(readFileSync(join(root, 'clinic', 'types.json'), 'utf8')) as { labels: string[] };
  // The support's types first, then the model's own that it did not label (ORG, MISC), never twice.
  assert.deepEqual(types.labels.filter((l) => l !== 'O').sort(), ['DRUG', 'LOC', 'MISC', 'ORG', 'PER']);
  const config = JSON.parse(readFileSync(join(root, 'clinic', 'adapter.json'), 'utf8'));
  assert.deepEqual(config.training.inheritedTypes.sort(), ['MISC', 'ORG']);
  assert.ok(config.training.supportF1 >= 0 && config.training.supportF1 <= 1);
});

test('an abort cancels the worker: CancelledError, and no adapter folder', { timeout: 180_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'baner-runner-cancel-'));
  const controller = new AbortController();
  const { support } = toSupportSet(examples);
  const run = runAdaptation(workerPath, { modelDir: cnnModelDir(), adaptersRoot: root, support, options: { name: 'never', method: 'full', steps: 500 } }, (p) => {
    if (p.phase === 'finetune' && p.step >= 2) controller.abort();
  }, controller.signal);
  await assert.rejects(run, (e: Error) => e instanceof CancelledError);
  assert.ok(!existsSync(join(root, 'never')));
  assert.deepEqual(existsSync(root) ? readdirSync(root) : [], []);
});
