// The transformer family's two runtimes agree: the ONNX graph the editor runs and the TF.js model adaptation
// trains (random small weights, so every op matters), with padding, LoRA deltas merged or not, and int8 storage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initTf } from '../../src/core/model/tfBackend';
import { seededRandom } from '../../src/core/random';
import { dequantize, loadWeights, quantizeColumns, saveWeights, type NamedArray } from '../../src/core/model/weightsFile';
import { mergeAdapter, type LoraModule } from '../../src/core/adapters/adapter';
import { spanEmbeddings, type LoraTensors, type Weights } from '../../src/core/model/encoderTf';
import { transformerWeightShapes, type TransformerConfig } from '../../src/core/transformer/architecture';
import { buildTransformerInputRangesOnnx, buildTransformerOnnx, buildTransformerSpanHeadOnnx } from '../../src/core/transformer/transformerOnnx';
import { activationScalesAt, type InputRanges } from '../../src/core/transformer/activationScales';
import { embedPieces, transformerForward, transformerLayers, type TransformerBatchInput } from '../../src/core/transformer/transformerTf';

const config: TransformerConfig = {
  family: 'transformer',
  vocabSize: 50,
  hiddenDims: 32,
  maxPositions: 64,
  layers: 2,
  heads: 4,
  ffnDims: 64,
  layerNormEps: 1e-12,
  wordFlags: 14,
  headDims: 16,
  spanDims: 8,
  spanTags: 5,
  typeScale: 16,
};

function randomWeights(seed: number): Map<string, NamedArray> {
  const random = seededRandom(seed);
  const weights = new Map<string, NamedArray>();
  for (const [name, shape] of transformerWeightShapes(config)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const isGain = /\.g$/.test(name);
    weights.set(name, { shape, data: Float32Array.from({ length: size }, () => (isGain ? 1 + 0.3 * (random() - 0.5) : (random() - 0.5) * 0.6)) });
  }
  return weights;
}

function toTf(weights: Map<string, NamedArray>): Weights {
  return new Map([...weights].map(([name, { shape, data }]) => [name, tf.tensor(data, shape)]));
}

/** Sentences given as piece counts per word; [CLS] = 1, [SEP] = 2, padding = 0. */
function batchOf(sentences: number[][], seed: number): TransformerBatchInput {
  const random = seededRandom(seed);
  const batch = sentences.length;
  const pieces = Math.max(...sentences.map((s) => s.reduce((a, b) => a + b, 0))) + 2;
  const words = Math.max(...sentences.map((s) => s.length));
  const input: TransformerBatchInput = {
    batch,
    pieces,
    words,
    ids: new Int32Array(batch * pieces),
    pieceMask: new Float32Array(batch * pieces),
    wordRows: new Int32Array(batch * words),
    wordMask: new Float32Array(batch * words),
    flags: new Float32Array(batch * words * config.wordFlags),
  };
  sentences.forEach((counts, b) => {
    let at = b * pieces;
    input.ids[at] = 1;
    input.pieceMask[at++] = 1;
    counts.forEach((count, t) => {
      input.wordRows[b * words + t] = at;
      input.wordMask[b * words + t] = 1;
      for (let f = 0; f < config.wordFlags; f++) input.flags[(b * words + t) * config.wordFlags + f] = random() < 0.3 ? 1 : 0;
      for (let k = 0; k < count; k++) {
        input.ids[at] = 3 + Math.floor(random() * (config.vocabSize - 3));
        input.pieceMask[at++] = 1;
      }
    });
    input.ids[at] = 2;
    input.pieceMask[at] = 1;
  });
  return input;
}

async function runOnnx(graph: Uint8Array, input: TransformerBatchInput): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(graph, { intraOpNumThreads: 1 });
  const out = await session.run({
    ids: new ort.Tensor('int64', BigInt64Array.from(input.ids, (x) => BigInt(x)), [input.batch, input.pieces]),
    piece_mask: new ort.Tensor('float32', input.pieceMask, [input.batch, input.pieces]),
    word_rows: new ort.Tensor('int64', BigInt64Array.from(input.wordRows, (x) => BigInt(x)), [input.batch * input.words]),
    word_mask: new ort.Tensor('float32', input.wordMask, [input.batch, input.words]),
    flags: new ort.Tensor('float32', input.flags, [input.batch, input.words, config.wordFlags]),
  });
  await session.release();
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const SENTENCES = [[1, 2, 1, 3], [2, 1], [1, 1, 1, 1, 1, 2, 1]];

test('the ONNX graph computes what the TF.js model computes, padding included (max abs diff < 1e-4)', async () => {
  await initTf('wasm');
  const weights = randomWeights(3);
  const w = toTf(weights);
  const input = batchOf(SENTENCES, 7);
  const onnx = await runOnnx(buildTransformerOnnx(config, weights, { layerOutput: 0 }), input);
  const [tags, g] = tf.tidy(() => {
    const out = transformerForward(config, w, input, { training: false });
    return [tf.logSoftmax(out.tagLogits).dataSync() as Float32Array, out.g.dataSync() as Float32Array];
  });
  assert.ok(maxAbsDiff(onnx.tag_log_probs, tags) < 1e-4, `tags differ by ${maxAbsDiff(onnx.tag_log_probs, tags)}`);
  assert.ok(maxAbsDiff(onnx.hidden, g) < 1e-4, `hidden differs by ${maxAbsDiff(onnx.hidden, g)}`);
  assert.ok(Math.max(...onnx.hidden.map(Math.abs)) > 0.5, 'outputs are not trivially zero');

  // The piece states after layer 0 (what adaptation caches) are the graph's extra output, and the upper
  // layer run on them from there reproduces the whole model's states.
  const pieceMask = tf.tensor2d(input.pieceMask, [input.batch, input.pieces]);
  const [kept0, whole, resumed] = tf.tidy(() => {
    const x = embedPieces(config, w, input.ids, input.batch, input.pieces);
    const full = transformerLayers(config, w, x, pieceMask, 0, config.layers, { training: false });
    const lower = tf.tensor3d(onnx.layer_states, [input.batch, input.pieces, config.hiddenDims]);
    const upper = transformerLayers(config, w, lower, pieceMask, 1, config.layers, { training: false });
    assert.deepEqual(Object.keys(upper.kept), ['1']);
    return [full.kept[0], full.states, upper.states].map((t) => t.dataSync() as Float32Array);
  });
  assert.ok(maxAbsDiff(onnx.layer_states, kept0) < 1e-4, `layer_states differ by ${maxAbsDiff(onnx.layer_states, kept0)}`);
  assert.ok(maxAbsDiff(whole, resumed) < 1e-4);
  const last = await runOnnx(buildTransformerOnnx(config, weights, { layerOutput: config.layers - 1 }), input);
  assert.ok(maxAbsDiff(last.layer_states, whole) < 1e-4);
  assert.throws(() => buildTransformerOnnx(config, weights, { layerOutput: config.layers }), /not a layer/);

  // Padding changes nothing: each sentence alone (same pieces and flags) gives its rows of the batch.
  const G = config.hiddenDims + config.headDims;
  const T = config.spanTags;
  const plainGraph = buildTransformerOnnx(config, weights);
  for (let b = 0; b < SENTENCES.length; b++) {
    const words = SENTENCES[b].length;
    const single = batchOf([SENTENCES[b]], 0);
    single.ids.set(input.ids.subarray(b * input.pieces, b * input.pieces + single.pieces));
    single.flags.set(input.flags.subarray(b * input.words * config.wordFlags, (b * input.words + words) * config.wordFlags));
    const alone = await runOnnx(plainGraph, single);
    const rows = onnx.hidden.subarray(b * input.words * G, (b * input.words + words) * G);
    assert.ok(maxAbsDiff(alone.hidden, rows) < 1e-4, `sentence ${b}: padding changed its states by ${maxAbsDiff(alone.hidden, rows)}`);
    const tagRows = onnx.tag_log_probs.subarray(b * input.words * T, (b * input.words + words) * T);
    assert.ok(maxAbsDiff(alone.tag_log_probs, tagRows) < 1e-4, `sentence ${b}: padding changed its tags`);
    // Padding words' g is zero.
    assert.ok(onnx.hidden.subarray((b * input.words + words) * G, (b + 1) * input.words * G).every((v) => v === 0));
  }

  const M = 6;
  const random = seededRandom(11);
  const features = Float32Array.from({ length: M * 3 * G }, () => random() * 2 - 1);
  const head = await ort.InferenceSession.create(buildTransformerSpanHeadOnnx(config, weights));
  const onnxEmb = (await head.run({ span_features: new ort.Tensor('float32', features, [M, 3 * G]) })).span_embeddings.data as Float32Array;
  const tfEmb = tf.tidy(() => spanEmbeddings(w, tf.tensor2d(features, [M, 3 * G])).dataSync() as Float32Array);
  assert.ok(maxAbsDiff(onnxEmb, tfEmb) < 1e-5);
  for (let m = 0; m < M; m++) {
    const row = onnxEmb.subarray(m * config.spanDims, (m + 1) * config.spanDims);
    assert.ok(Math.abs(Math.hypot(...row) - 1) < 1e-4, 'span embeddings are unit length');
  }
  await head.release();
});

function randomModule(inDim: number, outDim: number, rank: number, seed: number): LoraModule {
  const random = seededRandom(seed);
  return { inDim, outDim, A: Float32Array.from({ length: inDim * rank }, () => random() - 0.5), B: Float32Array.from({ length: rank * outDim }, () => random() - 0.5) };
}

test('LoRA on attention, feed-forward and head projections: TF.js with the deltas equals ONNX of the merged weights', async () => {
  await initTf('wasm');
  const weights = randomWeights(5);
  const w = toTf(weights);
  const rank = 4;
  const modules = new Map<string, LoraModule>([
    ['l1.q.W', randomModule(32, 32, rank, 1)],
    ['l1.ffn2.W', randomModule(64, 32, rank, 2)],
    ['tags.W', randomModule(16, 5, rank, 3)],
  ]);
  const scale = 2;
  const lora: LoraTensors = { scale, modules: new Map([...modules].map(([n, m]) => [n, { A: tf.tensor2d(m.A, [m.inDim, rank]), B: tf.tensor2d(m.B, [rank, m.outDim]) }])) };
  const input = batchOf(SENTENCES, 9);
  const merged = mergeAdapter(weights, { config: { name: 'x', rank, alpha: scale * rank } as never, modules });
  const onnx = await runOnnx(buildTransformerOnnx(config, merged), input);
  const plain = await runOnnx(buildTransformerOnnx(config, weights), input);
  const [tags, g] = tf.tidy(() => {
    const out = transformerForward(config, w, input, { training: false }, lora);
    return [tf.logSoftmax(out.tagLogits).dataSync() as Float32Array, out.g.dataSync() as Float32Array];
  });
  assert.ok(maxAbsDiff(onnx.tag_log_probs, tags) < 1e-4, `differ by ${maxAbsDiff(onnx.tag_log_probs, tags)}`);
  assert.ok(maxAbsDiff(onnx.hidden, g) < 1e-4, `hidden differs by ${maxAbsDiff(onnx.hidden, g)}`);
  assert.ok(maxAbsDiff(plain.tag_log_probs, tags) > 1e-2, 'the deltas do change the output');

  // Gradients reach the LoRA matrices through attention (the custom batched products) and the feed-forward
  // layer: finite, non-zero, and the derivative along a random direction matches finite differences.
  const pieceMask = tf.tensor2d(input.pieceMask, [input.batch, input.pieces]);
  const x = embedPieces(config, w, input.ids, input.batch, input.pieces);
  // A fixed random projection of the states (a sum of squares would be near constant after layer norm).
  const probe = tf.tensor3d(Float32Array.from({ length: x.size }, seededRandom(17)), x.shape);
  const loss = (name: string, b: tf.Tensor): tf.Scalar => {
    const m = lora.modules.get(name)!;
    const l: LoraTensors = { scale, modules: new Map(lora.modules).set(name, { A: m.A, B: b as tf.Tensor2D }) };
    return tf.sum(tf.mul(transformerLayers(config, w, x, pieceMask, 0, config.layers, { training: false }, l).states, probe)) as tf.Scalar;
  };
  for (const name of ['l1.q.W', 'l1.ffn2.W']) {
    const B = lora.modules.get(name)!.B;
    const grad = tf.grad((b: tf.Tensor) => loss(name, b))(B);
    const values = grad.dataSync();
    assert.ok(values.every(Number.isFinite) && values.some((v) => Math.abs(v) > 1e-6), `${name}: gradient ${values.slice(0, 4)}`);
    const random = seededRandom(13);
    const direction = tf.tensor(Float32Array.from({ length: B.size }, () => random() - 0.5), B.shape);
    const analytic = tf.sum(tf.mul(grad, direction)).dataSync()[0];
    const eps = 1e-2;
    const numeric = (loss(name, tf.add(B, tf.mul(direction, eps))).dataSync()[0] - loss(name, tf.sub(B, tf.mul(direction, eps))).dataSync()[0]) / (2 * eps);
    assert.ok(Math.abs(analytic - numeric) <= 5e-3 * Math.max(1, Math.abs(numeric)), `${name}: gradient ${analytic} vs finite difference ${numeric}`);
  }
});

test('int8 storage: float files unchanged, int8 within half a step of the original, damage reported', () => {
  const weights = randomWeights(8);
  const dir = mkdtempSync(join(tmpdir(), 'baner-weights-'));
  // The helpers: one scale per column, zero columns stay zero.
  const m = Float32Array.from([1, 0, -0.3, 0, 0.25, 0]);
  const q = quantizeColumns(m, 3, 2);
  assert.deepEqual([...q.scales], [Math.fround(1 / 127), 1]);
  assert.deepEqual([...q.values], [127, 0, -38, 0, 32, 0]);
  assert.ok(maxAbsDiff(dequantize(q, 3, 2), m) <= 0.5 / 127);

  saveWeights(join(dir, 'f.bin'), weights);
  assert.equal(readFileSync(join(dir, 'f.bin')).toString('ascii', 0, 4), 'BNWT');
  for (const [name, { data }] of loadWeights(join(dir, 'f.bin'))) assert.deepEqual(data, weights.get(name)!.data);
  saveWeights(join(dir, 'q.bin'), weights, { int8: (_, shape) => shape.length === 2 });
  assert.equal(readFileSync(join(dir, 'q.bin')).toString('ascii', 0, 4), 'BNW2');
  const back = loadWeights(join(dir, 'q.bin'));
  assert.deepEqual([...back.keys()], [...weights.keys()]);
  for (const [name, { shape, data }] of weights) {
    const got = back.get(name)!.data;
    if (shape.length !== 2) {
      assert.deepEqual(got, data, `${name} stays float`);
      continue;
    }
    const [rows, cols] = shape;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        // One scale per column (per row for the piece table): |error| <= scale / 2.
        let max = 0;
        if (name === 'emb.word') for (let k = 0; k < cols; k++) max = Math.max(max, Math.abs(data[r * cols + k]));
        else for (let k = 0; k < rows; k++) max = Math.max(max, Math.abs(data[k * cols + c]));
        assert.ok(Math.abs(got[r * cols + c] - data[r * cols + c]) <= max / 127 / 2 + 1e-7, `${name}[${r},${c}]`);
      }
    }
  }
  const bytes = readFileSync(join(dir, 'q.bin'));
  assert.ok(bytes.length < readFileSync(join(dir, 'f.bin')).length / 2);
  writeFileSync(join(dir, 'cut.bin'), bytes.subarray(0, bytes.length - 100));
  assert.throws(() => loadWeights(join(dir, 'cut.bin')), /cut\.bin: tensor .* runs past the end of the file/);
  writeFileSync(join(dir, 'short.bin'), bytes.subarray(0, 6));
  assert.throws(() => loadWeights(join(dir, 'short.bin')), /truncated/);
});

test('int8 products with fixed activation scales: ranges measured by the calibration graph, outputs close to float, saturation beyond the range', async () => {
  const weights = randomWeights(5);
  const input = batchOf(SENTENCES, 7);
  const float = await runOnnx(buildTransformerOnnx(config, weights), input);
  // The calibration graph on the same batch: the smallest and largest input of every projection, per piece.
  const { graph, projections } = buildTransformerInputRangesOnnx(config, weights);
  assert.deepEqual(projections.slice(0, 6), ['l0.q', 'l0.k', 'l0.v', 'l0.o', 'l0.ffn1', 'l0.ffn2']);
  const session = await ort.InferenceSession.create(graph, { intraOpNumThreads: 1 });
  const out = await session.run({
    ids: new ort.Tensor('int64', BigInt64Array.from(input.ids, (x) => BigInt(x)), [input.batch, input.pieces]),
    piece_mask: new ort.Tensor('float32', input.pieceMask, [input.batch, input.pieces]),
  });
  await session.release();
  const P = projections.length;
  const ranges: InputRanges = new Map(
    projections.map((name, p) => {
      const rows = [...input.pieceMask.keys()].filter((r) => input.pieceMask[r] === 1);
      return [name, { low: Float32Array.from(rows, (r) => (out.input_low.data as Float32Array)[r * P + p]), high: Float32Array.from(rows, (r) => (out.input_high.data as Float32Array)[r * P + p]) }];
    }),
  );
  for (const name of ['l0.q', 'l0.k', 'l0.v']) assert.deepEqual(ranges.get(name), ranges.get('l0.q'), 'q, k and v read the same input');
  for (const { low, high } of ranges.values()) low.forEach((l, i) => assert.ok(l <= high[i]));

  const all = ['q', 'k', 'v', 'o', 'ffn1', 'ffn2'];
  const relative = (a: Float32Array) => maxAbsDiff(a, float.hidden) / Math.max(...float.hidden.map(Math.abs));
  const fixed = await runOnnx(buildTransformerOnnx(config, weights, { int8: all, activationScales: activationScalesAt(ranges, 1) }), input);
  assert.ok(relative(fixed.hidden) < 0.05, `fixed scales: hidden off by ${relative(fixed.hidden)} of its range`);
  assert.ok(relative(fixed.hidden) > 0, 'int8 products differ from float at all');
  // Scales far too small saturate every code: the outputs go wrong, so the scales are really used.
  const tiny = Object.fromEntries(Object.entries(activationScalesAt(ranges, 1)).map(([k, s]) => [k, { ...s, scale: s.scale / 1000 }]));
  const saturated = await runOnnx(buildTransformerOnnx(config, weights, { int8: all, activationScales: tiny }), input);
  assert.ok(relative(saturated.hidden) > 5 * relative(fixed.hidden), `saturated ${relative(saturated.hidden)} vs ${relative(fixed.hidden)}`);
  assert.throws(() => buildTransformerOnnx(config, weights, { int8: all, activationScales: { ...activationScalesAt(ranges, 1), 'l0.o': { scale: 0, zero: 300 } } }), /activation scale of l0.o/);
});
