// Small synthetic adapters for the adapter-file tests: no model needed, every value says which version wrote it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Adapter } from '../../src/core/adapters/adapter';

export const TEST_BASE = { id: 'test-model', hash: 'a'.repeat(64) };
export const SPAN_DIMS = 4;
const RANK = 2;

/** Adapter `name` with one target (tags.W, 6 x 3) and two types; every weight and vector value is `version`. */
export function testAdapter(name: string, version = 1, size: { inDim?: number; outDim?: number } = {}): Adapter {
  const inDim = size.inDim ?? 6;
  const outDim = size.outDim ?? 3;
  const labels = ['DRUG', 'O'];
  return {
    config: {
      format: 'baner-lora/1',
      name,
      baseModel: TEST_BASE,
      rank: RANK,
      alpha: 4,
      targets: ['tags.W'],
      types: ['DRUG'],
      created: new Date(0).toISOString(),
      training: { version },
    },
    modules: new Map([['tags.W', { inDim, outDim, A: new Float32Array(inDim * RANK).fill(version), B: new Float32Array(RANK * outDim).fill(version) }]]),
    types: { labels, vectors: new Float32Array(labels.length * SPAN_DIMS).fill(version) },
  };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `baner-${prefix}-`));
}

/** A stand-in for the engine client: records what the worker was asked, fails for the folders in `failFor`. */
export class FakeEngine {
  readonly calls: Array<string | null> = [];
  /** The adapter the worker would be using now. */
  current: string | null = null;
  readonly failFor = new Set<string | null>();
  state = { kind: 'ready' };
  modelDirectory = join(tmpdir(), 'baner-no-model-here');

  async useAdapter(dir: string | null): Promise<unknown> {
    this.calls.push(dir);
    if (this.failFor.has(dir)) throw new Error('the worker could not switch');
    this.current = dir;
    return {};
  }
}

/** A stand-in for the workspace state (vscode.Memento). */
export class FakeMemory {
  readonly values = new Map<string, unknown>();
  get<T>(key: string): T | undefined {
    return this.values.get(key) as T | undefined;
  }
  async update(key: string, value: unknown): Promise<void> {
    if (value === undefined) this.values.delete(key);
    else this.values.set(key, value);
  }
}
