// A LoRA adapter: low-rank deltas on named weight matrices of the base model, W' = W + (alpha / r) A B,
// with B starting at zero so a new adapter changes nothing until trained. It carries the type space
// (prototypes) learned with it, so loading an adapter brings its entity types along.
import type { NamedArray } from '../model/weightsFile';

export const ADAPTER_FORMAT = 'baner-lora/1';
/** The upper encoder blocks, the span-tag head and the span projection. */
export const DEFAULT_TARGETS = ['conv2.W', 'conv3.W', 'tags.W', 'span.W'];
/** Label of the prototype built from spans that are not entities (rejected or wrongly detected). */
export const NOT_AN_ENTITY = 'O';

export interface AdapterConfig {
  format: typeof ADAPTER_FORMAT;
  name: string;
  baseModel: { id: string; hash: string };
  rank: number;
  alpha: number;
  targets: string[];
  types: string[];
  created: string;
  /** How it was made: method, support size and mentions per type, steps, losses, LoRAHub weights, seconds. */
  training: Record<string, unknown>;
}

export interface LoraModule {
  inDim: number;
  outDim: number;
  A: Float32Array; // [inDim, rank]
  B: Float32Array; // [rank, outDim]
}

export interface TypeVectorsOfAdapter {
  labels: string[];
  /** [labels, spanDims], unit rows */
  vectors: Float32Array;
}

export interface Adapter {
  config: AdapterConfig;
  modules: Map<string, LoraModule>;
  types: TypeVectorsOfAdapter;
}

export function loraScale(config: Pick<AdapterConfig, 'alpha' | 'rank'>): number {
  return config.alpha / config.rank;
}

/** scale * A B as a dense [inDim, outDim] matrix. */
export function loraDelta(mod: LoraModule, rank: number, scale: number): Float32Array {
  const { inDim, outDim, A, B } = mod;
  const out = new Float32Array(inDim * outDim);
  for (let i = 0; i < inDim; i++) {
    for (let k = 0; k < rank; k++) {
      const a = A[i * rank + k] * scale;
      if (a === 0) continue;
      const row = i * outDim;
      const bRow = k * outDim;
      for (let j = 0; j < outDim; j++) out[row + j] += a * B[bRow + j];
    }
  }
  return out;
}

/** Base weights with the adapter's deltas added (what inference runs). */
export function mergeAdapter(weights: Map<string, NamedArray>, adapter: Pick<Adapter, 'config' | 'modules'>): Map<string, NamedArray> {
  const merged = new Map(weights);
  const scale = loraScale(adapter.config);
  for (const [name, mod] of adapter.modules) {
    const base = weights.get(name);
    if (!base) throw new Error(`adapter ${adapter.config.name} targets ${name}, which the base model does not have`);
    if (base.shape[0] !== mod.inDim || base.shape[1] !== mod.outDim) {
      throw new Error(`adapter ${adapter.config.name}: ${name} is ${mod.inDim}x${mod.outDim}, the base model's is ${base.shape.join('x')}`);
    }
    const delta = loraDelta(mod, adapter.config.rank, scale);
    const data = base.data.slice();
    for (let i = 0; i < data.length; i++) data[i] += delta[i];
    merged.set(name, { shape: base.shape, data });
  }
  return merged;
}

/** LoRAHub: A = sum w_i A_i and B = sum w_i B_i over modules of the same targets and rank. */
export function composeModules(hub: Array<Map<string, LoraModule>>, weights: ArrayLike<number>): Map<string, LoraModule> {
  if (hub.length === 0) throw new Error('LoRAHub needs at least one adapter');
  if (weights.length !== hub.length) throw new Error(`${weights.length} weights for ${hub.length} adapters`);
  const out = new Map<string, LoraModule>();
  for (const [name, first] of hub[0]) {
    const A = new Float32Array(first.A.length);
    const B = new Float32Array(first.B.length);
    hub.forEach((modules, i) => {
      const m = modules.get(name);
      if (!m || m.A.length !== A.length || m.B.length !== B.length) throw new Error(`hub adapters differ in target ${name}`);
      const w = weights[i];
      for (let k = 0; k < A.length; k++) A[k] += w * m.A[k];
      for (let k = 0; k < B.length; k++) B[k] += w * m.B[k];
    });
    out.set(name, { inDim: first.inDim, outDim: first.outDim, A, B });
  }
  return out;
}
