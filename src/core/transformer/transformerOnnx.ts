// The transformer model as ONNX graphs, built in memory from its weights (the shipped ones, or an adapter
// merged into them): the same math as scripts/transformer/model.py and transformerTf.ts, op for op.
//   encoder + heads: ids [B, S] int64, piece_mask [B, S], word_rows [B*T] int64 (each word's first piece in
//                    the flattened [B*S] states), word_mask [B, T], flags [B, T, Fl]
//                    -> tag_log_probs [B, T, 5], hidden [B, T, H + D] (span features are made of it)
//                    (+ layer_states [B, S, H] after one chosen layer, for adaptation's frozen part)
//   span head:       span_features [M, 3(H + D)] -> span_embeddings [M, P] (unit length)
import { OnnxGraphBuilder } from '../onnx/graphBuilder';
import { l2Normalize, linear, logSoftmax, mulMask, shiftedConcat } from '../onnx/layers';
import { quantize, type NamedArray } from '../model/weightsFile';
import { HEAD_LAYER_NORM_EPS, type TransformerConfig } from './architecture';

type WeightTable = Map<string, NamedArray>;

function tensor(weights: WeightTable, name: string): NamedArray {
  const w = weights.get(name);
  if (!w) throw new Error(`model weights lack ${name}`);
  return w;
}

function get(weights: WeightTable, name: string): Float32Array {
  return tensor(weights, name).data;
}

/**
 * Rows of the piece embedding table for ids [B, S] -> [B, S, H]. A table stored as int8 (one scale per row)
 * stays int8 in the graph, a quarter of the memory: rows and their scales are gathered, then multiplied.
 */
function embeddingRows(b: OnnxGraphBuilder, table: NamedArray, ids: string): string {
  const [V, H] = table.shape;
  const q = table.quantized;
  if (!q?.perRow) return b.apply('Gather', [b.initializer('emb_word', table.data, [V, H]), ids], { axis: 0 });
  const rows = b.apply('Cast', [b.apply('Gather', [b.initializer('emb_word_q', q.values, [V, H]), ids], { axis: 0 })], { to: 1 });
  const scales = b.apply('Unsqueeze', [b.apply('Gather', [b.initializer('emb_word_scale', q.scales, [V]), ids], { axis: 0 }), b.constInt64([-1])]);
  return b.apply('Mul', [rows, scales]);
}

/** ONNX LayerNormalization (opset 17) over the last axis. */
function layerNormOp(b: OnnxGraphBuilder, x: string, gamma: Float32Array, beta: Float32Array, eps: number): string {
  const g = b.initializer(b.uniqueName('ln_g'), gamma, [gamma.length]);
  const bias = b.initializer(b.uniqueName('ln_b'), beta, [beta.length]);
  return b.apply('LayerNormalization', [x, g, bias], { axis: -1, epsilon: { float: eps } });
}

/**
 * GELU, exact erf form: x (1 + erf(x / sqrt 2)) 0.5, written in the order onnxruntime's Gelu fusion looks for
 * (Div, Erf, Add, Mul, Mul), so that it runs as one kernel.
 */
function geluErf(b: OnnxGraphBuilder, x: string): string {
  const erf = b.apply('Erf', [b.apply('Div', [x, b.constFloat(Math.SQRT2)])]);
  return b.apply('Mul', [b.apply('Mul', [x, b.apply('Add', [erf, b.constFloat(1)])]), b.constFloat(0.5)]);
}

/** An input quantised per row: uint8 codes [N, in] (zero point 128), the codes' scales [N, 1], x's leading dims. */
interface RowCodes {
  codes: string;
  zero: string;
  scales: string;
  leading: string;
}

/** Row codes per builder and input name: q, k and v read the same x and share its quantisation. */
const rowCodes = new WeakMap<OnnxGraphBuilder, Map<string, RowCodes>>();

/**
 * Each row (piece) of x [..., in] quantised on its own, symmetrically: code = round(x / s) + 128 with
 * s = max|x_row| / 127. One scale per call instead would make a sentence's scores depend on the other sentences
 * of its batch (docs/BENCHMARKS.md 0.10).
 */
function quantiseRows(b: OnnxGraphBuilder, x: string, inDim: number): RowCodes {
  const known = rowCodes.get(b) ?? new Map<string, RowCodes>();
  rowCodes.set(b, known);
  const cached = known.get(x);
  if (cached) return cached;
  const rows = b.apply('Reshape', [x, b.constInt64([-1, inDim], 'rows_shape')]);
  const absMax = b.apply('ReduceMax', [b.apply('Abs', [rows])], { axes: [1], keepdims: 0 }); // [N]
  const scale = b.apply('Mul', [b.apply('Max', [absMax, b.constFloat(1e-12)]), b.constFloat(1 / 127)]);
  const zero = b.apply('Cast', [b.apply('Add', [b.apply('Mul', [scale, b.constFloat(0)]), b.constFloat(128)])], { to: 2 });
  const codes = b.apply('QuantizeLinear', [rows, scale, zero], { axis: 0 });
  const leading = b.apply('Slice', [b.apply('Shape', [x]), b.constInt64([0], 'from'), b.constInt64([-1], 'to')]);
  const result = { codes, zero: b.initializer(b.uniqueName('x_zero'), new Uint8Array([128]), []), scales: b.apply('Unsqueeze', [scale, b.constInt64([1], 'axis1')]), leading };
  known.set(x, result);
  return result;
}

/** The weight of an int8 product: int8 with one scale per output column, as stored or quantised here. */
function int8Weight(b: OnnxGraphBuilder, W: NamedArray, inDim: number, outDim: number): { weight: string; scales: Float32Array; zero: string } {
  // Weights stored as int8 per column are used as they are; others (an adapter merged in) are quantised here.
  const q = W.quantized && !W.quantized.perRow ? W.quantized : quantize(W.data, inDim, outDim, false);
  return { weight: b.initializer(b.uniqueName('q_W'), q.values, [inDim, outDim]), scales: q.scales, zero: b.initializer(b.uniqueName('q_zero'), new Int8Array(outDim), [outDim]) };
}

/**
 * x [..., in] · W + bias with W as int8 (one scale per output column) and x as uint8 per row (quantiseRows):
 * the integer product runs in onnxruntime's MatMulIntegerToFloat kernel, several times the float throughput,
 * which applies the column scales as it writes the product out; the row scales and the bias follow. (The
 * row scales cannot go into that kernel: it takes one scale for all of x. MatMulInteger, a cast and two
 * multiplies did the same with two more passes over the output: 15-25% more CPU per highlighted text.)
 */
function int8Linear(b: OnnxGraphBuilder, x: string, W: NamedArray, inDim: number, outDim: number, bias: Float32Array): string {
  const { weight, scales, zero } = int8Weight(b, W, inDim, outDim);
  const input = quantiseRows(b, x, inDim);
  const unit = b.initializer(b.uniqueName('unit_scale'), Float32Array.of(1), []);
  const columns = b.apply('MatMulIntegerToFloat', [input.codes, weight, unit, b.initializer(b.uniqueName('q_scale'), scales, [outDim]), input.zero, zero], {}, 'com.microsoft'); // [N, out]
  const rows = b.apply('Add', [b.apply('Mul', [columns, input.scales]), b.initializer(b.uniqueName('q_b'), bias, [outDim])]);
  return b.apply('Reshape', [rows, b.apply('Concat', [input.leading, b.constInt64([outDim], 'out_dim')], { axis: 0 })]);
}

/** Codes of x under a fixed quantisation, per builder and input: q, k and v read the same x and share them. */
const fixedCodes = new WeakMap<OnnxGraphBuilder, Map<string, { codes: string; scale: string; zero: string }>>();

/**
 * A fixed quantisation of a projection's input, calibrated at build time (activationScales.ts): code =
 * round(x / scale) + zero, saturated to 0..255. Asymmetric, since some inputs are nearly one-signed (GELU's).
 */
export interface FixedInputScale {
  scale: number;
  zero: number;
}

/**
 * x [..., in] · W + bias with x quantised by a fixed scale (FixedInputScale): as batch-independent as one
 * scale per piece, and onnxruntime runs it as one MatMulIntegerToFloat kernel (scales and bias applied as
 * the integer product is written out) after a single quantising pass over x.
 */
function int8LinearFixed(b: OnnxGraphBuilder, x: string, W: NamedArray, inDim: number, outDim: number, bias: Float32Array, fixed: FixedInputScale, name: string): string {
  if (!(Number.isFinite(fixed?.scale) && fixed.scale > 0) || !(Number.isInteger(fixed.zero) && fixed.zero >= 0 && fixed.zero <= 255)) {
    throw new Error(`the activation scale of ${name} must be {scale > 0, zero 0..255}, not ${JSON.stringify(fixed)}`);
  }
  const { weight, scales, zero } = int8Weight(b, W, inDim, outDim);
  const known = fixedCodes.get(b) ?? new Map();
  fixedCodes.set(b, known);
  const codesKey = `${x}@${fixed.scale}@${fixed.zero}`;
  let input = known.get(codesKey);
  if (!input) {
    const scale = b.initializer(b.uniqueName('x_scale'), Float32Array.of(fixed.scale), []);
    const z = b.initializer(b.uniqueName('x_zero'), Uint8Array.of(fixed.zero), []);
    input = { codes: b.apply('QuantizeLinear', [x, scale, z]), scale, zero: z };
    known.set(codesKey, input);
  }
  const columnScales = b.initializer(b.uniqueName('q_scale'), scales, [outDim]);
  const biasName = b.initializer(b.uniqueName('q_b'), bias, [outDim]);
  return b.apply('MatMulIntegerToFloat', [input.codes, weight, input.scale, columnScales, input.zero, zero, biasName], {}, 'com.microsoft');
}

/** One post-norm BERT layer on x [B, S, H]; bias [B, 1, 1, S] masks padded keys. */
function encoderLayer(b: OnnxGraphBuilder, c: TransformerConfig, w: WeightTable, i: number, x: string, bias: string, int8: Int8Products): string {
  const H = c.hiddenDims;
  const d = H / c.heads;
  const dense = (input: string, name: string, inDim: number, outDim: number) => {
    int8.probe?.(`l${i}.${name}`, input);
    const W = tensor(w, `l${i}.${name}.W`);
    const fixed = int8.scales?.[`l${i}.${name}`];
    if (!int8.products.includes(name)) return linear(b, input, W.data, inDim, outDim, get(w, `l${i}.${name}.b`));
    if (fixed !== undefined) return int8LinearFixed(b, input, W, inDim, outDim, get(w, `l${i}.${name}.b`), fixed, `l${i}.${name}`);
    return int8Linear(b, input, W, inDim, outDim, get(w, `l${i}.${name}.b`));
  };
  const headsShape = b.constInt64([0, 0, c.heads, d], 'heads_shape');
  const split = (t: string, perm: number[]) => b.apply('Transpose', [b.apply('Reshape', [t, headsShape])], { perm });
  const q = split(dense(x, 'q', H, H), [0, 2, 1, 3]); // [B, heads, S, d]
  const kT = split(dense(x, 'k', H, H), [0, 2, 3, 1]); // [B, heads, d, S]
  const v = split(dense(x, 'v', H, H), [0, 2, 1, 3]);
  const scores = b.apply('Add', [b.apply('Mul', [b.apply('MatMul', [q, kT]), b.constFloat(1 / Math.sqrt(d))]), bias]);
  const attention = b.apply('Softmax', [scores], { axis: -1 });
  const context = b.apply('Reshape', [b.apply('Transpose', [b.apply('MatMul', [attention, v])], { perm: [0, 2, 1, 3] }), b.constInt64([0, 0, H], 'merge_shape')]);
  const x1 = layerNormOp(b, b.apply('Add', [x, dense(context, 'o', H, H)]), get(w, `l${i}.ln1.g`), get(w, `l${i}.ln1.b`), c.layerNormEps);
  const ffn = dense(geluErf(b, dense(x1, 'ffn1', H, c.ffnDims)), 'ffn2', c.ffnDims, H);
  return layerNormOp(b, b.apply('Add', [x1, ffn]), get(w, `l${i}.ln2.g`), get(w, `l${i}.ln2.b`), c.layerNormEps);
}

export interface TransformerGraphOptions {
  /** Also output the piece states after this encoder layer (0-based) as `layer_states`. */
  layerOutput?: number;
  /** Encoder products in int8 (weights per output column, activations per piece): which projections. */
  int8?: readonly string[];
  /**
   * Fixed activation scales of the int8 products, by projection (`l3.ffn2`), calibrated at build time
   * (activationScales.ts); a product without one quantises its activations per piece.
   */
  activationScales?: Readonly<Record<string, FixedInputScale>>;
}

/** How the encoder's projections run: which as int8, with which fixed scales; probe sees every projection's input. */
interface Int8Products {
  products: readonly string[];
  scales?: Readonly<Record<string, FixedInputScale>>;
  probe?: (projection: string, input: string) => void;
}

/** The encoder projections int8 applies to when it is on. */
export const INT8_PROJECTIONS = ['q', 'k', 'v', 'o', 'ffn1', 'ffn2'] as const;

/** Embeddings and encoder layers 0..layers-1 on ids [B, S]; returns the states and layerOutput's states. */
function encoderGraph(b: OnnxGraphBuilder, c: TransformerConfig, w: WeightTable, ids: string, pieceMask: string, layers: number, layerOutput?: number, int8: Int8Products = { products: [] }): { x: string; layerStates?: string } {
  const H = c.hiddenDims;
  // Embeddings: piece + position (0..S-1) + token type 0, then layer norm.
  const posTable = b.initializer('emb_pos', get(w, 'emb.pos'), [c.maxPositions, H]);
  const pieces = b.apply('Slice', [b.apply('Shape', [ids]), b.constInt64([1]), b.constInt64([2])]);
  const positions = b.apply('Slice', [posTable, b.constInt64([0]), pieces, b.constInt64([0])]);
  const summed = b.apply('Add', [b.apply('Add', [embeddingRows(b, tensor(w, 'emb.word'), ids), positions]), b.constFloat(Array.from(get(w, 'emb.type')), [H])]);
  let x = layerNormOp(b, summed, get(w, 'emb.ln.g'), get(w, 'emb.ln.b'), c.layerNormEps);
  // Padded keys get -1e4 before the softmax (as in training).
  const keyBias = b.apply('Unsqueeze', [b.apply('Mul', [b.apply('Sub', [b.constFloat(1), pieceMask]), b.constFloat(-1e4)]), b.constInt64([1, 2])]);
  let layerStates: string | undefined;
  for (let i = 0; i < layers; i++) {
    x = encoderLayer(b, c, w, i, x, keyBias, int8);
    if (i === layerOutput) layerStates = x;
  }
  return { x, layerStates };
}

/** The frozen lower part adaptation caches: ids [B, S], piece_mask [B, S] -> layer_states [B, S, H] after layer layers-1. */
export function buildTransformerLowerOnnx(c: TransformerConfig, w: WeightTable, layers: number): Uint8Array {
  if (!(layers >= 1 && layers <= c.layers)) throw new Error(`the lower part must have 1..${c.layers} layers, not ${layers}`);
  const b = new OnnxGraphBuilder('baner_transformer_lower');
  const ids = b.input('ids', 'int64', ['batch', 'pieces']);
  const pieceMask = b.input('piece_mask', 'float', ['batch', 'pieces']);
  const { x } = encoderGraph(b, c, w, ids, pieceMask, layers);
  b.node('Identity', [x], ['layer_states']);
  b.output('layer_states', 'float', ['batch', 'pieces', c.hiddenDims]);
  return b.toBytes();
}

/** Each word's first-piece state: rows of the flattened [B*S, H] states, back to [B, T, H]. */
function firstPieceStates(b: OnnxGraphBuilder, H: number, x: string, wordRows: string, wordMask: string): string {
  const flat = b.apply('Reshape', [x, b.constInt64([-1, H])]);
  const wordShape = b.apply('Concat', [b.apply('Shape', [wordMask]), b.constInt64([H])], { axis: 0 });
  return b.apply('Reshape', [b.apply('Gather', [flat, wordRows], { axis: 0 }), wordShape]);
}

/** Heads: [h | flags] -> u; z = LN(u + GELU(conv(u))); tags from z; g = [h | z]. Declares the outputs. */
function headsGraph(b: OnnxGraphBuilder, c: TransformerConfig, w: WeightTable, h: string, flags: string, wordMask: string): void {
  const H = c.hiddenDims;
  const D = c.headDims;
  const u = mulMask(b, geluErf(b, linear(b, b.apply('Concat', [h, flags], { axis: -1 }), get(w, 'input.W'), H + c.wordFlags, D, get(w, 'input.b'))), wordMask);
  const conv = geluErf(b, linear(b, shiftedConcat(b, u, 1), get(w, 'conv0.W'), 3 * D, D, get(w, 'conv0.b')));
  const z = mulMask(b, layerNormOp(b, b.apply('Add', [u, conv]), get(w, 'conv0.ln.g'), get(w, 'conv0.ln.b'), HEAD_LAYER_NORM_EPS), wordMask);
  const tags = logSoftmax(b, linear(b, z, get(w, 'tags.W'), D, c.spanTags, get(w, 'tags.b')));
  const g = mulMask(b, b.apply('Concat', [h, z], { axis: -1 }), wordMask);
  b.node('Identity', [tags], ['tag_log_probs']);
  b.node('Identity', [g], ['hidden']);
  b.output('tag_log_probs', 'float', ['batch', 'words', c.spanTags]);
  b.output('hidden', 'float', ['batch', 'words', H + D]);
}

export function buildTransformerOnnx(c: TransformerConfig, w: WeightTable, options: TransformerGraphOptions = {}): Uint8Array {
  const b = new OnnxGraphBuilder('baner_transformer');
  const ids = b.input('ids', 'int64', ['batch', 'pieces']);
  const pieceMask = b.input('piece_mask', 'float', ['batch', 'pieces']);
  const wordRows = b.input('word_rows', 'int64', ['rows']);
  const wordMask = b.input('word_mask', 'float', ['batch', 'words']);
  const flags = b.input('flags', 'float', ['batch', 'words', c.wordFlags]);
  const { x, layerStates } = encoderGraph(b, c, w, ids, pieceMask, c.layers, options.layerOutput, { products: options.int8 ?? [], scales: options.activationScales });
  headsGraph(b, c, w, firstPieceStates(b, c.hiddenDims, x, wordRows, wordMask), flags, wordMask);
  if (options.layerOutput !== undefined) {
    if (!layerStates) throw new Error(`layerOutput ${options.layerOutput} is not a layer of this ${c.layers}-layer model`);
    b.node('Identity', [layerStates], ['layer_states']);
    b.output('layer_states', 'float', ['batch', 'pieces', c.hiddenDims]);
  }
  return b.toBytes();
}

/** The encoder alone, up to each word's first-piece state: the half that heads-only adapters leave unchanged. */
export function buildTransformerWordStatesOnnx(c: TransformerConfig, w: WeightTable, options: Pick<TransformerGraphOptions, 'int8' | 'activationScales'> = {}): Uint8Array {
  const b = new OnnxGraphBuilder('baner_transformer_word_states');
  const ids = b.input('ids', 'int64', ['batch', 'pieces']);
  const pieceMask = b.input('piece_mask', 'float', ['batch', 'pieces']);
  const wordRows = b.input('word_rows', 'int64', ['rows']);
  const wordMask = b.input('word_mask', 'float', ['batch', 'words']);
  const { x } = encoderGraph(b, c, w, ids, pieceMask, c.layers, undefined, { products: options.int8 ?? [], scales: options.activationScales });
  b.node('Identity', [firstPieceStates(b, c.hiddenDims, x, wordRows, wordMask)], ['word_states']);
  b.output('word_states', 'float', ['batch', 'words', c.hiddenDims]);
  return b.toBytes();
}

/**
 * The float encoder with, for calibrating fixed activation scales, each piece's smallest and largest activation
 * at the input of every encoder projection: ids [B, S], piece_mask [B, S] -> input_low, input_high [B, S, P],
 * P in `projections` order.
 */
export function buildTransformerInputRangesOnnx(c: TransformerConfig, w: WeightTable): { graph: Uint8Array; projections: string[] } {
  const b = new OnnxGraphBuilder('baner_transformer_input_ranges');
  const ids = b.input('ids', 'int64', ['batch', 'pieces']);
  const pieceMask = b.input('piece_mask', 'float', ['batch', 'pieces']);
  const projections: string[] = [];
  const lows: string[] = [];
  const highs: string[] = [];
  const probe = (projection: string, input: string) => {
    projections.push(projection);
    lows.push(b.apply('ReduceMin', [input], { axes: [-1], keepdims: 1 }));
    highs.push(b.apply('ReduceMax', [input], { axes: [-1], keepdims: 1 }));
  };
  encoderGraph(b, c, w, ids, pieceMask, c.layers, undefined, { products: [], probe });
  b.node('Concat', lows, ['input_low'], { axis: -1 });
  b.node('Concat', highs, ['input_high'], { axis: -1 });
  b.output('input_low', 'float', ['batch', 'pieces', projections.length]);
  b.output('input_high', 'float', ['batch', 'pieces', projections.length]);
  return { graph: b.toBytes(), projections };
}

/** The heads alone, from the words' encoder states. */
export function buildTransformerHeadsOnnx(c: TransformerConfig, w: WeightTable): Uint8Array {
  const b = new OnnxGraphBuilder('baner_transformer_heads');
  const h = b.input('word_states', 'float', ['batch', 'words', c.hiddenDims]);
  const wordMask = b.input('word_mask', 'float', ['batch', 'words']);
  const flags = b.input('flags', 'float', ['batch', 'words', c.wordFlags]);
  headsGraph(b, c, w, h, flags, wordMask);
  return b.toBytes();
}

export function buildTransformerSpanHeadOnnx(c: TransformerConfig, w: WeightTable): Uint8Array {
  const b = new OnnxGraphBuilder('baner_transformer_span_head');
  const G = c.hiddenDims + c.headDims;
  const x = b.input('span_features', 'float', ['spans', 3 * G]);
  const e = l2Normalize(b, linear(b, x, get(w, 'span.W'), 3 * G, c.spanDims, get(w, 'span.b')), 1e-6);
  b.node('Identity', [e], ['span_embeddings']);
  b.output('span_embeddings', 'float', ['spans', c.spanDims]);
  return b.toBytes();
}
