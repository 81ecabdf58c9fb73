// Reading and writing files of a workspace folder, whose contents anyone may have put there (a cloned
// repository): a path may not leave the folder, neither by `..` nor by a symbolic link (checked on the real
// path, every link in it resolved); reads are asynchronous and bounded, and only regular files are read (a link
// to /dev/zero or a FIFO would never end); errors name the file and the reason, never what is in it.
import { constants } from 'node:fs';
import { lstat, mkdir, open, readlink, realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { writeFileAtomic } from './atomicWrite';

/** What a workspace file may weigh unless the caller says otherwise. */
export const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;

/** Links followed in one path before giving up (a loop of links). */
const MAX_LINKS = 40;

export type WorkspaceFileProblem = 'outside' | 'too-large' | 'not-a-file';

export class WorkspaceFileError extends Error {
  constructor(
    /** The path as the caller named it (relative to the folder). */
    readonly file: string,
    readonly problem: WorkspaceFileProblem,
    message: string,
  ) {
    super(message);
    this.name = 'WorkspaceFileError';
  }
}

/** Whether `file` is `root` or lies under it (both absolute; compared as written, links not resolved). */
export function isInsideFolder(root: string, file: string): boolean {
  const path = relative(root, file);
  return path === '' || (path !== '..' && !path.startsWith(`..${sep}`) && !isAbsolute(path));
}

/**
 * The real path of `relativePath` under the folder `root`, every symbolic link in it resolved (for a file that
 * does not exist yet: its deepest existing folder resolved, the rest appended). Throws a WorkspaceFileError
 * when the path or the place a link leads to is outside the folder.
 */
export async function resolveInsideFolder(root: string, relativePath: string): Promise<string> {
  const outside = (how: string) => new WorkspaceFileError(relativePath, 'outside', `${relativePath} ${how} outside the workspace folder; BANER only reads and writes files inside it`);
  const lexical = resolve(root, relativePath);
  if (!isInsideFolder(resolve(root), lexical)) throw outside('is');
  const realRoot = await realpath(root);
  let existing = lexical;
  const rest: string[] = [];
  for (let links = 0; ; ) {
    try {
      const real = await realpath(existing);
      if (!isInsideFolder(realRoot, real)) throw outside('leads (through a symbolic link)');
      return join(real, ...rest);
    } catch (error) {
      if (error instanceof WorkspaceFileError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') throw new WorkspaceFileError(relativePath, 'not-a-file', `${relativePath} is a loop of symbolic links`);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
    }
    // `existing` is missing, or a link to something missing: a dangling link is followed by hand (writing
    // through it would create its target, wherever that is).
    const link = await lstat(existing).then((s) => s.isSymbolicLink(), () => false);
    if (link) {
      if (++links > MAX_LINKS) throw new WorkspaceFileError(relativePath, 'not-a-file', `${relativePath} is a loop of symbolic links`);
      existing = resolve(dirname(existing), await readlink(existing));
      continue;
    }
    const parent = dirname(existing);
    if (parent === existing) throw outside('is');
    rest.unshift(basename(existing));
    existing = parent;
  }
}

/**
 * The text of `relativePath` under `root` (UTF-8), or undefined when there is no such file. Refuses, with a
 * WorkspaceFileError, a path leading outside the folder, anything but a regular file, and files over `maxBytes`.
 */
export async function readWorkspaceText(root: string, relativePath: string, options: { maxBytes?: number } = {}): Promise<string | undefined> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const file = await resolveInsideFolder(root, relativePath);
  let handle;
  try {
    // Non-blocking: opening a FIFO would otherwise wait for a writer. No following: the path is resolved already.
    handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw new WorkspaceFileError(relativePath, 'not-a-file', `${relativePath} changed into a symbolic link while being opened`);
    throw error;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new WorkspaceFileError(relativePath, 'not-a-file', `${relativePath} is not a regular file`);
    if (info.size > maxBytes) throw tooLarge(relativePath, maxBytes);
    // Read at most one byte more than allowed: a file that grew meanwhile is refused too, never read to its end.
    let buffer = Buffer.allocUnsafe(info.size + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > maxBytes) throw tooLarge(relativePath, maxBytes);
        const bigger = Buffer.allocUnsafe(Math.min(maxBytes + 1, buffer.length * 2));
        buffer.copy(bigger, 0, 0, length);
        buffer = bigger;
      }
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) throw tooLarge(relativePath, maxBytes);
    return buffer.toString('utf8', 0, length);
  } finally {
    await handle.close();
  }
}

/** Writes `text` to `relativePath` under `root` atomically (through a link that stays inside the folder, to its target). */
export async function writeWorkspaceText(root: string, relativePath: string, text: string): Promise<void> {
  const file = await resolveInsideFolder(root, relativePath);
  await mkdir(dirname(file), { recursive: true });
  writeFileAtomic(file, text);
}

/** Creates the folder `relativePath` under `root` (and its parents) unless it leads outside; resolves to its real path. */
export async function makeWorkspaceFolder(root: string, relativePath: string): Promise<string> {
  const folder = await resolveInsideFolder(root, relativePath);
  await mkdir(folder, { recursive: true });
  return folder;
}

function tooLarge(file: string, maxBytes: number): WorkspaceFileError {
  const limit = maxBytes >= 1024 * 1024 ? `${Math.round(maxBytes / (1024 * 1024))} MB` : `${maxBytes} bytes`;
  return new WorkspaceFileError(file, 'too-large', `${file} is larger than ${limit}, more than BANER reads`);
}
