// The arithmetic limit: model FLOPs per token counted from the architecture (the CNN's per token; the
// transformer's per word, from its pieces and windows measured on the text), and the rate a large matrix
// product reaches with onnxruntime-node on this machine, in float32 and as an int8 product.
import * as ort from 'onnxruntime-node';
import { weightShapes, type EncoderConfig } from '../../src/core/model/architecture';
import { transformerWeightShapes, type TransformerConfig } from '../../src/core/transformer/architecture';
import { INT8_PROJECTIONS } from '../../src/core/transformer/transformerOnnx';
import type { TransformerRuntime } from '../../src/core/transformer/transformerRuntime';
import { OnnxGraphBuilder } from '../../src/core/onnx/graphBuilder';
import { createSession } from '../../src/core/model/onnxSessions';
import { median, now } from './common';

export interface FlopCount {
  /** Dense products the encoder runs for every token (input projection, each dilated conv, tag head). */
  encoderPerToken: number;
  /** The span head's product, per detected span. */
  spanHeadPerSpan: number;
  spansPerToken: number;
  /** encoderPerToken + spanHeadPerSpan x spansPerToken. */
  perToken: number;
  /** Each weight matrix, [in, out], and its 2*in*out. */
  matrices: Array<{ name: string; in: number; out: number; flops: number; per: 'token' | 'span' }>;
}

/** Weight matrices that run once per detected span rather than once per token. */
const PER_SPAN = new Set(['span.W']);

/**
 * FLOPs of the model per token, from the weight shapes of the architecture (weightShapes: every 2-D weight
 * is a dense product [in, out]; a kernel-3 dilated convolution is one [3D, D] product over the shifted
 * concatenation): 2*in*out per matrix, per token, plus the span head's per span times spans per token.
 * Element-wise work (bias, ReLU, layer norm, log-softmax, masks) is not counted: it is O(D) per token.
 */
export function modelFlops(architecture: EncoderConfig, spansPerToken: number): FlopCount {
  const matrices = weightShapes(architecture)
    .filter(([, shape]) => shape.length === 2)
    .map(([name, [inDims, outDims]]) => ({ name, in: inDims, out: outDims, flops: 2 * inDims * outDims, per: PER_SPAN.has(name) ? ('span' as const) : ('token' as const) }));
  const encoderPerToken = matrices.filter((m) => m.per === 'token').reduce((n, m) => n + m.flops, 0);
  const spanHeadPerSpan = matrices.filter((m) => m.per === 'span').reduce((n, m) => n + m.flops, 0);
  return { encoderPerToken, spanHeadPerSpan, spansPerToken, perToken: encoderPerToken + spanHeadPerSpan * spansPerToken, matrices };
}

/** How the transformer sees a text: its windows (sentences, or parts of long ones) in WordPiece pieces. */
export interface PieceShape {
  /** Words in the windows (a word in two overlapping windows counts twice: the encoder runs it twice). */
  words: number;
  windows: number;
  /** Pieces the encoder runs, [CLS] and [SEP] of every window included. */
  pieces: number;
  /** Sum over windows of pieces squared: attention costs S^2 per window of S pieces. */
  squaredPieces: number;
}

/** The windows and pieces of sentences (word lists) as the transformer runtime cuts them. */
export function pieceShape(runtime: TransformerRuntime, sentences: readonly string[][]): PieceShape {
  const shape: PieceShape = { words: 0, windows: 0, pieces: 0, squaredPieces: 0 };
  for (const words of sentences) {
    for (const w of runtime.windows(words)) {
      let pieces = 2; // [CLS] ... [SEP]
      for (let i = w.start; i < w.end; i++) pieces += runtime.tokenizer.piecesOf(words[i]).length;
      shape.words += w.end - w.start;
      shape.windows++;
      shape.pieces += pieces;
      shape.squaredPieces += pieces * pieces;
    }
  }
  return shape;
}

export interface TransformerFlopCount {
  /** Measured on the text (PieceShape): pieces per word, [CLS]/[SEP] included. */
  piecesPerWord: number;
  meanWindowPieces: number;
  /** S of the attention products: the window length averaged over pieces (sum S^2 / sum S), not over windows. */
  attentionWindowPieces: number;
  /** 2*in*out of each encoder projection summed over the layers (q, k, v, o, ffn1, ffn2), per piece. */
  projectionPerPiece: Record<string, number>;
  projectionsPerPiece: number;
  /** QK^T and attention x V: 2 * 2 * S * H per piece and layer. */
  attentionPerPiece: number;
  /** The heads on each word's first-piece state: input, conv0, tags. */
  headsPerWord: number;
  /** The span head, per detected span. */
  spanHeadPerSpan: number;
  spansPerWord: number;
  /** piecesPerWord * (projections + attention) + heads + span head * spans per word. */
  perWord: number;
  matrices: Array<{ name: string; in: number; out: number; flops: number; per: 'piece' | 'word' | 'span' }>;
}

/** The span head's matrix; the other matrices outside the encoder are the heads that run on every word (input, conv0, tags). */
const SPAN_HEAD = 'span.W';
/** l<i>.<projection>.W: the encoder projections, per layer. */
const PROJECTION = new RegExp(`^l\\d+\\.(${INT8_PROJECTIONS.join('|')})\\.W$`);

/**
 * FLOPs of the transformer per word, from its architecture (transformerWeightShapes, matrices [in, out]) and
 * the text's pieces and windows: the encoder runs on every piece (projections 2*in*out, attention products
 * 2 * 2 * S * H per layer), the heads on every word, the span head on every detected span. Element-wise work
 * (embeddings, layer norm, GELU, softmax, masks) is not counted.
 */
export function transformerFlops(c: TransformerConfig, shape: PieceShape, spansPerWord: number): TransformerFlopCount {
  const projection = (name: string) => PROJECTION.exec(name)?.[1];
  const matrices = transformerWeightShapes(c)
    .filter(([name, dims]) => dims.length === 2 && !name.startsWith('emb.'))
    .map(([name, [inDims, outDims]]) => ({ name, in: inDims, out: outDims, flops: 2 * inDims * outDims, per: projection(name) ? ('piece' as const) : name === SPAN_HEAD ? ('span' as const) : ('word' as const) }));
  const projectionPerPiece: Record<string, number> = {};
  for (const m of matrices) {
    const p = projection(m.name);
    if (p) projectionPerPiece[p] = (projectionPerPiece[p] ?? 0) + m.flops;
  }
  const projectionsPerPiece = Object.values(projectionPerPiece).reduce((a, b) => a + b, 0);
  const attentionWindowPieces = shape.squaredPieces / shape.pieces;
  const attentionPerPiece = c.layers * 2 * 2 * attentionWindowPieces * c.hiddenDims;
  const headsPerWord = matrices.filter((m) => m.per === 'word').reduce((n, m) => n + m.flops, 0);
  const spanHeadPerSpan = matrices.filter((m) => m.per === 'span').reduce((n, m) => n + m.flops, 0);
  const piecesPerWord = shape.pieces / shape.words;
  return {
    piecesPerWord,
    meanWindowPieces: shape.pieces / shape.windows,
    attentionWindowPieces,
    projectionPerPiece,
    projectionsPerPiece,
    attentionPerPiece,
    headsPerWord,
    spanHeadPerSpan,
    spansPerWord,
    perWord: piecesPerWord * (projectionsPerPiece + attentionPerPiece) + headsPerWord + spanHeadPerSpan * spansPerWord,
    matrices,
  };
}

/** FLOPs per word of the encoder projections in `int8` (names of INT8_PROJECTIONS): what runs as int8 products. */
export function int8FlopsPerWord(f: TransformerFlopCount, int8: readonly string[]): number {
  return f.piecesPerWord * int8.reduce((n, p) => n + (f.projectionPerPiece[p] ?? 0), 0);
}

/** A one-node MatMul model, A [n, k] x B [k, m], both inputs, built with the project's graph builder. */
export function matMulModel(n: number, k: number, m: number): Uint8Array {
  const b = new OnnxGraphBuilder('bench_matmul');
  const a = b.input('A', 'float', [n, k]);
  const w = b.input('B', 'float', [k, m]);
  b.node('MatMul', [a, w], ['C']);
  b.output('C', 'float', [n, m]);
  return b.toBytes();
}

/**
 * A one-node MatMulInteger model: A [n, k] uint8 input x B [k, m] int8 constant -> int32, the product the
 * transformer's int8 projections run (there B is the constant weight as well, which ORT may prepack).
 */
export function matMulIntegerModel(n: number, k: number, m: number): Uint8Array {
  const b = new OnnxGraphBuilder('bench_matmul_integer');
  const a = b.input('A', 'uint8', [n, k]);
  const weights = new Int8Array(k * m);
  for (let i = 0; i < weights.length; i++) weights[i] = ((i * 104729) % 255) - 127;
  const w = b.initializer('B', weights, [k, m]);
  b.node('MatMulInteger', [a, w], ['C']);
  b.output('C', 'int32', [n, m]);
  return b.toBytes();
}

export interface MatMulResult {
  /** float32: MatMul; int8: MatMulInteger (uint8 x int8 -> int32); rates are in (integer) operations per second. */
  kind: 'float32' | 'int8';
  threads: number;
  size: [number, number, number];
  runs: number;
  medianMs: number;
  bestMs: number;
  /** From the median time. */
  gflops: number;
  bestGflops: number;
}

/** GFLOP/s of an n x n x n float32 MatMul with onnxruntime-node on the CPU (best and median of `runs` after warm-up). */
export async function matMulGflops(threads: number, n = 1024, runs = 20): Promise<MatMulResult> {
  const a = new Float32Array(n * n);
  const bData = new Float32Array(n * n);
  for (let i = 0; i < a.length; i++) {
    a[i] = ((i * 7919) % 1000) / 1000 - 0.5;
    bData[i] = ((i * 104729) % 1000) / 1000 - 0.5;
  }
  const feeds = { A: new ort.Tensor('float32', a, [n, n]), B: new ort.Tensor('float32', bData, [n, n]) };
  return timedProduct('float32', matMulModel(n, n, n), feeds, threads, n, runs);
}

/** The same for an n x n x n MatMulInteger (uint8 x int8 -> int32): GOP/s, one multiply-add counted as 2 operations. */
export async function matMulIntegerGops(threads: number, n = 1024, runs = 20): Promise<MatMulResult> {
  const a = new Uint8Array(n * n);
  for (let i = 0; i < a.length; i++) a[i] = (i * 7919) % 256;
  return timedProduct('int8', matMulIntegerModel(n, n, n), { A: new ort.Tensor('uint8', a, [n, n]) }, threads, n, runs);
}

async function timedProduct(kind: MatMulResult['kind'], model: Uint8Array, feeds: Record<string, ort.Tensor>, threads: number, n: number, runs: number): Promise<MatMulResult> {
  const session = await createSession(model, { provider: 'cpu', reason: 'benchmark' }, threads);
  try {
    for (let i = 0; i < 3; i++) await session.run(feeds);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = now();
      await session.run(feeds);
      times.push(now() - t);
    }
    const flops = 2 * n * n * n;
    const med = median(times);
    const best = Math.min(...times);
    return { kind, threads, size: [n, n, n], runs, medianMs: med, bestMs: best, gflops: flops / (med / 1000) / 1e9, bestGflops: flops / (best / 1000) / 1e9 };
  } finally {
    await session.release();
  }
}
