// Entity-type edits of an adapter (core/support/typeEdits' rename, merge, delete): its adapter.json `types` and
// the rows of its types.json (one prototype per label, `dims` values each). Renaming relabels a row; merging A into
// B makes B's row the normalised mean of the two rows and removes A's (A's row takes B's name where B has none);
// deleting removes the row. Every other row keeps its values exactly, and the files keep every field they had.
// A change is planned first (the files' bytes before and after, nothing written) and written atomically, so that it
// can be undone byte for byte; writing or undoing checks that nobody changed the files in between.
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomicWrite';
import { NOT_AN_ENTITY } from './adapter';
import { AdapterError } from './adapterName';
import { readAdapterConfig } from './adapterFiles';
import { parseAdapterConfig, parseAdapterTypes } from './adapterSchema';
import { MAX_JSON_BYTES, readBoundedFile } from './boundedRead';
import { editedType, mapLabel, type TypeEdit } from '../support/typeEdits';

/** An edit that cannot be made in an adapter (it would leave no type, or merge opposite prototypes). */
export class TypeEditError extends Error {
  override name = 'TypeEditError';
}

/** types.json's table: `labels.length` rows of `vectors.length / labels.length` values. */
export interface TypeTable {
  labels: string[];
  vectors: number[];
}

/** adapter.json's `types` after `edit` (an edited name replaced, repeats dropped); undefined when it has no such type. */
export function editTypeList(types: readonly string[], edit: TypeEdit): string[] | undefined {
  if (!types.includes(editedType(edit))) return undefined;
  const out: string[] = [];
  for (const t of types) {
    const label = mapLabel(edit, t);
    if (label !== null && !out.includes(label)) out.push(label);
  }
  return out;
}

/**
 * The table after `edit`; undefined when it has no row of the edited type. Throws when the edit would leave no
 * entity type (an adapter needs one at least) or when merging two opposite rows (their mean has no direction).
 */
export function editTypeTable(table: TypeTable, edit: TypeEdit): TypeTable | undefined {
  const { labels, vectors } = table;
  const dims = vectors.length / labels.length;
  const from = labels.indexOf(editedType(edit));
  if (from < 0) return undefined;
  const row = (i: number) => vectors.slice(i * dims, (i + 1) * dims);
  const target = mapLabel(edit, labels[from]);
  const into = target === null ? -1 : labels.indexOf(target);
  const outLabels: string[] = [];
  const outVectors: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    if (i === from) {
      // Renamed in place when the target has no row; otherwise (merged or deleted) the row goes.
      if (target !== null && into < 0) {
        outLabels.push(target);
        outVectors.push(...row(i));
      }
      continue;
    }
    outLabels.push(labels[i]);
    outVectors.push(...(i === into ? normalisedMean(row(from), row(into)) : row(i)));
  }
  if (outLabels.every((l) => l === NOT_AN_ENTITY)) throw new TypeEditError(`deleting ${labels[from]} would leave the adapter without any type`);
  return { labels: outLabels, vectors: outVectors };
}

/** (a + b) / 2 scaled to unit length, as float32 values (what the engine loads). */
export function normalisedMean(a: readonly number[], b: readonly number[]): number[] {
  const mean = a.map((x, d) => (x + b[d]) / 2);
  const norm = Math.sqrt(mean.reduce((s, x) => s + x * x, 0));
  if (!(norm > 1e-12)) throw new TypeEditError('the two types point in opposite directions: their merged prototype would have no direction');
  return mean.map((x) => Math.fround(x / norm));
}

/** One file of a change: its bytes before and after. */
export interface FileChange {
  path: string;
  before: Buffer;
  after: Buffer;
}

export interface AdapterTypeChange {
  /** The adapter's folder. */
  dir: string;
  /** The files that change (adapter.json and/or types.json). */
  files: FileChange[];
}

/** The types an adapter knows: its adapter.json `types` and the labels of its types.json, without "O". */
export function adapterTypeNames(dir: string): string[] {
  const { config, table } = readTypeFiles(dir);
  return [...new Set([...config.json.types, ...table.json.labels])].filter((t) => t !== NOT_AN_ENTITY);
}

/**
 * What `edit` changes in the adapter in `dir` (its files read and checked now, nothing written); undefined when it
 * has no type of that name. `spanDims` checks the vectors' width when the model's is known.
 */
export function planAdapterTypeEdit(dir: string, edit: TypeEdit, spanDims?: number): AdapterTypeChange | undefined {
  const { label, config, table } = readTypeFiles(dir, spanDims);
  const types = editTypeList(config.json.types, edit);
  const edited = editTypeTable(table.json, edit);
  if (!types && !edited) return undefined;
  const files: FileChange[] = [];
  if (types) {
    const after = Buffer.from(JSON.stringify({ ...config.json, types }, null, 2) + '\n', 'utf8');
    parseAdapterConfig(JSON.parse(after.toString('utf8')), label);
    files.push({ path: config.path, before: config.bytes, after });
  }
  if (edited) {
    const after = Buffer.from(JSON.stringify({ ...table.json, labels: edited.labels, vectors: edited.vectors }), 'utf8');
    parseAdapterTypes(JSON.parse(after.toString('utf8')), label, spanDims);
    files.push({ path: table.path, before: table.bytes, after });
  }
  return { dir, files };
}

interface ReadFile<T> {
  path: string;
  bytes: Buffer;
  json: T;
}

/** adapter.json and types.json of the adapter in `dir`, bytes and JSON, each checked (a link or damaged file is refused). */
function readTypeFiles(dir: string, spanDims?: number): { label: string; config: ReadFile<Record<string, unknown> & { types: string[] }>; table: ReadFile<Record<string, unknown> & TypeTable> } {
  readAdapterConfig(dir); // the folder checked: a valid name, a real folder
  const label = `adapter "${dir.split(/[\\/]/).pop()}"`;
  const read = (name: string) => {
    const path = join(dir, name);
    const bytes = readBoundedFile(path, MAX_JSON_BYTES, `${label}: ${name}`);
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new AdapterError(`${label}: ${name} is not valid JSON`);
    }
    return { path, bytes, json };
  };
  const config = read('adapter.json');
  parseAdapterConfig(config.json, label);
  const table = read('types.json');
  parseAdapterTypes(table.json, label, spanDims);
  return { label, config: config as ReadFile<Record<string, unknown> & { types: string[] }>, table: table as ReadFile<Record<string, unknown> & TypeTable> };
}

/** The files of `changes` whose bytes now differ from their `state` version (gone or unreadable files included). */
export function filesChangedSince(changes: readonly FileChange[], state: 'before' | 'after'): string[] {
  return changes
    .filter((c) => {
      try {
        return !readBoundedFile(c.path, Math.max(MAX_JSON_BYTES, c[state].length), c.path).equals(c[state]);
      } catch {
        return true;
      }
    })
    .map((c) => c.path);
}

/**
 * Writes every file's `state` version, each atomically. When one write fails, the files written already get their
 * other version back, and the error is thrown.
 */
export function writeFileChanges(changes: readonly FileChange[], state: 'before' | 'after'): void {
  const other = state === 'after' ? 'before' : 'after';
  const written: FileChange[] = [];
  try {
    for (const c of changes) {
      writeFileAtomic(c.path, c[state]);
      written.push(c);
    }
  } catch (error) {
    for (const c of written.reverse()) {
      try {
        writeFileAtomic(c.path, c[other]);
      } catch {
        // Nothing more to do: the caller reports the first error.
      }
    }
    throw error;
  }
}
