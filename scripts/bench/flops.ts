// The arithmetic limit: model FLOPs per token counted from the architecture, and the GFLOP/s a large matrix
// product reaches with onnxruntime-node on this machine.
import * as ort from 'onnxruntime-node';
import { weightShapes, type EncoderConfig } from '../../src/core/model/architecture';
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

/** A one-node MatMul model, A [n, k] x B [k, m], both inputs, built with the project's graph builder. */
export function matMulModel(n: number, k: number, m: number): Uint8Array {
  const b = new OnnxGraphBuilder('bench_matmul');
  const a = b.input('A', 'float', [n, k]);
  const w = b.input('B', 'float', [k, m]);
  b.node('MatMul', [a, w], ['C']);
  b.output('C', 'float', [n, m]);
  return b.toBytes();
}

export interface MatMulResult {
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
  const session = await createSession(matMulModel(n, n, n), { provider: 'cpu', reason: 'benchmark' }, threads);
  try {
    const a = new Float32Array(n * n);
    const bData = new Float32Array(n * n);
    for (let i = 0; i < a.length; i++) {
      a[i] = ((i * 7919) % 1000) / 1000 - 0.5;
      bData[i] = ((i * 104729) % 1000) / 1000 - 0.5;
    }
    const feeds = { A: new ort.Tensor('float32', a, [n, n]), B: new ort.Tensor('float32', bData, [n, n]) };
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
    return { threads, size: [n, n, n], runs, medianMs: med, bestMs: best, gflops: flops / (med / 1000) / 1e9, bestGflops: flops / (best / 1000) / 1e9 };
  } finally {
    await session.release();
  }
}
