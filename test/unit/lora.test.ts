// LoRA adapters: the algebra, the files, LoRAHub composition and cancellation, on the real CNN model
// (models/cnn: its convolutions are the LoRA targets).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, readdirSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initTf } from '../../src/core/model/tfBackend';
import { loadAdaptationBase, type CnnAdaptationBase } from '../../src/core/adapters/adaptationBase';
import { cnnModelDir } from '../../src/core/model/modelDirectory';
import { encode, type LoraTensors } from '../../src/core/model/encoderTf';
import { composeModules, mergeAdapter, type LoraModule } from '../../src/core/adapters/adapter';
import { loadAdapter, saveAdapter, AdapterError } from '../../src/core/adapters/adapterFiles';
import { adaptAndSave } from '../../src/core/adapters/adaptAndSave';
import { CancelSource, CancelledError } from '../../src/core/cancellation';
import { readConllFile } from '../../src/core/data/conll';
import { sampleSupportSet } from '../../src/core/data/episodes';
import { seededRandom } from '../../src/core/random';
import { padBatch, encodeSentence } from '../../src/core/training/batches';

const ready = initTf('wasm').then(() => loadAdaptationBase(cnnModelDir()) as CnnAdaptationBase);
const RANK = 4;

function randomModule(inDim: number, outDim: number, seed: number, zeroB = false): LoraModule {
  const r = seededRandom(seed);
  return {
    inDim,
    outDim,
    A: Float32Array.from({ length: inDim * RANK }, () => r() - 0.5),
    B: Float32Array.from({ length: RANK * outDim }, () => (zeroB ? 0 : (r() - 0.5) * 0.2)),
  };
}

function toTensors(modules: Map<string, LoraModule>, scale: number): LoraTensors {
  return { scale, modules: new Map([...modules].map(([n, m]) => [n, { A: tf.tensor2d(m.A, [m.inDim, RANK]), B: tf.tensor2d(m.B, [RANK, m.outDim]) }])) };
}

async function sentenceBatch() {
  const base = await ready;
  const tokens = ['Senator Maria Lopez of the Green Party spoke in Madrid .'.split(' '), 'The Hubble telescope observed Andromeda .'.split(' ')];
  const batch = padBatch(
    base.featurizer,
    tokens.map((t) => encodeSentence(base.featurizer, t, [])),
  );
  return { base, x: tf.tensor3d(batch.features, [batch.size, batch.time, base.config.featureDims]), mask: tf.tensor2d(batch.mask, [batch.size, batch.time]) };
}

function forward(base: Awaited<typeof ready>, weights: typeof base.weights, x: tf.Tensor3D, mask: tf.Tensor2D, lora?: LoraTensors): Float32Array {
  return tf.tidy(() => encode(base.config, weights, x, mask, { training: false }, lora).tagLogits.dataSync() as Float32Array);
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

const targets = (base: Awaited<typeof ready>) => new Map([['conv3.W', randomModule(3 * base.config.hiddenDims, base.config.hiddenDims, 1)], ['tags.W', randomModule(base.config.hiddenDims, base.config.spanTags, 2)]]);

test('a LoRA whose B is zero leaves the outputs unchanged; a non-zero one changes them', async () => {
  const { base, x, mask } = await sentenceBatch();
  const plain = forward(base, base.weights, x, mask);
  const zero = new Map([['conv3.W', randomModule(3 * base.config.hiddenDims, base.config.hiddenDims, 1, true)]]);
  assert.equal(maxDiff(plain, forward(base, base.weights, x, mask, toTensors(zero, 2))), 0);
  assert.ok(maxDiff(plain, forward(base, base.weights, x, mask, toTensors(targets(base), 2))) > 1e-2);
});

test('merging the adapter into the weights equals running it unmerged', async () => {
  const { base, x, mask } = await sentenceBatch();
  const modules = targets(base);
  const adapterLike = { config: { name: 't', rank: RANK, alpha: 8 } as never, modules };
  const merged = mergeAdapter(base.named, adapterLike);
  const mergedTensors = new Map([...merged].map(([n, w]) => [n, tf.tensor(w.data, w.shape)]));
  const unmerged = forward(base, base.weights, x, mask, toTensors(modules, 8 / RANK));
  const diff = maxDiff(unmerged, forward(base, mergedTensors, x, mask));
  assert.ok(diff < 1e-4, `merged vs unmerged differ by ${diff}`);
});

test('LoRAHub with one module at weight 1 is that module; weights mix linearly', async () => {
  const base = await ready;
  const m = targets(base);
  const composed = composeModules([m], [1]);
  for (const [name, mod] of m) {
    assert.deepEqual(composed.get(name)!.A, mod.A);
    assert.deepEqual(composed.get(name)!.B, mod.B);
  }
  const other = new Map([...m].map(([n, mod]) => [n, { ...mod, A: mod.A.map((v) => v * 3) }]));
  const mix = composeModules([m, other], [0.5, -0.25]);
  const a0 = m.get('tags.W')!.A[7];
  assert.ok(Math.abs(mix.get('tags.W')!.A[7] - (0.5 * a0 - 0.25 * 3 * a0)) < 1e-6);
});

test('adapter files round-trip, and an adapter of another base model is refused with a clear error', async () => {
  const base = await ready;
  const root = mkdtempSync(join(tmpdir(), 'baner-adapters-'));
  const modules = targets(base);
  const adapter = {
    config: { format: 'baner-lora/1' as const, name: 'demo', baseModel: { id: base.manifest.id, hash: base.hash }, rank: RANK, alpha: 8, targets: [...modules.keys()], types: ['x'], created: 'now', training: {} },
    modules,
    types: { labels: ['x'], vectors: new Float32Array(base.config.spanDims).fill(0.5) },
  };
  const dir = saveAdapter(root, adapter);
  const back = loadAdapter(dir, { id: base.manifest.id, hash: base.hash });
  assert.deepEqual(back.modules.get('conv3.W')!.B, modules.get('conv3.W')!.B);
  assert.deepEqual(back.types.labels, ['x']);
  const config = JSON.parse(readFileSync(join(dir, 'adapter.json'), 'utf8'));
  config.baseModel.hash = 'f'.repeat(64);
  writeFileSync(join(dir, 'adapter.json'), JSON.stringify(config));
  assert.throws(() => loadAdapter(dir, { id: base.manifest.id, hash: base.hash }), (e: unknown) => e instanceof AdapterError && /trained for base model/.test((e as Error).message));
});

test('adapting to a support set lowers its loss; cancelling mid-training leaves no adapter behind', async () => {
  const base = await ready;
  const pool = (await readConllFile('../shared/data/wnut17/wnut17train.conll', { scheme: 'iob2' })).sentences;
  const support = sampleSupportSet(pool, 1, 3).sentences;
  const root = mkdtempSync(join(tmpdir(), 'baner-adapt-'));
  const { adapter, dir } = await adaptAndSave(base, { sentences: support }, { name: 'wnut-1shot', method: 'full', steps: 15 }, root);
  assert.ok(Number(adapter.config.training.adaptedLoss) < Number(adapter.config.training.baseLoss), JSON.stringify(adapter.config.training));
  assert.ok(loadAdapter(dir).types.labels.includes('person'));

  const cancel = new CancelSource();
  const phases: string[] = [];
  await assert.rejects(
    adaptAndSave(base, { sentences: support }, { name: 'cancelled', method: 'full', steps: 200 }, root, (p) => {
      phases.push(p.phase);
      if (p.phase === 'finetune' && p.step === 5) cancel.cancel();
    }, cancel.token),
    CancelledError,
  );
  assert.ok(phases.filter((p) => p === 'finetune').length < 10, 'training stopped soon after the cancel');
  assert.deepEqual(readdirSync(root), ['wnut-1shot'], 'no adapter folder, partial or whole, for the cancelled run');
});
