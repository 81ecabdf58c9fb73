// Adapt, then write the adapter: the file appears only after a complete, uncancelled run.
import type { Adapter } from './adapter';
import type { AdaptationBase } from './adaptationBase';
import { adapt, type AdaptOptions, type AdaptProgress, type SupportSet } from '../adapt';
import type { CancelToken } from '../cancellation';
import { saveAdapter } from './adapterFiles';

export async function adaptAndSave(
  base: AdaptationBase,
  support: SupportSet,
  options: AdaptOptions,
  adaptersRoot: string,
  onProgress?: (p: AdaptProgress) => void,
  cancel?: CancelToken,
): Promise<{ adapter: Adapter; dir: string }> {
  const adapter = await adapt(base, support, options, onProgress, cancel);
  return { adapter, dir: saveAdapter(adaptersRoot, adapter) };
}
