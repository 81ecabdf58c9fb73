// A model directory: manifest.json plus the files it names. Loading checks what it needs and says what is missing.
import { existsSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { EncoderConfig } from './architecture';

export interface ModelManifest {
  id: string;
  created: string;
  /** 'cnn' when absent (models built before the transformer family). */
  family?: 'cnn' | 'transformer';
  /** The transformer family's weights (BNWT) and tokenizer files, relative to the model folder. */
  weightsFile?: string;
  tokenizer?: string;
  architecture: EncoderConfig & Record<string, unknown>;
  labels: string[];
  typing: 'typeHead' | 'prototypes';
  files: string[];
  evaluation?: unknown;
  [key: string]: unknown;
}

export interface TypeVectors {
  labels: string[];
  typing: 'typeHead' | 'prototypes';
  typeHead: number[];
  prototypes: number[];
}

export class ModelLoadError extends Error {}

export interface BundledModel {
  name: 'transformer' | 'cnn';
  /** Relative to the package root (the extension folder or the repository). */
  folder: string;
  description: string;
}

const TRANSFORMER: BundledModel = { name: 'transformer', folder: 'models/transformer', description: 'accurate: a fine-tuned transformer (e5-small)' };
const CNN: BundledModel = { name: 'cnn', folder: 'models/cnn', description: 'fast: dilated CNN over GloVe' };

/** The models shipped with the package, the default first; the extension's Select Model and the CLI list them. */
export const BUNDLED_MODELS: readonly BundledModel[] = [TRANSFORMER, CNN];

/** Where a bundled model is in this package. */
export function bundledModelDir(model: BundledModel): string {
  // src/core/model -> repository root; the bundled extension passes its own path instead.
  return resolve(__dirname, '../../..', model.folder);
}

/** The default model shipped with the package: the transformer. */
export function defaultModelDir(): string {
  return bundledModelDir(TRANSFORMER);
}

/** The fast CNN model shipped with the package (also what tests of CNN internals load). */
export function cnnModelDir(): string {
  return bundledModelDir(CNN);
}

export function readManifest(dir: string): ModelManifest {
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) throw new ModelLoadError(`no model at ${dir}: manifest.json is missing`);
  let manifest: ModelManifest;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as ModelManifest;
  } catch (error) {
    throw new ModelLoadError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  for (const file of manifest.files ?? []) {
    if (!existsSync(join(dir, file))) throw new ModelLoadError(`model ${dir} is incomplete: ${file} is missing`);
  }
  return manifest;
}

export function readTypeVectors(dir: string): TypeVectors {
  return JSON.parse(readFileSync(join(dir, 'types.json'), 'utf8')) as TypeVectors;
}

/** The file holding a model's trainable weights (what adapters are deltas of). */
export function weightsFileOf(manifest: Pick<ModelManifest, 'family' | 'weightsFile'>): string {
  return manifest.family === 'transformer' ? (manifest.weightsFile ?? 'weights.bin') : 'encoder-weights.bin';
}

/** Identity of a base model's weights: adapters record it and are refused by any other model. */
export function baseModelHash(dir: string): string {
  return createHash('sha256').update(readFileSync(join(dir, weightsFileOf(readManifest(dir))))).digest('hex');
}
