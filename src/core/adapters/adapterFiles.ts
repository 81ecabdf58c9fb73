// Adapters on disk: <root>/<name>/adapter.json (config), lora.bin (A and B of each target), types.json.
// Every name goes through checkAdapterName; every file is read bounded and checked (adapterSchema, loraWeights)
// before use, so a damaged adapter is an AdapterError naming it and the problem. A save replaces an adapter
// atomically: written and synced in a hidden folder, swapped in by renames, so that a process killed at any moment
// leaves the old or the new version, and the leftovers are recovered or removed (adapterLeftovers) on the next look.
import { closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { saveWeights, type NamedArray } from '../model/weightsFile';
import { writeFileAtomic } from '../io/atomicWrite';
import { isRealDirectory, pathExists } from '../io/pathKinds';
import type { Adapter, AdapterConfig } from './adapter';
import { AdapterError, checkAdapterName, isAdapterName } from './adapterName';
import { parseAdapterConfig, parseAdapterTypes } from './adapterSchema';
import { parseLoraWeights } from './loraWeights';
import { MAX_JSON_BYTES, MAX_LORA_BYTES, readBoundedFile, readBoundedJson } from './boundedRead';
import { leftoverName, recoverAdapterFolders } from './adapterLeftovers';

export { AdapterError, checkAdapterName, isAdapterName };

/** The base model an adapter must have been trained for. */
export interface AdapterBase {
  id: string;
  hash: string;
  /** Width of its span embeddings: each of the adapter's type vectors must have this many values. */
  spanDims?: number;
}

/** Makes a folder's new entries (renames) survive a crash; systems that cannot sync a folder (Windows) skip it. */
function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // EISDIR / EPERM / EINVAL where folders cannot be synced: the renames are still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes the adapter's files into `dir` (which exists and is empty), each synced to disk. */
function writeAdapterFiles(dir: string, adapter: Adapter): void {
  const tensors = new Map<string, NamedArray>();
  for (const [name, m] of adapter.modules) {
    tensors.set(`${name}.A`, { shape: [m.inDim, adapter.config.rank], data: m.A });
    tensors.set(`${name}.B`, { shape: [adapter.config.rank, m.outDim], data: m.B });
  }
  saveWeights(join(dir, 'lora.bin'), tensors);
  writeFileAtomic(join(dir, 'types.json'), JSON.stringify({ labels: adapter.types.labels, vectors: Array.from(adapter.types.vectors) }));
  writeFileAtomic(join(dir, 'adapter.json'), JSON.stringify(adapter.config, null, 2) + '\n');
  syncFolder(dir);
}

/**
 * Saves `adapter` as `root/<its name>`, replacing one of that name: the new version is complete on disk before it
 * takes the name, and the old one is removed only after. Returns the adapter's folder.
 */
export function saveAdapter(root: string, adapter: Adapter): string {
  const name = adapter.config.name;
  checkAdapterName(name);
  mkdirSync(root, { recursive: true });
  recoverAdapterFolders(root);
  const final = join(root, name);
  const staging = join(root, leftoverName(name, 'partial'));
  mkdirSync(staging);
  let backup: string | undefined;
  try {
    writeAdapterFiles(staging, adapter);
    // Another process may put a version in place between our renames: then it becomes a backup too (newest wins).
    for (let attempt = 0; ; attempt++) {
      if (pathExists(final)) {
        const aside = join(root, leftoverName(name, 'backup'));
        renameSync(final, aside);
        if (backup) rmSync(backup, { recursive: true, force: true });
        backup = aside;
      }
      try {
        renameSync(staging, final);
        break;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (attempt >= 3 || (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EPERM')) throw error;
      }
    }
    syncFolder(root);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    // The old version goes back under its name when the new one did not take it.
    if (backup && !pathExists(final)) {
      try {
        renameSync(backup, final);
        backup = undefined;
      } catch {
        // Left as a backup: the next listing restores it.
      }
    }
    throw error;
  }
  if (backup) rmSync(backup, { recursive: true, force: true });
  return final;
}

/** `adapter "name"`: how messages name the adapter in `dir`. */
function labelOf(dir: string): string {
  return `adapter "${basename(dir)}"`;
}

/** The adapter folder `dir`, checked: a valid name, a real folder (not a link); one a killed save left as a backup is put back first. */
function checkedFolder(dir: string): string {
  const name = basename(dir);
  checkAdapterName(name);
  if (!pathExists(dir)) recoverAdapterFolders(dirname(dir));
  let info;
  try {
    info = lstatSync(dir);
  } catch {
    throw new AdapterError(`there is no adapter "${name}"`);
  }
  if (info.isSymbolicLink()) throw new AdapterError(`${labelOf(dir)} is a symbolic link; BANER only loads adapter folders, never follows links`);
  if (!info.isDirectory()) throw new AdapterError(`${labelOf(dir)} is not a folder`);
  return dir;
}

/** The adapter's adapter.json without its weights (for listings), checked. */
export function readAdapterConfig(dir: string): AdapterConfig {
  checkedFolder(dir);
  return parseAdapterConfig(readBoundedJson(join(dir, 'adapter.json'), MAX_JSON_BYTES, `${labelOf(dir)}: adapter.json`), labelOf(dir));
}

/**
 * Loads an adapter, every file checked; with `base`, refuses one made for another base model. `expect.spanDims`
 * checks the type vectors' width without the base model's identity (which costs hashing its weights).
 */
export function loadAdapter(dir: string, base?: AdapterBase, expect: { spanDims?: number } = {}): Adapter {
  const config = readAdapterConfig(dir);
  const label = labelOf(dir);
  if (base && (config.baseModel.id !== base.id || config.baseModel.hash !== base.hash)) {
    throw new AdapterError(
      `${label} was trained for base model ${config.baseModel.id} (${config.baseModel.hash.slice(0, 12)}), ` +
        `not for the loaded ${base.id} (${base.hash.slice(0, 12)}); retrain it on this model`,
    );
  }
  const modules = parseLoraWeights(readBoundedFile(join(dir, 'lora.bin'), MAX_LORA_BYTES, `${label}: lora.bin`), config, label);
  const types = parseAdapterTypes(readBoundedJson(join(dir, 'types.json'), MAX_JSON_BYTES, `${label}: types.json`), label, base?.spanDims ?? expect.spanDims);
  return { config, modules, types };
}

/**
 * Adapters in a folder (sub-folders with a valid adapter name holding adapter.json), by name. Recovers what a
 * killed save or delete left first, so that such leftovers are neither listed nor lost.
 */
export function listAdapters(root: string): string[] {
  recoverAdapterFolders(root);
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return [];
  }
  return entries.filter((name) => isAdapterName(name) && isRealDirectory(join(root, name)) && pathExists(join(root, name, 'adapter.json'))).sort();
}

/**
 * Every adapter under the given folders, checked against the base model; `except` names one to leave out.
 * One that cannot be used (damaged, unreadable, made for another model) is left out and reported through `onSkip`
 * with the reason, so that one bad adapter never stops an adaptation; `roots` are the model's own (shipped),
 * `optionalRoots` a user's.
 */
export function loadHub(
  roots: string[],
  base: AdapterBase,
  except?: string,
  optionalRoots: string[] = [],
  onSkip: (dir: string, reason: string) => void = (dir, reason) => console.warn(`skipping hub adapter ${dir}: ${reason}`),
): Adapter[] {
  const load = (root: string) =>
    listAdapters(root)
      .filter((name) => name !== except)
      .flatMap((name) => {
        try {
          return [loadAdapter(join(root, name), base)];
        } catch (error) {
          onSkip(join(root, name), error instanceof Error ? error.message : String(error));
          return [];
        }
      });
  return [...roots, ...optionalRoots].flatMap(load);
}

/** Renames adapter `from` to `to` in `root`: the folder is renamed in one step, then its config follows. */
export function renameAdapter(root: string, from: string, to: string): string {
  checkAdapterName(from);
  checkAdapterName(to);
  const source = join(root, from);
  const target = join(root, to);
  if (!isRealDirectory(source) || !pathExists(join(source, 'adapter.json'))) throw new AdapterError(`there is no adapter "${from}"`);
  if (pathExists(target)) throw new AdapterError(`an adapter "${to}" exists already`);
  const config = readAdapterConfig(source);
  renameSync(source, target);
  syncFolder(root);
  writeFileAtomic(join(target, 'adapter.json'), JSON.stringify({ ...config, name: to }, null, 2) + '\n');
  return target;
}

/** Deletes adapter `name`: moved aside first, so that it disappears from listings at once and never half. */
export function deleteAdapter(root: string, name: string): void {
  checkAdapterName(name);
  const dir = join(root, name);
  if (!isRealDirectory(dir)) throw new AdapterError(`there is no adapter "${name}"`);
  const aside = join(root, leftoverName(name, 'deleted'));
  renameSync(dir, aside);
  syncFolder(root);
  rmSync(aside, { recursive: true, force: true });
}
