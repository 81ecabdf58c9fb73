// Checks that models written by OnnxGraphBuilder and the layer helpers run in onnxruntime-node
// and match a plain-JS reference of the same math, with dynamic batch/time dims.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { OnnxGraphBuilder } from '../../src/core/onnx/graphBuilder';
import { gelu, l2Normalize, layerNorm, linear, logSoftmax, mulMask, relu, shiftedConcat } from '../../src/core/onnx/layers';

const D = 8;
const TOLERANCE = 1e-5;
const LN_EPS = 1e-5;
// Large enough that adding it (the TF.js convention) differs measurably from max(sum, eps).
const L2_EPS = 1e-3;

// ---------- seeded random data ----------

/** mulberry32: tiny deterministic PRNG so failures reproduce. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = seededRandom(1234);
const randomFloats = (n: number, scale = 1): Float32Array => Float32Array.from({ length: n }, () => (random() * 2 - 1) * scale);

// ---------- plain-JS reference math on row-major [rows, cols] arrays ----------

type Rows = number[][];

function toRows(data: ArrayLike<number>, cols: number): Rows {
  const rows: Rows = [];
  for (let start = 0; start < data.length; start += cols) rows.push(Array.from(data).slice(start, start + cols));
  return rows;
}

const mapRows = (rows: Rows, f: (row: number[]) => number[]): Rows => rows.map(f);

function refLinear(rows: Rows, W: Float32Array, inDim: number, outDim: number, bias?: Float32Array): Rows {
  return mapRows(rows, (row) =>
    Array.from({ length: outDim }, (_, o) => {
      let sum = bias ? bias[o] : 0;
      for (let i = 0; i < inDim; i++) sum += row[i] * W[i * outDim + o];
      return sum;
    }),
  );
}

const refRelu = (rows: Rows): Rows => mapRows(rows, (row) => row.map((v) => Math.max(v, 0)));

const refGelu = (rows: Rows): Rows =>
  mapRows(rows, (row) => row.map((v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)))));

const mean = (values: number[]): number => values.reduce((a, v) => a + v, 0) / values.length;

function refLayerNorm(rows: Rows, gamma: Float32Array, beta: Float32Array, eps: number): Rows {
  return mapRows(rows, (row) => {
    const mu = mean(row);
    const variance = mean(row.map((v) => (v - mu) ** 2));
    return row.map((v, i) => ((v - mu) / Math.sqrt(variance + eps)) * gamma[i] + beta[i]);
  });
}

function refLogSoftmax(rows: Rows): Rows {
  return mapRows(rows, (row) => {
    const max = Math.max(...row);
    const logSum = Math.log(row.reduce((a, v) => a + Math.exp(v - max), 0));
    return row.map((v) => v - max - logSum);
  });
}

const refL2Normalize = (rows: Rows, eps: number): Rows =>
  mapRows(rows, (row) => {
    const norm = Math.sqrt(row.reduce((a, v) => a + v * v, 0) + eps);
    return row.map((v) => v / norm);
  });

/** rows are [B·T, D] in batch-major order; mask is [B·T]. */
const refMulMask = (rows: Rows, mask: Float32Array): Rows => rows.map((row, r) => row.map((v) => v * mask[r]));

function refShiftedConcat(rows: Rows, batch: number, time: number, dilation: number, width: number): Rows {
  const half = (width - 1) / 2;
  const zeros = new Array<number>(rows[0].length).fill(0);
  return rows.map((_, r) => {
    const b = Math.floor(r / time);
    const t = r % time;
    const taps: number[] = [];
    for (let k = -half; k <= half; k++) {
      const source = t + k * dilation;
      taps.push(...(source >= 0 && source < time ? rows[b * time + source] : zeros));
    }
    return taps;
  });
}

/** Decodes IEEE half-precision bits (normal, subnormal and zero). */
function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (mantissa / 1024);
  return sign * 2 ** (exponent - 15) * (1 + mantissa / 1024);
}

function maxAbsDiff(actual: ArrayLike<number>, expected: Rows): number {
  const flat = expected.flat();
  assert.equal(actual.length, flat.length, 'output size');
  let worst = 0;
  for (let i = 0; i < flat.length; i++) worst = Math.max(worst, Math.abs(actual[i] - flat[i]));
  return worst;
}

// ---------- the model under test ----------

const weights = {
  W1: randomFloats(D * D, 0.8),
  b1: randomFloats(D, 0.2),
  gamma: randomFloats(D, 0.5).map((v) => v + 1),
  beta: randomFloats(D, 0.1),
  convW: randomFloats(3 * D * D, 0.4),
  convB: randomFloats(D, 0.1),
  // Random normal halves with small exponents, plus signed zero and a subnormal.
  halfBits: Uint16Array.from({ length: D * D }, (_, i) =>
    i === 0 ? 0x0000 : i === 1 ? 0x8000 : i === 2 ? 0x0001 : ((random() < 0.5 ? 0x8000 : 0) | ((10 + Math.floor(random() * 6)) << 10) | Math.floor(random() * 1024)),
  ),
  int8: Int8Array.from({ length: D * D }, () => Math.floor(random() * 256) - 128),
  int8Scale: 0.0123,
};

const OUTPUT_NAMES = ['masked', 'lin', 'relu', 'gelu', 'ln', 'shift_d2', 'shift_w5', 'conv', 'log_softmax', 'l2', 'f16_matmul', 'int8_matmul'] as const;
type OutputName = (typeof OUTPUT_NAMES)[number];

function buildModel(): OnnxGraphBuilder {
  const b = new OnnxGraphBuilder('layers_test');
  const x = b.input('x', 'float', ['batch', 'time', D]);
  const mask = b.input('mask', 'float', ['batch', 'time']);

  const masked = mulMask(b, x, mask);
  const lin = linear(b, masked, weights.W1, D, D, weights.b1);
  const conv = linear(b, shiftedConcat(b, masked, 1), weights.convW, 3 * D, D, weights.convB);

  const half = b.apply('Cast', [b.initializerFloat16('w_f16', weights.halfBits, [D, D])], { to: onnx.TensorProto.DataType.FLOAT });
  const int8 = b.apply('Cast', [b.initializerInt8('w_int8', weights.int8, [D, D])], { to: onnx.TensorProto.DataType.FLOAT });
  const dequantized = b.apply('Mul', [int8, b.constFloat(weights.int8Scale)]);

  const produced: Record<OutputName, [string, number]> = {
    masked: [masked, D],
    lin: [lin, D],
    relu: [relu(b, lin), D],
    gelu: [gelu(b, lin), D],
    ln: [layerNorm(b, masked, weights.gamma, weights.beta, LN_EPS), D],
    shift_d2: [shiftedConcat(b, masked, 2), 3 * D],
    shift_w5: [shiftedConcat(b, masked, 2, 5), 5 * D],
    conv: [conv, D],
    log_softmax: [logSoftmax(b, lin), D],
    l2: [l2Normalize(b, lin, L2_EPS), D],
    f16_matmul: [b.apply('MatMul', [masked, half]), D],
    int8_matmul: [b.apply('MatMul', [masked, dequantized]), D],
  };
  for (const name of OUTPUT_NAMES) {
    const [tensor, width] = produced[name];
    b.node('Identity', [tensor], [name]);
    b.output(name, 'float', ['batch', 'time', width]);
  }
  return b;
}

function reference(x: Float32Array, mask: Float32Array, batch: number, time: number): Record<OutputName, Rows> {
  const masked = refMulMask(toRows(x, D), mask);
  const lin = refLinear(masked, weights.W1, D, D, weights.b1);
  const halfW = Float32Array.from(weights.halfBits, halfToNumber);
  const int8W = Float32Array.from(weights.int8, (v) => v * Math.fround(weights.int8Scale));
  return {
    masked,
    lin,
    relu: refRelu(lin),
    gelu: refGelu(lin),
    ln: refLayerNorm(masked, weights.gamma, weights.beta, LN_EPS),
    shift_d2: refShiftedConcat(masked, batch, time, 2, 3),
    shift_w5: refShiftedConcat(masked, batch, time, 2, 5),
    conv: refLinear(refShiftedConcat(masked, batch, time, 1, 3), weights.convW, 3 * D, D, weights.convB),
    log_softmax: refLogSoftmax(lin),
    l2: refL2Normalize(lin, L2_EPS),
    f16_matmul: refLinear(masked, halfW, D, D),
    int8_matmul: refLinear(masked, int8W, D, D),
  };
}

/** Random x with the last `padding[b]` positions of each sequence masked out. */
function makeBatch(batch: number, time: number, padding: number[]): { x: Float32Array; mask: Float32Array } {
  const x = randomFloats(batch * time * D, 2);
  const mask = Float32Array.from({ length: batch * time }, (_, r) => (r % time < time - padding[Math.floor(r / time)] ? 1 : 0));
  return { x, mask };
}

// Built once: the session is reused across shapes to prove the dims really are symbolic.
const modelBytes = buildModel().toBytes();
const sessionPromise = ort.InferenceSession.create(modelBytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });

async function checkAgainstReference(batch: number, time: number, padding: number[]): Promise<void> {
  const session = await sessionPromise;
  const { x, mask } = makeBatch(batch, time, padding);
  const results = await session.run({
    x: new ort.Tensor('float32', x, [batch, time, D]),
    mask: new ort.Tensor('float32', mask, [batch, time]),
  });
  const expected = reference(x, mask, batch, time);
  for (const name of OUTPUT_NAMES) {
    const output = results[name];
    assert.deepEqual(output.dims, [batch, time, expected[name][0].length], `${name} dims`);
    const diff = maxAbsDiff(output.data as Float32Array, expected[name]);
    assert.ok(diff < TOLERANCE, `${name}: max abs diff ${diff} at B=${batch}, T=${time}`);
  }
}

test('every layer matches the JS reference (B=2, T=7, padded second sequence)', async () => {
  await checkAgainstReference(2, 7, [0, 3]);
});

test('the same session runs other batch and time sizes, including T shorter than the conv padding', async () => {
  await checkAgainstReference(3, 4, [1, 0, 2]);
  await checkAgainstReference(1, 1, [0]);
});

test('toBytes() round-trips through the onnx-proto decoder', () => {
  const decoded = onnx.ModelProto.decode(modelBytes);
  const model = onnx.ModelProto.toObject(decoded, { longs: Number, bytes: Array });
  assert.equal(model.irVersion, 8);
  assert.equal(model.producerName, 'baner');
  assert.deepEqual(model.opsetImport, [{ domain: '', version: 17 }]);
  assert.deepEqual(
    model.graph.input[0].type.tensorType.shape.dim,
    [{ dimParam: 'batch' }, { dimParam: 'time' }, { dimValue: D }],
  );

  const halfInit = model.graph.initializer.find((t: { name: string }) => t.name === 'w_f16');
  assert.equal(halfInit.dataType, onnx.TensorProto.DataType.FLOAT16);
  assert.deepEqual(halfInit.dims, [D, D]);
  assert.deepEqual(halfInit.rawData, Array.from(new Uint8Array(weights.halfBits.buffer)));

  const reduce = model.graph.node.find((n: { opType: string }) => n.opType === 'ReduceMean');
  assert.deepEqual(reduce.attribute[0], { name: 'axes', type: onnx.AttributeProto.AttributeType.INTS, ints: [-1] });

  // Re-encoding the decoded message must reproduce the original bytes exactly.
  assert.deepEqual(onnx.ModelProto.encode(decoded).finish(), modelBytes);
});

test('builder rejects duplicate tensor names and hands out fresh ones', () => {
  const b = new OnnxGraphBuilder();
  b.input('x', 'float', [1]);
  assert.throws(() => b.initializer('x', new Float32Array([1]), [1]), /already defined/);
  b.input('x_1', 'float', [1]);
  assert.equal(b.uniqueName('x'), 'x_0');
  assert.equal(b.uniqueName('x'), 'x_2');
  assert.throws(() => b.node('Relu', ['x'], ['x']), /already defined/);
  // A reserved name is free to be defined once by whoever asked for it.
  assert.deepEqual(b.node('Relu', ['x'], ['x_0']), ['x_0']);
  assert.throws(() => b.initializer('w', new Float32Array(3), [2, 2]), /hold 4 values/);
  assert.throws(() => b.apply('LeakyRelu', ['x'], { alpha: 0.1 }), /float/);
});

test('float and string attributes are encoded with their own types', () => {
  const b = new OnnxGraphBuilder();
  b.input('x', 'float', [2]);
  b.node('LeakyRelu', ['x'], ['y'], { alpha: { float: 0.25 } });
  b.node('Pad', ['y', b.constInt64([1, 1])], ['z'], { mode: 'reflect' });
  const decoded = onnx.ModelProto.decode(b.toBytes());
  const [alpha, mode] = (decoded.graph?.node ?? []).map((node) => node.attribute?.[0]);
  assert.equal(alpha?.type, onnx.AttributeProto.AttributeType.FLOAT);
  assert.equal(alpha?.f, 0.25);
  assert.equal(mode?.type, onnx.AttributeProto.AttributeType.STRING);
  assert.equal(new TextDecoder().decode(mode?.s ?? new Uint8Array()), 'reflect');
});

test('a node of another operator domain (onnxruntime contrib ops) is imported with it and runs', async () => {
  const b = new OnnxGraphBuilder('contrib');
  const a = b.input('a', 'uint8', [2, 3]);
  const w = b.initializer('w', Int8Array.from([1, -2, 3, 4, 5, -6]), [3, 2]);
  const y = b.node('MatMulIntegerToFloat', [a, w, b.constFloat(0.5), b.constFloat([1, 2], [2]), b.initializer('az', Uint8Array.of(1), []), b.initializer('wz', new Int8Array(2), [2])], ['y'], {}, 'com.microsoft')[0];
  b.output(y, 'float', [2, 2]);
  const model = onnx.ModelProto.toObject(b.toModelProto(), { longs: Number });
  assert.deepEqual(model.opsetImport, [{ domain: '', version: 17 }, { domain: 'com.microsoft', version: 1 }]);
  assert.equal(model.graph.node[0].domain, 'com.microsoft');
  const session = await ort.InferenceSession.create(b.toBytes());
  const out = await session.run({ a: new ort.Tensor('uint8', Uint8Array.from([1, 2, 3, 4, 5, 6]), [2, 3]) });
  await session.release();
  // (a - 1) · w, times 0.5 and the column scales 1, 2: rows [0 1 2] and [3 4 5].
  const rows = [[0, 1, 2], [3, 4, 5]];
  const cols = [[1, 3, 5], [-2, 4, -6]];
  const want = rows.flatMap((r) => cols.map((c, j) => 0.5 * [1, 2][j] * r.reduce((s, v, k) => s + v * c[k], 0)));
  assert.deepEqual(Array.from(out.y.data as Float32Array), want);
});
