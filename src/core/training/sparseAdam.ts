// Adam on the rows of a large table that a step actually touched ("lazy" Adam). The wasm backend cannot
// differentiate a gather from a trainable table, so the n-gram table lives in JS and is updated here.
export class SparseAdam {
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  private step = 0;

  constructor(
    private readonly table: Float32Array,
    private readonly dims: number,
    public learningRate: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-8,
  ) {
    this.m = new Float32Array(table.length);
    this.v = new Float32Array(table.length);
  }

  /** rowGrads maps a row id to its accumulated gradient (length dims). */
  apply(rowGrads: Map<number, Float32Array>): void {
    this.step++;
    const c1 = 1 - Math.pow(this.beta1, this.step);
    const c2 = 1 - Math.pow(this.beta2, this.step);
    const { m, v, table, dims, beta1, beta2, eps } = this;
    const lr = this.learningRate;
    for (const [row, g] of rowGrads) {
      const base = row * dims;
      for (let d = 0; d < dims; d++) {
        const i = base + d;
        m[i] = beta1 * m[i] + (1 - beta1) * g[d];
        v[i] = beta2 * v[i] + (1 - beta2) * g[d] * g[d];
        table[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
      }
    }
  }
}
