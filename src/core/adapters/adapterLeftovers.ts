// The temporary folders beside adapters, and what is done with those a killed process left behind.
// A save writes `.NAME.partial-PID-TIME-RANDOM`, moves the adapter it replaces to `.NAME.backup-PID-TIME-RANDOM`,
// renames the new folder into place and removes the backup; a delete moves the adapter to `.NAME.deleted-...` first.
// Older versions of BANER left `.NAME.PID.TIME.partial`, `.NAME.PID.TIME.deleted` and `NAME.TIME.old`.
// A leftover is stale when the process that made it is gone, or STALE_MS after the time in its name: then a backup
// whose adapter is missing (killed between the two renames) is put back, and every other leftover is removed.
import { lstatSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { isRealDirectory, pathExists } from '../io/pathKinds';
import { isAdapterName } from './adapterName';

export type LeftoverKind = 'partial' | 'backup' | 'deleted';

/** A save or delete takes milliseconds: a leftover this old is stale even if its process id is in use again. */
export const STALE_MS = 10 * 60_000;

/** The files every complete adapter folder has. */
export const ADAPTER_FILES = ['adapter.json', 'lora.bin', 'types.json'] as const;

export interface Leftover {
  /** The folder's name in the adapters root. */
  entry: string;
  /** The adapter it belongs to. */
  name: string;
  /** What it holds: a new version being written, the previous version, or one being deleted. */
  kind: LeftoverKind;
  /** The process that made it, when the name says. */
  pid?: number;
  /** When it was made (ms since 1970), from its name. */
  madeMs: number;
}

/** A hidden temporary folder name for adapter `name`, unique to this process and call. */
export function leftoverName(name: string, kind: LeftoverKind): string {
  return `.${name}.${kind}-${process.pid}-${Date.now()}-${randomBytes(6).toString('hex')}`;
}

const CURRENT = /^\.(.+)\.(partial|backup|deleted)-(\d+)-(\d+)-[0-9a-f]+$/;
const LEGACY_HIDDEN = /^\.(.+)\.(\d+)\.(\d+)\.(partial|deleted)$/;
const LEGACY_OLD = /^(.+)\.(\d+)\.old$/;

/** What a folder name says about it, or undefined for anything that is not one of these leftovers. */
export function parseLeftover(entry: string): Leftover | undefined {
  let m = CURRENT.exec(entry);
  if (m) return { entry, name: m[1], kind: m[2] as LeftoverKind, pid: Number(m[3]), madeMs: Number(m[4]) };
  m = LEGACY_HIDDEN.exec(entry);
  if (m) return { entry, name: m[1], kind: m[4] as LeftoverKind, pid: Number(m[2]), madeMs: Number(m[3]) };
  m = LEGACY_OLD.exec(entry);
  if (m) return { entry, name: m[1], kind: 'backup', madeMs: Number(m[2]) };
  return undefined;
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0); // signal 0: only asks whether it exists
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

function isStale(leftover: Leftover, now: number): boolean {
  if (now - leftover.madeMs > STALE_MS) return true;
  return leftover.pid !== undefined && !processAlive(leftover.pid);
}

function isComplete(dir: string): boolean {
  return ADAPTER_FILES.every((file) => {
    try {
      return lstatSync(join(dir, file)).isFile();
    } catch {
      return false;
    }
  });
}

/**
 * Puts back adapters that a killed save left only as a backup and removes stale leftovers in `root`. Best effort:
 * a folder it may not write (a read-only install) or a race with another window is not an error. Returns what
 * it did, for logs and tests.
 */
export function recoverAdapterFolders(root: string): { restored: string[]; removed: string[] } {
  const done = { restored: [] as string[], removed: [] as string[] };
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return done;
  }
  const now = Date.now();
  const stale: Leftover[] = [];
  for (const entry of entries) {
    const leftover = parseLeftover(entry);
    // A folder whose name part is no adapter name is not ours to touch.
    if (leftover && isAdapterName(leftover.name) && isRealDirectory(join(root, entry)) && isStale(leftover, now)) stale.push(leftover);
  }
  // Newest backup first: the version that was in place last.
  stale.sort((a, b) => b.madeMs - a.madeMs);
  for (const leftover of stale) {
    const from = join(root, leftover.entry);
    try {
      if (leftover.kind === 'backup' && !pathExists(join(root, leftover.name)) && isComplete(from)) {
        renameSync(from, join(root, leftover.name));
        done.restored.push(leftover.name);
        continue;
      }
      rmSync(from, { recursive: true, force: true });
      done.removed.push(leftover.entry);
    } catch {
      // Another window recovered it first, or the folder is read-only: nothing to do here.
    }
  }
  return done;
}
