// The settings an annotation run's entities depend on, as its ledger records them: a run with other settings does
// not resume the earlier one's output (it would mix two models' entities in one file).
import { baseModelHash, readManifest } from '../model/modelDirectory';
import { readAdapterConfig } from '../adapters/adapterFiles';
import type { AnnotationSettings } from './annotationStore';

/** The model folder's id and weights hash, the adapter's name and when it was made (a retrained one differs), the threshold. */
export function annotationSettings(modelDir: string, adapterDir: string | null | undefined, threshold: number): AnnotationSettings {
  const adapter = adapterDir ? readAdapterConfig(adapterDir) : undefined;
  return {
    model: readManifest(modelDir).id,
    modelHash: baseModelHash(modelDir),
    adapter: adapter ? `${adapter.name} (${adapter.created})` : null,
    threshold,
  };
}
