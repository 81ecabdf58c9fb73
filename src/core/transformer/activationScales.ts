// Fixed activation scales for the encoder's int8 products, calibrated on train sentences (never dev or test):
// as batch-independent as the shipped per-piece scales, one quantising pass instead of a range per piece. The
// codes cover, at each projection's input, a high quantile of the pieces' smallest and largest activations;
// what lies beyond saturates. Measured and not adopted (docs/BENCHMARKS.md 0.11): with the fused kernel they
// save no CPU, and they move span scores twice as far from float as per-piece scales do.
import * as ort from 'onnxruntime-node';
import { lengthBuckets } from '../batching';
import { createSessions, type SessionChoice } from '../model/onnxSessions';
import type { NamedArray } from '../model/weightsFile';
import type { TransformerConfig } from './architecture';
import type { PieceTokenizer } from './pieceTokenizer';
import { WINDOW_PIECES } from './pieceWindows';
import { buildTransformerInputRangesOnnx, type FixedInputScale } from './transformerOnnx';
import { BATCH_PIECES, pieceBatch } from './transformerRuntime';

/** At each projection's input (`l3.ffn2`): every piece's smallest and largest activation. */
export type InputRanges = Map<string, { low: Float32Array; high: Float32Array }>;

/** Runs the float encoder over `sentences` (those longer than one window are left out) and collects the ranges. */
export async function measureInputRanges(config: TransformerConfig, weights: Map<string, NamedArray>, tokenizer: PieceTokenizer, sentences: ReadonlyArray<readonly string[]>, choice: SessionChoice, threads = 0): Promise<InputRanges> {
  const { graph, projections } = buildTransformerInputRangesOnnx(config, weights);
  const [session] = await createSessions([() => graph], choice, threads);
  try {
    const kept = sentences.filter((s) => s.length > 0).map((s) => ({ words: s, pieced: tokenizer.pieceWords(s) })).filter((s) => s.pieced.ids.length <= WINDOW_PIECES);
    if (kept.length === 0) throw new Error('no calibration sentence fits in one window');
    const lows: number[][] = projections.map(() => []);
    const highs: number[][] = projections.map(() => []);
    for (const indices of lengthBuckets(kept.map((s) => s.pieced.ids.length + 2), BATCH_PIECES, 256)) {
      const batch = pieceBatch(tokenizer, indices.map((i) => kept[i].words), indices.map((i) => kept[i].pieced));
      const out = await session.run({
        ids: new ort.Tensor('int64', batch.ids, [batch.size, batch.pieces]),
        piece_mask: new ort.Tensor('float32', batch.pieceMask, [batch.size, batch.pieces]),
      });
      const low = out.input_low.data as Float32Array;
      const high = out.input_high.data as Float32Array;
      const P = projections.length;
      for (let row = 0; row < batch.size * batch.pieces; row++) {
        if (batch.pieceMask[row] === 0) continue; // padding never reaches a real piece's result
        for (let p = 0; p < P; p++) {
          lows[p].push(low[row * P + p]);
          highs[p].push(high[row * P + p]);
        }
      }
    }
    return new Map(projections.map((name, p) => [name, { low: Float32Array.from(lows[p]), high: Float32Array.from(highs[p]) }]));
  } finally {
    await session.release();
  }
}

/** The value below which a fraction `q` of `values` lies (nearest rank). */
export function quantile(values: Float32Array, q: number): number {
  if (values.length === 0) throw new Error('no values to take a quantile of');
  if (!(q >= 0 && q <= 1)) throw new Error(`a quantile must be in [0, 1], not ${q}`);
  const sorted = Float32Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/**
 * One fixed quantisation per projection: uint8 codes spanning [low, high], the (1 - q) quantile of the pieces'
 * smallest activations and the q quantile of their largest, widened to hold 0 (zero must be a code).
 */
export function activationScalesAt(ranges: InputRanges, q: number): Record<string, FixedInputScale> {
  const scales: Record<string, FixedInputScale> = {};
  for (const [name, { low, high }] of ranges) {
    const lo = Math.min(0, quantile(low, 1 - q));
    const hi = Math.max(0, quantile(high, q));
    // Seven significant digits: the scales are stored in the manifest as they were evaluated.
    const scale = Number((Math.max(hi - lo, 1e-9) / 255).toPrecision(7));
    scales[name] = { scale, zero: Math.min(255, Math.max(0, Math.round(-lo / scale))) };
  }
  return scales;
}
