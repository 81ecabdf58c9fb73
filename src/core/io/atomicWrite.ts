// Files are written to a temporary sibling and renamed into place, so a crash mid-write never leaves a
// half-written file under the real name. A crash does leave the temporary file: removeStaleTempFiles clears
// those (only ours, recognised by name, and only old ones, so that another process's write in progress is kept).
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { lstat, readdir, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/** A temporary file older than this belongs to a write that died (a write takes milliseconds). */
export const STALE_TEMP_MS = 10 * 60_000;

/** `.NAME.PID.TIME.RANDOM.tmp` beside NAME: the process and time say whose it is, the random part keeps two writes apart. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Whether `name` is a temporary file of writeFileAtomic for the file called `target` (with or without the random part). */
export function isTempNameFor(name: string, target: string): boolean {
  if (!name.startsWith(`.${target}.`) || !name.endsWith('.tmp')) return false;
  return /^\d+\.\d+(\.[0-9a-f]{8})?$/.test(name.slice(target.length + 2, -'.tmp'.length));
}

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = tempPathFor(path);
  try {
    const fd = openSync(tmp, 'wx');
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

/**
 * Removes the temporary files that writes of `path` left behind (a process killed between writing and renaming),
 * when older than `olderThanMs`. Anything else in the folder is left alone. Resolves to the names removed.
 */
export async function removeStaleTempFiles(path: string, olderThanMs = STALE_TEMP_MS): Promise<string[]> {
  const dir = dirname(path);
  const target = basename(path);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return []; // no folder, nothing left behind
  }
  const removed: string[] = [];
  const now = Date.now();
  for (const name of names) {
    if (!isTempNameFor(name, target)) continue;
    try {
      const info = await lstat(join(dir, name)); // a link of that name is not ours
      if (!info.isFile() || now - info.mtimeMs < olderThanMs) continue;
      await rm(join(dir, name), { force: true });
      removed.push(name);
    } catch {
      // Gone meanwhile (another window cleaned it): fine.
    }
  }
  return removed;
}
