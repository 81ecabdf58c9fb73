// Adapt, optionally evaluate, then write the adapter: the files appear only after a complete, uncancelled run.
import type { Adapter } from './adapter';
import type { AdaptationBase } from './adaptationBase';
import { adapt, type AdaptOptions, type AdaptProgress, type SupportSet } from '../adapt';
import { CancelledError, type CancelToken } from '../cancellation';
import { saveAdapter } from './adapterFiles';

export async function adaptAndSave(
  base: AdaptationBase,
  support: SupportSet,
  options: AdaptOptions,
  adaptersRoot: string,
  onProgress?: (p: AdaptProgress) => void,
  cancel?: CancelToken,
  /** Figures recorded in the adapter's `training` (e.g. its leave-one-out F1 on the support set). */
  evaluate?: (adapter: Adapter) => Promise<Record<string, unknown>>,
): Promise<{ adapter: Adapter; dir: string }> {
  const adapter = await adapt(base, support, options, onProgress, cancel);
  if (evaluate) {
    const figures = await evaluate(adapter);
    if (cancel?.cancelled) throw new CancelledError('adaptation cancelled');
    adapter.config.training = { ...adapter.config.training, ...figures };
  }
  return { adapter, dir: saveAdapter(adaptersRoot, adapter) };
}
