// The base model as adaptation needs it: TF.js weights, the shipped featurizer, and its identity.
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EncoderConfig } from '../model/architecture';
import type { Weights } from '../model/encoderTf';
import { Featurizer, quantizedNgramTable } from '../model/features';
import { WordVectors, decodeVectors } from '../model/wordVectors';
import { loadWeights, type NamedArray } from '../model/weightsFile';
import { baseModelHash, readManifest, type ModelManifest } from '../model/modelDirectory';

export interface AdaptationBase {
  dir: string;
  manifest: ModelManifest;
  hash: string;
  config: EncoderConfig;
  named: Map<string, NamedArray>;
  weights: Weights;
  featurizer: Featurizer;
}

export function loadAdaptationBase(dir: string): AdaptationBase {
  const manifest = readManifest(dir);
  const named = loadWeights(join(dir, 'encoder-weights.bin'));
  const weights: Weights = new Map();
  for (const [name, { shape, data }] of named) weights.set(name, tf.tensor(data, shape));
  const featurizer = new Featurizer(WordVectors.load(dir), quantizedNgramTable(decodeVectors(readFileSync(join(dir, 'ngram-vectors.bin')))));
  return { dir, manifest, hash: baseModelHash(dir), config: manifest.architecture, named, weights, featurizer };
}
