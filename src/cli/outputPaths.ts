// Checks on where a command is told to read and write, made before any work, so that a mistake costs nothing.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { printable, UsageError } from './args';

/** An output file may not be a folder (the rename that writes it atomically would fail only at the end). */
export function refuseFolder(path: string): void {
  if (existsSync(path) && statSync(path).isDirectory()) throw new UsageError(`${printable(path)} is a folder; name the output file`);
}

/** Whether --out names a folder: one that exists, or a path ending in "/". */
export function namesFolder(path: string): boolean {
  return /[\\/]$/.test(path) || (existsSync(path) && statSync(path).isDirectory());
}

/** The absolute path of a folder that must exist (a workspace folder). */
export function existingFolder(path: string): string {
  if (!existsSync(path) || !statSync(path).isDirectory()) throw new UsageError(`${printable(path)} is not a folder`);
  return resolve(path);
}
