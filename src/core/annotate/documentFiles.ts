// The documents of an annotation run: named files, every file under named folders, and every file a glob matches,
// found without reading them (a large folder is listed in moments; each file is read when its turn comes). The
// walk follows `baner predict`'s rules (core/formats/textFiles.ts): BANER's own folder, dependencies and version
// control are left out, symbolic links met inside a folder are not followed, and each file is read by
// collectTextFiles, so that what is binary, not UTF-8, too large or empty is skipped for the same reasons.
// Annotation outputs (*.entities.jsonl, ledgers) are never taken for documents.
import { createHash } from 'node:crypto';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { collectTextFiles, SKIPPED_FOLDERS } from '../formats/textFiles';
import { globToRegExp, isGlobPattern, splitGlob } from './globPattern';

/** The suffix of the per-document output written next to an input. */
export const ENTITIES_SUFFIX = '.entities.jsonl';
/** The suffix of a run's ledger (annotationLedger.ts) and its lock. */
export const LEDGER_SUFFIX = '.ledger.jsonl';

export interface DocumentRef {
  /** Absolute path. */
  path: string;
  /** The name written in the output and kept in the ledger: relative to the base folder (forward slashes), or absolute when outside it. */
  name: string;
  size: number;
  mtimeMs: number;
}

export class NoDocumentsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoDocumentsError';
  }
}

export interface ListOptions {
  /** Relative names and relative patterns start here (default: the working directory). */
  base?: string;
  /** Absolute paths never taken for documents (the output file, its ledger). */
  exclude?: readonly string[];
}

/** Whether a file is an annotation output or a ledger, never a document. */
export function isAnnotationOutput(path: string): boolean {
  const name = basename(path);
  return name.endsWith(ENTITIES_SUFFIX) || name.endsWith(LEDGER_SUFFIX) || name.endsWith(`${LEDGER_SUFFIX}.lock`);
}

/**
 * The documents `inputs` name (files, folders, globs), each once, in name order per input. A glob that matches
 * nothing, or a path that does not exist, is a NoDocumentsError naming it.
 */
export async function listDocuments(inputs: readonly string[], options: ListOptions = {}): Promise<DocumentRef[]> {
  const base = await realOrResolved(options.base ?? '.');
  const exclude = new Set(await Promise.all((options.exclude ?? []).map(realOrResolved)));
  const found = new Map<string, DocumentRef>();
  const add = async (path: string): Promise<boolean> => {
    if (exclude.has(path) || isAnnotationOutput(path)) return false;
    const info = await stat(path);
    const real = await realpath(path);
    if (!found.has(real)) found.set(real, { path, name: nameOf(path, base), size: info.size, mtimeMs: info.mtimeMs });
    return true;
  };

  for (const input of inputs) {
    const named = resolve(base, input);
    const exists = await lstat(named).then(
      () => true,
      () => false,
    );
    if (exists || !isGlobPattern(input)) {
      if (!exists) throw new NoDocumentsError(`cannot read ${input}: no such file or folder`);
      // A link named on purpose is followed (only links met inside folders are not).
      const path = await realpath(named);
      if ((await stat(path)).isDirectory()) {
        for (const file of await walk(path, () => true, Infinity)) await add(file);
      } else await add(path);
      continue;
    }
    const { root, pattern, maxDepth } = splitGlob(input, base);
    const matcher = globToRegExp(pattern);
    const isDirectory = await stat(root).then(
      (info) => info.isDirectory(),
      () => false,
    );
    const matches = isDirectory ? await walk(root, (rel) => matcher.test(rel), maxDepth) : [];
    let added = 0;
    for (const file of matches) if (await add(file)) added++;
    if (added === 0) throw new NoDocumentsError(`no files match ${input}${isDirectory ? '' : ` (${nameOf(root, base)} is not a folder)`}`);
  }
  return [...found.values()];
}

/**
 * Documents from a list of files found elsewhere (VS Code's findFiles): the same rules as listDocuments (no file
 * inside BANER's own folder, dependencies or version control, no annotation output, nothing excluded), in name order.
 */
export async function documentRefs(paths: readonly string[], options: ListOptions = {}): Promise<DocumentRef[]> {
  const base = await realOrResolved(options.base ?? '.');
  const exclude = new Set(await Promise.all((options.exclude ?? []).map(realOrResolved)));
  const refs: DocumentRef[] = [];
  for (const path of [...new Set(paths.map((p) => resolve(p)))].sort()) {
    if (exclude.has(path) || isAnnotationOutput(path)) continue;
    if (relative(base, path).split(sep).some((segment) => SKIPPED_FOLDERS.has(segment))) continue;
    const info = await lstat(path).catch(() => undefined);
    if (!info?.isFile()) continue;
    refs.push({ path, name: nameOf(path, base), size: info.size, mtimeMs: info.mtimeMs });
  }
  return refs;
}

/** Regular files under `root` (not in skipped folders, links not followed) whose path relative to `root` passes `keep`. */
async function walk(root: string, keep: (relativePath: string) => boolean, maxDepth: number): Promise<string[]> {
  const files: string[] = [];
  const visit = async (dir: string, depth: number): Promise<void> => {
    let names: string[];
    try {
      names = (await readdir(dir)).sort();
    } catch {
      return; // unreadable folder: nothing from it
    }
    for (const name of names) {
      const path = join(dir, name);
      const info = await lstat(path).catch(() => undefined);
      if (!info || info.isSymbolicLink()) continue;
      if (info.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(name) && depth < maxDepth) await visit(path, depth + 1);
      } else if (info.isFile() && keep(relative(root, path).split(sep).join('/'))) files.push(path);
    }
  };
  await visit(root, 1);
  return files;
}

export type ReadDocument = { text: string; size: number; mtimeMs: number; sha256: string } | { skipped: string };

/**
 * The document's text as `baner predict` reads it (UTF-8, without a byte order mark), with what identifies this
 * version of it; or why it is skipped (binary, not UTF-8, too large, empty, gone).
 */
export async function readDocument(document: DocumentRef): Promise<ReadDocument> {
  let info;
  try {
    info = await stat(document.path);
  } catch {
    return { skipped: 'no longer there' };
  }
  let read;
  try {
    read = await collectTextFiles([document.path]);
  } catch (error) {
    return { skipped: (error as Error).message };
  }
  const [file] = read.files;
  if (!file) return { skipped: read.skipped[0]?.reason ?? 'not a text file' };
  return { text: file.text, size: info.size, mtimeMs: info.mtimeMs, sha256: textHash(file.text) };
}

/** SHA-256 of the text as UTF-8: what says that a document is the one annotated before. */
export function textHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function nameOf(path: string, base: string): string {
  const inside = relative(base, path);
  const name = inside !== '' && inside !== '..' && !inside.startsWith(`..${sep}`) && !isAbsolute(inside) ? inside : path;
  return name.split(sep).join('/');
}

async function realOrResolved(path: string): Promise<string> {
  return realpath(path).catch(() => resolve(path));
}
