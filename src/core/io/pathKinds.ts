// What a path is, without following a final symbolic link: a link is never taken for the folder or file it
// points to (adapters and their leftovers must be real folders inside .baner).
import { lstatSync } from 'node:fs';

/** A real directory (not a link to one). */
export function isRealDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Anything at all is there (a dangling link counts). */
export function pathExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
