// The shape of the CNN model (models/cnn): what the manifest records and both runtimes (TF.js, ONNX) build from.

export interface EncoderConfig {
  /** Input feature width: word vector + shape flags + n-gram vector. */
  featureDims: number;
  /** Width of the contextual encoder's hidden states. */
  hiddenDims: number;
  /** One residual dilated convolution (kernel 3) per entry. */
  dilations: number[];
  /** Width of span embeddings (stage 2). */
  spanDims: number;
  /** Number of type-agnostic span tags (BIOES = 5). */
  spanTags: number;
  layerNormEps: number;
  /** Cosine-softmax scale of the typing head (logits = scale * cos). */
  typeScale: number;
}

/** Names of the encoder's weight tensors, in a fixed order, with their shapes. */
export function weightShapes(c: EncoderConfig): Array<[string, number[]]> {
  const shapes: Array<[string, number[]]> = [
    ['input.W', [c.featureDims, c.hiddenDims]],
    ['input.b', [c.hiddenDims]],
  ];
  c.dilations.forEach((_, l) => {
    shapes.push([`conv${l}.W`, [3 * c.hiddenDims, c.hiddenDims]]);
    shapes.push([`conv${l}.b`, [c.hiddenDims]]);
    shapes.push([`conv${l}.ln.g`, [c.hiddenDims]]);
    shapes.push([`conv${l}.ln.b`, [c.hiddenDims]]);
  });
  shapes.push(['tags.W', [c.hiddenDims, c.spanTags]]);
  shapes.push(['tags.b', [c.spanTags]]);
  shapes.push(['span.W', [3 * c.hiddenDims, c.spanDims]]);
  shapes.push(['span.b', [c.spanDims]]);
  return shapes;
}
