// The model directory's weights as TF.js tensors: the reference for ONNX parity and the base that
// LoRA adapters train on.
import * as tf from '@tensorflow/tfjs-core';
import { join } from 'node:path';
import type { TfModel } from '../training/tfPredictor';
import { loadWeights } from './weightsFile';
import { readManifest, readTypeVectors } from './modelDirectory';

export function loadTfModel(dir: string): TfModel {
  const manifest = readManifest(dir);
  const weights = new Map<string, tf.Tensor>();
  for (const [name, { shape, data }] of loadWeights(join(dir, 'encoder-weights.bin'))) weights.set(name, tf.tensor(data, shape));
  const types = readTypeVectors(dir);
  const vectors = types.typing === 'prototypes' ? types.prototypes : types.typeHead;
  return {
    config: manifest.architecture,
    weights,
    labels: types.labels,
    classVectors: tf.tensor2d(vectors, [types.labels.length, manifest.architecture.spanDims]),
  };
}
