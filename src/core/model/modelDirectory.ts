// A model directory: manifest.json plus the files it names. Loading checks what it needs and says what is missing:
// manifest.json and types.json are checked against schemas of both model families (CNN, transformer), so that a
// damaged file is a ModelLoadError naming the file and the field, not a TypeError somewhere in a runtime. Fields
// the code does not use (evaluation, training records...) may hold anything.
import { existsSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { isAbsolute, join, resolve } from 'node:path';
import * as v from 'valibot';
import type { EncoderConfig } from './architecture';
import { describeIssues } from '../schemaIssues';

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

const count = v.pipe(v.number('should be a number'), v.integer('should be a whole number'), v.minValue(1, 'should be at least 1'));
const positive = v.pipe(v.number('should be a number'), v.finite('should be a finite number'), v.gtValue(0, 'should be above 0'));
/** A file of the model folder: a relative path that stays inside it. */
const modelFile = v.pipe(
  v.string('should be a file name'),
  v.nonEmpty('should not be empty'),
  v.check((f) => !isAbsolute(f) && !f.split(/[\\/]/).includes('..'), 'should be a file inside the model folder'),
);

/** The CNN family (models/cnn): the fields encoder, span head and typing read. */
const cnnArchitecture = v.looseObject({
  featureDims: count,
  hiddenDims: count,
  dilations: v.pipe(v.array(count, 'should be a list of whole numbers'), v.minLength(1, 'should not be empty')),
  spanDims: count,
  spanTags: count,
  layerNormEps: positive,
  typeScale: positive,
});

/** The transformer family (models/transformer). */
const transformerArchitecture = v.looseObject({
  vocabSize: count,
  hiddenDims: count,
  maxPositions: count,
  layers: count,
  heads: count,
  ffnDims: count,
  layerNormEps: positive,
  wordFlags: count,
  headDims: count,
  spanDims: count,
  spanTags: count,
  typeScale: positive,
});

const manifestFields = {
  id: v.pipe(v.string('should be a string'), v.nonEmpty('should not be empty')),
  created: v.string('should be a string'),
  labels: v.pipe(v.array(v.pipe(v.string('should be a string'), v.nonEmpty('should not be empty')), 'should be a list of type names'), v.minLength(1, 'should not be empty')),
  typing: v.picklist(['typeHead', 'prototypes'], 'should be "typeHead" or "prototypes"'),
  files: v.array(modelFile, 'should be a list of file names'),
  weightsFile: v.optional(modelFile),
  tokenizer: v.optional(modelFile),
};

const familySchema = v.looseObject({ family: v.optional(v.picklist(['cnn', 'transformer'], 'should be "cnn" or "transformer"')) });
const cnnManifest = v.looseObject({ ...manifestFields, architecture: cnnArchitecture });
const transformerManifest = v.looseObject({ ...manifestFields, architecture: transformerArchitecture });

const typeVectorsSchema = v.looseObject({
  labels: v.pipe(v.array(v.pipe(v.string('should be a string'), v.nonEmpty('should not be empty')), 'should be a list of type names'), v.minLength(1, 'should not be empty')),
  typing: v.picklist(['typeHead', 'prototypes'], 'should be "typeHead" or "prototypes"'),
  typeHead: v.array(v.number('should be a number'), 'should be a list of numbers'),
  prototypes: v.array(v.number('should be a number'), 'should be a list of numbers'),
});

function readJson(path: string, dir: string, file: string): unknown {
  if (!existsSync(path)) throw new ModelLoadError(`no model at ${dir}: ${file} is missing`);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (error) {
    throw new ModelLoadError(`${path} is not valid JSON${error instanceof SyntaxError ? '' : ` (${(error as Error).message})`}`);
  }
}

/** The checked manifest.json of a model folder, whose files are all present. */
export function readManifest(dir: string): ModelManifest {
  const path = join(dir, 'manifest.json');
  const json = readJson(path, dir, 'manifest.json');
  const family = v.safeParse(familySchema, json);
  if (!family.success) throw new ModelLoadError(`${path} is not a valid model manifest: ${describeIssues(family.issues)}`);
  const parsed = v.safeParse(family.output.family === 'transformer' ? transformerManifest : cnnManifest, json);
  if (!parsed.success) throw new ModelLoadError(`${path} is not a valid ${family.output.family ?? 'cnn'} model manifest: ${describeIssues(parsed.issues)}`);
  const manifest = parsed.output as unknown as ModelManifest;
  for (const file of manifest.files) {
    if (!existsSync(join(dir, file))) throw new ModelLoadError(`model ${dir} is incomplete: ${file} is missing`);
  }
  return manifest;
}

/**
 * The checked types.json of a model folder: the vectors of its typing hold one finite vector of the span width
 * per label (`spanDims`; read from the manifest when not given).
 */
export function readTypeVectors(dir: string, spanDims?: number): TypeVectors {
  const path = join(dir, 'types.json');
  const parsed = v.safeParse(typeVectorsSchema, readJson(path, dir, 'types.json'));
  if (!parsed.success) throw new ModelLoadError(`${path} is not valid: ${describeIssues(parsed.issues)}`);
  const types = parsed.output as unknown as TypeVectors;
  const dims = spanDims ?? Number(readManifest(dir).architecture.spanDims);
  const used = types.typing === 'prototypes' ? 'prototypes' : 'typeHead';
  const vectors = types[used];
  if (vectors.length !== types.labels.length * dims) {
    throw new ModelLoadError(`${path}: field ${used} has ${vectors.length} values, expected ${types.labels.length} labels x ${dims} = ${types.labels.length * dims}`);
  }
  const bad = vectors.findIndex((x) => !Number.isFinite(x) || Math.abs(x) > 3.4e38);
  if (bad >= 0) throw new ModelLoadError(`${path}: field ${used}[${bad}] is not a finite float32 number`);
  return types;
}

/** The file holding a model's trainable weights (what adapters are deltas of). */
export function weightsFileOf(manifest: Pick<ModelManifest, 'family' | 'weightsFile'>): string {
  return manifest.family === 'transformer' ? (manifest.weightsFile ?? 'weights.bin') : 'encoder-weights.bin';
}

/** Identity of a base model's weights: adapters record it and are refused by any other model. */
export function baseModelHash(dir: string): string {
  return createHash('sha256').update(readFileSync(join(dir, weightsFileOf(readManifest(dir))))).digest('hex');
}
