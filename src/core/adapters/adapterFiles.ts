// Adapters on disk: <dir>/<name>/adapter.json (config), lora.bin (A and B of each target), types.json.
// A new adapter is written into a temporary folder and renamed into place, so a crash or a cancel
// never leaves a half-written adapter under its name.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadWeights, saveWeights, type NamedArray } from '../model/weightsFile';
import { writeFileAtomic } from '../io/atomicWrite';
import { ADAPTER_FORMAT, type Adapter, type AdapterConfig, type LoraModule } from './adapter';

export class AdapterError extends Error {}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkAdapterName(name: string): void {
  if (!NAME.test(name)) throw new AdapterError(`"${name}" is not a valid adapter name (letters, digits, . _ -; up to 64 characters)`);
}

export function saveAdapter(root: string, adapter: Adapter): string {
  checkAdapterName(adapter.config.name);
  mkdirSync(root, { recursive: true });
  const final = join(root, adapter.config.name);
  const staging = join(root, `.${adapter.config.name}.${process.pid}.${Date.now()}.partial`);
  mkdirSync(staging);
  try {
    const tensors = new Map<string, NamedArray>();
    for (const [name, m] of adapter.modules) {
      tensors.set(`${name}.A`, { shape: [m.inDim, adapter.config.rank], data: m.A });
      tensors.set(`${name}.B`, { shape: [adapter.config.rank, m.outDim], data: m.B });
    }
    saveWeights(join(staging, 'lora.bin'), tensors);
    writeFileAtomic(join(staging, 'types.json'), JSON.stringify({ labels: adapter.types.labels, vectors: Array.from(adapter.types.vectors) }));
    writeFileAtomic(join(staging, 'adapter.json'), JSON.stringify(adapter.config, null, 2) + '\n');
    if (existsSync(final)) {
      const old = `${final}.${Date.now()}.old`;
      renameSync(final, old);
      renameSync(staging, final);
      rmSync(old, { recursive: true, force: true });
    } else renameSync(staging, final);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  return final;
}

/** Loads an adapter; with `base`, refuses one made for another base model. */
export function loadAdapter(dir: string, base?: { id: string; hash: string }): Adapter {
  const config = readAdapterConfig(dir);
  if (config.format !== ADAPTER_FORMAT) throw new AdapterError(`${dir}: unknown adapter format "${config.format}" (expected ${ADAPTER_FORMAT})`);
  if (base && (config.baseModel.id !== base.id || config.baseModel.hash !== base.hash)) {
    throw new AdapterError(
      `adapter "${config.name}" was trained for base model ${config.baseModel.id} (${config.baseModel.hash.slice(0, 12)}), ` +
        `not for the loaded ${base.id} (${base.hash.slice(0, 12)}); retrain it on this model`,
    );
  }
  const tensors = loadWeights(join(dir, 'lora.bin'));
  const modules = new Map<string, LoraModule>();
  for (const target of config.targets) {
    const A = tensors.get(`${target}.A`);
    const B = tensors.get(`${target}.B`);
    if (!A || !B) throw new AdapterError(`${dir}: lora.bin lacks the matrices of ${target}`);
    modules.set(target, { inDim: A.shape[0], outDim: B.shape[1], A: A.data, B: B.data });
  }
  const types = JSON.parse(readFileSync(join(dir, 'types.json'), 'utf8')) as { labels: string[]; vectors: number[] };
  return { config, modules, types: { labels: types.labels, vectors: Float32Array.from(types.vectors) } };
}

/** Adapters in a folder (sub-folders holding adapter.json), by name. */
export function listAdapters(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && existsSync(join(root, e.name, 'adapter.json')))
    .map((e) => e.name)
    .sort();
}

/**
 * Every adapter under the given folders, checked against the base model; `except` names one to leave out.
 * Adapters of `optionalRoots` (a user's own, possibly trained on another model) that do not fit are skipped and
 * reported through `onSkip`; those of `roots` (shipped with the model) must fit.
 */
export function loadHub(
  roots: string[],
  base: { id: string; hash: string },
  except?: string,
  optionalRoots: string[] = [],
  onSkip: (dir: string, reason: string) => void = () => {},
): Adapter[] {
  const load = (root: string, optional: boolean) =>
    listAdapters(root)
      .filter((name) => name !== except)
      .flatMap((name) => {
        try {
          return [loadAdapter(join(root, name), base)];
        } catch (error) {
          if (!optional || !(error instanceof AdapterError)) throw error;
          onSkip(join(root, name), error.message);
          return [];
        }
      });
  return [...roots.flatMap((root) => load(root, false)), ...optionalRoots.flatMap((root) => load(root, true))];
}

/** The adapter's adapter.json without its weights (for listings). */
export function readAdapterConfig(dir: string): AdapterConfig {
  const configPath = join(dir, 'adapter.json');
  if (!existsSync(configPath)) throw new AdapterError(`no adapter at ${dir}: adapter.json is missing`);
  return JSON.parse(readFileSync(configPath, 'utf8')) as AdapterConfig;
}

/** Renames adapter `from` to `to` in `root`: the folder is renamed in one step, then its config follows. */
export function renameAdapter(root: string, from: string, to: string): string {
  checkAdapterName(to);
  const source = join(root, from);
  const target = join(root, to);
  if (!existsSync(join(source, 'adapter.json'))) throw new AdapterError(`there is no adapter "${from}"`);
  if (existsSync(target)) throw new AdapterError(`an adapter "${to}" exists already`);
  renameSync(source, target);
  const config = readAdapterConfig(target);
  writeFileAtomic(join(target, 'adapter.json'), JSON.stringify({ ...config, name: to }, null, 2) + '\n');
  return target;
}

/** Deletes adapter `name`: moved aside first, so that it disappears from listings at once and never half. */
export function deleteAdapter(root: string, name: string): void {
  checkAdapterName(name);
  const dir = join(root, name);
  if (!existsSync(dir)) throw new AdapterError(`there is no adapter "${name}"`);
  const aside = join(root, `.${name}.${process.pid}.${Date.now()}.deleted`);
  renameSync(dir, aside);
  rmSync(aside, { recursive: true, force: true });
}
