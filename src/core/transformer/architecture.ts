// The shape of a transformer model: what its manifest records and both runtimes (ONNX, TF.js) build from.
// Weight names are shared with the PyTorch training code (scripts/transformer/model.py); matrices are [in, out].

export interface TransformerConfig {
  family: 'transformer';
  vocabSize: number;
  hiddenDims: number;
  maxPositions: number;
  layers: number;
  heads: number;
  ffnDims: number;
  /** Layer norm epsilon of the encoder (BERT: 1e-12); the heads' convolution block uses 1e-5. */
  layerNormEps: number;
  /** Shape flags per word fed to the heads beside its state. */
  wordFlags: number;
  /** Width of the heads' word states. */
  headDims: number;
  spanDims: number;
  spanTags: number;
  typeScale: number;
}

export const HEAD_LAYER_NORM_EPS = 1e-5;

/** Every weight of the model with its shape, in a fixed order. */
export function transformerWeightShapes(c: TransformerConfig): Array<[string, number[]]> {
  const H = c.hiddenDims;
  const D = c.headDims;
  const shapes: Array<[string, number[]]> = [
    ['emb.word', [c.vocabSize, H]],
    ['emb.pos', [c.maxPositions, H]],
    ['emb.type', [H]],
    ['emb.ln.g', [H]],
    ['emb.ln.b', [H]],
  ];
  for (let i = 0; i < c.layers; i++) {
    for (const p of ['q', 'k', 'v', 'o']) shapes.push([`l${i}.${p}.W`, [H, H]], [`l${i}.${p}.b`, [H]]);
    shapes.push([`l${i}.ln1.g`, [H]], [`l${i}.ln1.b`, [H]]);
    shapes.push([`l${i}.ffn1.W`, [H, c.ffnDims]], [`l${i}.ffn1.b`, [c.ffnDims]]);
    shapes.push([`l${i}.ffn2.W`, [c.ffnDims, H]], [`l${i}.ffn2.b`, [H]]);
    shapes.push([`l${i}.ln2.g`, [H]], [`l${i}.ln2.b`, [H]]);
  }
  shapes.push(['input.W', [H + c.wordFlags, D]], ['input.b', [D]]);
  shapes.push(['conv0.W', [3 * D, D]], ['conv0.b', [D]], ['conv0.ln.g', [D]], ['conv0.ln.b', [D]]);
  shapes.push(['tags.W', [D, c.spanTags]], ['tags.b', [c.spanTags]]);
  shapes.push(['span.W', [3 * (H + D), c.spanDims]], ['span.b', [c.spanDims]]);
  return shapes;
}
