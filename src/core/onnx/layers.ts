// Common network layers expressed as opset-17 ONNX nodes. Each helper appends its nodes to the
// builder and returns the name of its output tensor. The math mirrors the TF.js training code
// op for op, so exported models reproduce the trained outputs to float rounding.
// Shapes: B = batch, T = time (tokens), D = features; B and T may be symbolic.
import { OnnxGraphBuilder } from './graphBuilder';

// Slice treats an end beyond the axis length as "to the end"; int64 max is the ONNX idiom for it.
const SLICE_TO_END = 9223372036854775807n;

/**
 * Dense layer: x [..., inDim] -> [..., outDim] = x · W (+ bias).
 * W is row-major [inDim, outDim], the layout of a TF.js dense kernel.
 */
export function linear(
  b: OnnxGraphBuilder,
  x: string,
  W: Float32Array,
  inDim: number,
  outDim: number,
  bias?: Float32Array,
): string {
  const weight = b.initializer(b.uniqueName('linear_W'), W, [inDim, outDim]);
  const product = b.apply('MatMul', [x, weight]);
  if (!bias) return product;
  const biasName = b.initializer(b.uniqueName('linear_b'), bias, [outDim]);
  return b.apply('Add', [product, biasName]);
}

/** Elementwise max(x, 0); any shape. */
export function relu(b: OnnxGraphBuilder, x: string): string {
  return b.apply('Relu', [x]);
}

/**
 * GELU, tanh approximation: 0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³))); any shape.
 * Written out because the Gelu op only exists from opset 20.
 */
export function gelu(b: OnnxGraphBuilder, x: string): string {
  const cube = b.apply('Mul', [b.apply('Mul', [x, x]), x]);
  const inner = b.apply('Add', [x, b.apply('Mul', [cube, b.constFloat(0.044715)])]);
  const scaled = b.apply('Mul', [inner, b.constFloat(Math.sqrt(2 / Math.PI))]);
  const onePlusTanh = b.apply('Add', [b.apply('Tanh', [scaled]), b.constFloat(1)]);
  return b.apply('Mul', [b.apply('Mul', [x, b.constFloat(0.5)]), onePlusTanh]);
}

/**
 * Layer normalization over the last axis: x [..., D] -> [..., D] =
 * (x - mean) / sqrt(var + eps) · gamma + beta, with the biased variance mean((x - mean)²).
 * Built from primitives (not LayerNormalization-17) so rounding follows the TF.js formula.
 */
export function layerNorm(b: OnnxGraphBuilder, x: string, gamma: Float32Array, beta: Float32Array, eps: number): string {
  // Opset 17 reductions take axes as an attribute; they move to an input in opset 18.
  const mean = b.apply('ReduceMean', [x], { axes: [-1], keepdims: 1 });
  const centered = b.apply('Sub', [x, mean]);
  const variance = b.apply('ReduceMean', [b.apply('Mul', [centered, centered])], { axes: [-1], keepdims: 1 });
  const std = b.apply('Sqrt', [b.apply('Add', [variance, b.constFloat(eps)])]);
  const normalized = b.apply('Div', [centered, std]);
  const gammaName = b.initializer(b.uniqueName('ln_gamma'), gamma, [gamma.length]);
  const betaName = b.initializer(b.uniqueName('ln_beta'), beta, [beta.length]);
  return b.apply('Add', [b.apply('Mul', [normalized, gammaName]), betaName]);
}

/**
 * Input of a dilated 1-D convolution: x [B, T, D] -> [B, T, width·D], where position t holds
 * (x[t - h·d], ..., x[t], ..., x[t + h·d]) concatenated on the last axis, h = (width - 1) / 2,
 * d = dilation, and zeros for positions outside [0, T). Followed by linear() with a kernel
 * reshaped from [width, D, out] to [width·D, out] this is the 'same'-padded convolution.
 * T stays dynamic: x is zero-padded by h·d on both sides of the time axis, then each tap is a
 * Slice whose end is counted from the padded end (negative), so no Shape op is needed.
 */
export function shiftedConcat(b: OnnxGraphBuilder, x: string, dilation: number, width = 3): string {
  if (width < 1 || width % 2 === 0) throw new Error(`shiftedConcat needs an odd width, got ${width}.`);
  const half = (width - 1) / 2;
  const padLength = half * dilation;
  // Opset 17 Pad has no axes input, so pads cover every axis of the rank-3 input: [begins..., ends...].
  const pads = b.constInt64([0, padLength, 0, 0, padLength, 0], 'shift_pads');
  const padded = b.apply('Pad', [x, pads], { mode: 'constant' });
  const timeAxis = b.constInt64([1], 'shift_axes');
  const taps: string[] = [];
  for (let tap = 0; tap < width; tap++) {
    // In padded coordinates tap k (0-based) reads rows [k·d, padded length - (width-1-k)·d).
    const start = tap * dilation;
    const endFromBack = (width - 1 - tap) * dilation;
    const starts = b.constInt64([start], 'shift_start');
    const ends = b.constInt64([endFromBack === 0 ? SLICE_TO_END : -endFromBack], 'shift_end');
    taps.push(b.apply('Slice', [padded, starts, ends, timeAxis]));
  }
  return b.apply('Concat', taps, { axis: -1 });
}

/** x [B, T, D] · mask [B, T] (float 0/1): zeroes padded positions; mask is unsqueezed to [B, T, 1]. */
export function mulMask(b: OnnxGraphBuilder, x: string, mask: string): string {
  // Since opset 13 Unsqueeze takes its axes as an int64 input, not an attribute.
  const mask3d = b.apply('Unsqueeze', [mask, b.constInt64([-1], 'mask_axes')]);
  return b.apply('Mul', [x, mask3d]);
}

/** log(softmax(x)) over the last axis; any shape. */
export function logSoftmax(b: OnnxGraphBuilder, x: string): string {
  // Since opset 13 the axis means "this one axis", matching tf.logSoftmax on the last axis.
  return b.apply('LogSoftmax', [x], { axis: -1 });
}

/**
 * L2 normalization over the last axis: x [..., D] -> x / sqrt(sum(x²) + eps).
 * eps is added (not max'ed as in tf.math.l2_normalize) to match the engine's TF.js l2Normalize.
 */
export function l2Normalize(b: OnnxGraphBuilder, x: string, eps: number): string {
  // Opset 17 ReduceSumSquare still takes axes as an attribute.
  const squaredNorm = b.apply('ReduceSumSquare', [x], { axes: [-1], keepdims: 1 });
  const norm = b.apply('Sqrt', [b.apply('Add', [squaredNorm, b.constFloat(eps)])]);
  return b.apply('Div', [x, norm]);
}
