// adapt() runs in a worker_threads worker: progress arrives as events, the main thread's timers keep
// firing, and a cancel message stops it without leaving an adapter behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { cpSync, mkdtempSync, readdirSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readConllFile } from '../../src/core/data/conll';
import { sampleSupportSet } from '../../src/core/data/episodes';
import { cnnModelDir } from '../../src/core/model/modelDirectory';
import type { AdaptWorkerEvent } from '../../src/worker/adaptWorker';

function startWorker(): Worker {
  const script = resolve(__dirname, '../../src/worker/adaptWorker.ts');
  return new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(script)});`, { eval: true });
}

async function supportSet() {
  const pool = (await readConllFile('../shared/data/wnut17/wnut17train.conll', { scheme: 'iob2' })).sentences;
  return { sentences: sampleSupportSet(pool, 1, 4).sentences };
}

function run(worker: Worker, onEvent: (e: AdaptWorkerEvent) => void): Promise<AdaptWorkerEvent> {
  return new Promise((resolvePromise, reject) => {
    worker.on('message', (e: AdaptWorkerEvent) => {
      onEvent(e);
      if (e.type === 'done' || e.type === 'error') resolvePromise(e);
    });
    worker.on('error', reject);
  });
}

test('adapting in a worker reports progress, keeps the main thread free and writes the adapter', async () => {
  const root = mkdtempSync(join(tmpdir(), 'baner-worker-'));
  const worker = startWorker();
  const phases = new Set<string>();
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  const started = Date.now();
  worker.postMessage({ type: 'adapt', modelDir: cnnModelDir(), adaptersRoot: root, support: await supportSet(), options: { name: 'from-worker', method: 'full', steps: 10 } });
  const end = await run(worker, (e) => e.type === 'progress' && phases.add(e.phase));
  clearInterval(timer);
  await worker.terminate();
  assert.equal(end.type, 'done', JSON.stringify(end));
  assert.ok(existsSync(join(root, 'from-worker', 'adapter.json')));
  assert.deepEqual([...phases].sort(), ['evaluate', 'finetune', 'lorahub', 'prepare', 'prototypes']);

  // The user's adapter joins the hub of the next adaptation (LoRAHub then weighs 6 shipped + 1 own); one trained
  // on another base model is left out of it, not an error.
  cpSync(join(root, 'from-worker'), join(root, 'other-model'), { recursive: true });
  const otherConfig = JSON.parse(readFileSync(join(root, 'other-model', 'adapter.json'), 'utf8'));
  writeFileSync(join(root, 'other-model', 'adapter.json'), JSON.stringify({ ...otherConfig, name: 'other-model', baseModel: { id: 'another-model', hash: '0'.repeat(64) } }));
  const second = startWorker();
  second.postMessage({ type: 'adapt', modelDir: cnnModelDir(), adaptersRoot: root, hubRoots: [root], support: await supportSet(), options: { name: 'second', method: 'lorahub' } });
  const next = await run(second, () => {});
  await second.terminate();
  assert.equal(next.type, 'done', JSON.stringify(next));
  const lorahub = JSON.parse(readFileSync(join(root, 'second', 'adapter.json'), 'utf8')).training.lorahub;
  assert.ok('from-worker' in lorahub.weights, JSON.stringify(lorahub));
  assert.ok(!('other-model' in lorahub.weights));
  // Skipped hub adapters are recorded with the reason.
  const skipped: string[] = JSON.parse(readFileSync(join(root, 'second', 'adapter.json'), 'utf8')).training.hubSkipped;
  assert.equal(skipped.length, 1);
  assert.ok(skipped[0].startsWith(`${join(root, 'other-model')}: `) && /trained for base model another-model/.test(skipped[0]), skipped[0]);
  // The main thread's 10 ms timer kept firing while the worker trained.
  assert.ok(ticks > (Date.now() - started) / 10 / 4, `${ticks} ticks in ${Date.now() - started} ms`);
});

test('a cancel message stops the worker\'s adaptation and leaves no adapter folder', async () => {
  const root = mkdtempSync(join(tmpdir(), 'baner-worker-cancel-'));
  const worker = startWorker();
  let sentCancel = false;
  worker.postMessage({ type: 'adapt', modelDir: cnnModelDir(), adaptersRoot: root, support: await supportSet(), options: { name: 'never', method: 'full', steps: 400 } });
  const end = await run(worker, (e) => {
    if (e.type === 'progress' && e.phase === 'finetune' && !sentCancel) {
      sentCancel = true;
      worker.postMessage({ type: 'cancel' });
    }
  });
  await worker.terminate();
  assert.deepEqual(end.type === 'error' && end.cancelled, true, JSON.stringify(end));
  assert.deepEqual(readdirSync(root), []);
});
