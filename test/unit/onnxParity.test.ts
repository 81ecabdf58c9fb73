// The shipped ONNX graphs compute what the TF.js model computes (the model LoRA adapters train on).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { join } from 'node:path';
import { initTf } from '../../src/core/model/tfBackend';
import { loadTfModel } from '../../src/core/model/tfModel';
import { encode, spanEmbeddings } from '../../src/core/model/encoderTf';
import { NerEngine } from '../../src/core/engine';
import { cnnModelDir } from '../../src/core/model/modelDirectory';
import { readConllFile } from '../../src/core/data/conll';
import { seededRandom } from '../../src/core/random';

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('ONNX encoder and span head match TF.js on real sentences (max abs diff < 1e-4)', async () => {
  await initTf('wasm');
  const dir = cnnModelDir();
  const model = loadTfModel(dir);
  const engine = await NerEngine.load(dir, { threads: 1 });
  const test = (await readConllFile('../shared/data/conll2003/original/eng.testb', { scheme: 'iob1' })).sentences;
  const sentences = [...test.slice(0, 24).map((s) => s.tokens), 'Ms. Nakamura flew from Osaka to the Anglo-Dutch group\'s office in Rotterdam .'.split(' ')];
  const B = sentences.length;
  const T = Math.max(...sentences.map((s) => s.length));
  const F = engine.featurizer.featureDims;
  const features = new Float32Array(B * T * F);
  const mask = new Float32Array(B * T);
  sentences.forEach((s, b) => {
    engine.featurizer.features(s, features, b * T * F);
    mask.fill(1, b * T, b * T + s.length);
  });
  const session = await ort.InferenceSession.create(join(dir, 'encoder.onnx'), { intraOpNumThreads: 1 });
  const onnxOut = await session.run({ features: new ort.Tensor('float32', features, [B, T, F]), mask: new ort.Tensor('float32', mask, [B, T]) });
  const [tfHidden, tfLogProbs] = tf.tidy(() => {
    const out = encode(model.config, model.weights, tf.tensor3d(features, [B, T, F]), tf.tensor2d(mask, [B, T]), { training: false });
    return [out.layers[out.layers.length - 1].dataSync() as Float32Array, tf.logSoftmax(out.tagLogits).dataSync() as Float32Array];
  });
  const hiddenDiff = maxAbsDiff(onnxOut.hidden.data as Float32Array, tfHidden);
  const tagDiff = maxAbsDiff(onnxOut.tag_log_probs.data as Float32Array, tfLogProbs);
  assert.ok(hiddenDiff < 1e-4, `hidden states differ by ${hiddenDiff}`);
  assert.ok(tagDiff < 1e-4, `tag log-probabilities differ by ${tagDiff}`);
  // The outputs are not trivially equal because they are zero: real sentences give varied values.
  assert.ok(Math.max(...(onnxOut.hidden.data as Float32Array).slice(0, 2000)) > 0.5);

  const M = 16;
  const D3 = 3 * model.config.hiddenDims;
  const random = seededRandom(5);
  const spanInputs = Float32Array.from({ length: M * D3 }, () => random() * 2 - 1);
  const head = await ort.InferenceSession.create(join(dir, 'span-head.onnx'), { intraOpNumThreads: 1 });
  const onnxEmb = (await head.run({ span_features: new ort.Tensor('float32', spanInputs, [M, D3]) })).span_embeddings.data as Float32Array;
  const tfEmb = tf.tidy(() => spanEmbeddings(model.weights, tf.tensor2d(spanInputs, [M, D3])).dataSync() as Float32Array);
  const embDiff = maxAbsDiff(onnxEmb, tfEmb);
  assert.ok(embDiff < 1e-4, `span embeddings differ by ${embDiff}`);
  await engine.dispose();
});
