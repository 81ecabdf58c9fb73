// The base model as adaptation needs it: its identity (adapters record it), its weights by name, and the
// family's adaptation model (the frozen lower part and the LoRA-adapted upper part in TF.js).
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EncoderConfig } from '../model/architecture';
import type { Weights } from '../model/encoderTf';
import { Featurizer, quantizedNgramTable } from '../model/features';
import { WordVectors, decodeVectors } from '../model/wordVectors';
import { loadWeights, type NamedArray } from '../model/weightsFile';
import { baseModelHash, readManifest, weightsFileOf, type ModelManifest } from '../model/modelDirectory';
import type { AdaptModel } from './adaptModel';
import { CnnAdaptModel } from './cnnAdaptModel';
import { TransformerAdaptModel } from '../transformer/transformerAdaptModel';
import type { TransformerConfig } from '../transformer/architecture';
import { PieceTokenizer } from '../transformer/pieceTokenizer';
import { transformerFiles } from '../transformer/transformerRuntime';

interface CommonBase {
  dir: string;
  manifest: ModelManifest;
  hash: string;
  named: Map<string, NamedArray>;
  weights: Weights;
  adaptModel: AdaptModel;
}

export interface CnnAdaptationBase extends CommonBase {
  family: 'cnn';
  config: EncoderConfig;
  featurizer: Featurizer;
}

export interface TransformerAdaptationBase extends CommonBase {
  family: 'transformer';
  config: TransformerConfig;
  tokenizer: PieceTokenizer;
}

export type AdaptationBase = CnnAdaptationBase | TransformerAdaptationBase;

/**
 * The weights as TF.js tensors, each made on first use: adaptation reads only the layers it recomputes (for
 * the transformer, the heads; onnxruntime runs the frozen layers), so the rest never take TF.js memory.
 */
function lazyTensors(named: Map<string, NamedArray>): Weights {
  const made = new Map<string, tf.Tensor>();
  const lazy = new Map<string, tf.Tensor>();
  lazy.get = (name: string) => {
    let t = made.get(name);
    const w = named.get(name);
    if (!t && w) {
      t = tf.keep(tf.tensor(w.data, w.shape));
      made.set(name, t);
    }
    return t;
  };
  lazy.has = (name: string) => named.has(name);
  return lazy;
}

export function loadAdaptationBase(dir: string): AdaptationBase {
  const manifest = readManifest(dir);
  const named = loadWeights(join(dir, weightsFileOf(manifest)));
  const weights = lazyTensors(named);
  const common = { dir, manifest, hash: baseModelHash(dir), named, weights };
  if (manifest.family === 'transformer') {
    const config = manifest.architecture as unknown as TransformerConfig;
    const tokenizer = PieceTokenizer.fromFile(join(dir, transformerFiles(manifest).tokenizer));
    return { ...common, family: 'transformer', config, tokenizer, adaptModel: new TransformerAdaptModel(config, weights, named, tokenizer, manifest.adaptation as never) };
  }
  const config = manifest.architecture;
  const featurizer = new Featurizer(WordVectors.load(dir), quantizedNgramTable(decodeVectors(readFileSync(join(dir, 'ngram-vectors.bin')))));
  return { ...common, family: 'cnn', config, featurizer, adaptModel: new CnnAdaptModel(config, weights, featurizer) };
}
