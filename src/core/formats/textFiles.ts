// The text files to predict: named files, and every file under named folders (recursively, in name order), except
// BANER's own folder, dependencies and version control, and except what is not text. What is skipped is reported
// with the reason, never silently dropped. Symbolic links inside a folder are not followed (a link may lead out of
// the folder, or round in a loop).
import { lstat, open, readdir, realpath } from 'node:fs/promises';
import { constants } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { decodeUtf8Text, TextEncodingError } from '../data/utf8Text';
import { DEFAULT_MAX_BYTES } from '../io/workspaceFiles';

/** Folders never searched: BANER's own data, installed dependencies, version control. */
export const SKIPPED_FOLDERS: ReadonlySet<string> = new Set(['.baner', 'node_modules', '.git']);

export interface TextFile {
  /** Absolute path. */
  path: string;
  /** Forward slashes, never leading out of its folder: relative to `base` when inside it, else to the named folder. */
  relativePath: string;
  text: string;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface CollectOptions {
  /** Files inside it are named relative to it (default: the working directory). */
  base?: string;
  /** Absolute paths of files and folders to leave out (the output being written). */
  exclude?: readonly string[];
  maxBytes?: number;
}

export async function collectTextFiles(inputs: readonly string[], options: CollectOptions = {}): Promise<{ files: TextFile[]; skipped: SkippedFile[] }> {
  // Real paths throughout, so that a link in the working directory's path does not make its files look outside it.
  const base = await realOrResolved(options.base ?? '.');
  const exclude = new Set(await Promise.all((options.exclude ?? []).map(realOrResolved)));
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const files: TextFile[] = [];
  const skipped: SkippedFile[] = [];
  const seen = new Set<string>();

  const skip = (path: string, reason: string): void => {
    skipped.push({ path, reason });
  };
  const visit = async (path: string, root: string): Promise<void> => {
    if (exclude.has(path)) return;
    const info = await lstat(path);
    if (info.isSymbolicLink()) return skip(path, 'a symbolic link (not followed)');
    if (info.isDirectory()) {
      if (path !== root && SKIPPED_FOLDERS.has(basename(path))) return;
      const names = (await readdir(path)).sort();
      for (const name of names) await visit(join(path, name), root);
      return;
    }
    if (!info.isFile()) return skip(path, 'not a regular file');
    const real = await realpath(path);
    if (seen.has(real)) return;
    seen.add(real);
    const read = await readText(path, maxBytes);
    if (typeof read !== 'string') return skip(path, read.problem);
    if (read.trim() === '') return skip(path, 'no text (empty or only whitespace)');
    files.push({ path, relativePath: relativeName(path, base, root), text: read });
  };

  for (const input of inputs) {
    // A link named on purpose is followed (only links met inside folders are not).
    const path = await realpath(resolve(input)).catch(() => undefined);
    if (path === undefined) throw new Error(`cannot read ${input}: no such file or folder`);
    // A named folder is searched from itself; a named file is named by itself.
    const isFolder = (await lstat(path)).isDirectory();
    await visit(path, isFolder ? path : dirname(path));
  }
  return { files, skipped };
}

/** The real path of what exists, the absolute path of what does not (yet). */
async function realOrResolved(path: string): Promise<string> {
  return realpath(path).catch(() => resolve(path));
}

/** The file's text, or why it is not read (too large, binary, not UTF-8). Never follows a link swapped in meanwhile. */
async function readText(path: string, maxBytes: number): Promise<string | { problem: string }> {
  const handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { problem: 'not a regular file' };
    if (info.size > maxBytes) return { problem: `larger than ${Math.round(maxBytes / (1024 * 1024))} MB` };
    try {
      // Without a byte order mark, as an editor shows the text: offsets count from what the user sees.
      return decodeUtf8Text(await handle.readFile(), path).replace(/^\uFEFF/, '');
    } catch (error) {
      if (error instanceof TextEncodingError) return { problem: error.message.slice(path.length + 2) };
      throw error;
    }
  } finally {
    await handle.close();
  }
}

function relativeName(path: string, base: string, root: string): string {
  const inside = relative(base, path);
  const name = inside !== '' && !inside.startsWith(`..${sep}`) && inside !== '..' && !isAbsolute(inside) ? inside : relative(root, path);
  return name.split(sep).join('/');
}
