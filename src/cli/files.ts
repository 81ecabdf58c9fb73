// Reading user-named files with messages that say what is wrong, not a stack trace.
import { existsSync, statSync } from 'node:fs';
import { UsageError } from './args';

export function readInputFile(path: string, read: (p: string, enc: 'utf8') => string): string {
  if (!existsSync(path)) throw new UsageError(`cannot read ${path}: no such file`);
  if (statSync(path).isDirectory()) throw new UsageError(`cannot read ${path}: it is a directory`);
  return read(path, 'utf8');
}
