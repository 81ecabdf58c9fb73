// The few-shot path shared by `eval --support` and `bench-fewshot`: adapt to a support set, run the engine.
import { join } from 'node:path';
import type { LabeledSentence } from '../core/types';
import { adapt, type AdaptMethod, type AdaptOptions } from '../core/adapt';
import { loadAdaptationBase, type AdaptationBase } from '../core/adapters/adaptationBase';
import { loadHub } from '../core/adapters/adapterFiles';
import type { Adapter } from '../core/adapters/adapter';
import { initTf } from '../core/model/tfBackend';
import { NerEngine } from '../core/engine';

export const ADAPT_METHODS: AdaptMethod[] = ['auto', 'none', 'lorahub', 'full'];

export interface FewShotContext {
  base: AdaptationBase;
  hub: Adapter[];
}

export async function loadFewShotContext(modelDir: string): Promise<FewShotContext> {
  await initTf('wasm');
  const base = loadAdaptationBase(modelDir);
  const hub = loadHub([join(modelDir, 'adapters')], { id: base.manifest.id, hash: base.hash });
  return { base, hub };
}

/** Adapts to the support set (hub adapters named in excludeHub are left out) and activates the result. */
export async function adaptEngine(
  engine: NerEngine,
  context: FewShotContext,
  support: LabeledSentence[],
  options: Partial<AdaptOptions> & { method: AdaptMethod; excludeHub?: string[] },
): Promise<Adapter> {
  const exclude = options.excludeHub ?? [];
  const hub = context.hub.filter((a) => !exclude.includes('*') && !exclude.includes(a.config.name));
  const adapter = await adapt(context.base, { sentences: support }, { name: 'support', ...options, hub });
  await engine.useAdapter(adapter);
  return adapter;
}
