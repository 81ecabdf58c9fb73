// Writes the trained encoder and span head as ONNX graphs (same math as encoderTf.ts, op for op):
//   encoder.onnx   features [B, T, F], mask [B, T] -> tag_log_probs [B, T, 5], hidden [B, T, D]
//   span-head.onnx span_features [M, 3D]            -> span_embeddings [M, P] (unit length)
import { join } from 'node:path';
import type { EncoderConfig } from './architecture';
import type { NamedArray } from './weightsFile';
import { OnnxGraphBuilder } from '../onnx/graphBuilder';
import { layerNorm, linear, logSoftmax, l2Normalize, mulMask, relu, shiftedConcat } from '../onnx/layers';
import { writeFileAtomic } from '../io/atomicWrite';

type WeightTable = Map<string, NamedArray>;

function get(weights: WeightTable, name: string): Float32Array {
  const w = weights.get(name);
  if (!w) throw new Error(`model weights lack ${name}`);
  return w.data;
}

export function buildEncoderOnnx(c: EncoderConfig, weights: WeightTable): Uint8Array {
  const b = new OnnxGraphBuilder('baner_encoder');
  const D = c.hiddenDims;
  const features = b.input('features', 'float', ['batch', 'time', c.featureDims]);
  const mask = b.input('mask', 'float', ['batch', 'time']);
  let h = mulMask(b, relu(b, linear(b, features, get(weights, 'input.W'), c.featureDims, D, get(weights, 'input.b'))), mask);
  c.dilations.forEach((d, l) => {
    const u = relu(b, linear(b, shiftedConcat(b, h, d), get(weights, `conv${l}.W`), 3 * D, D, get(weights, `conv${l}.b`)));
    const sum = b.apply('Add', [h, u]);
    h = mulMask(b, layerNorm(b, sum, get(weights, `conv${l}.ln.g`), get(weights, `conv${l}.ln.b`), c.layerNormEps), mask);
  });
  const tags = logSoftmax(b, linear(b, h, get(weights, 'tags.W'), D, c.spanTags, get(weights, 'tags.b')));
  b.node('Identity', [tags], ['tag_log_probs']);
  b.node('Identity', [h], ['hidden']);
  b.output('tag_log_probs', 'float', ['batch', 'time', c.spanTags]);
  b.output('hidden', 'float', ['batch', 'time', D]);
  return b.toBytes();
}

export function buildSpanHeadOnnx(c: EncoderConfig, weights: WeightTable): Uint8Array {
  const b = new OnnxGraphBuilder('baner_span_head');
  const x = b.input('span_features', 'float', ['spans', 3 * c.hiddenDims]);
  const e = l2Normalize(b, linear(b, x, get(weights, 'span.W'), 3 * c.hiddenDims, c.spanDims, get(weights, 'span.b')), 1e-6);
  b.node('Identity', [e], ['span_embeddings']);
  b.output('span_embeddings', 'float', ['spans', c.spanDims]);
  return b.toBytes();
}

export async function exportOnnxModels(dir: string, c: EncoderConfig, weights: WeightTable): Promise<void> {
  writeFileAtomic(join(dir, 'encoder.onnx'), buildEncoderOnnx(c, weights));
  writeFileAtomic(join(dir, 'span-head.onnx'), buildSpanHeadOnnx(c, weights));
}
