// Reading (and writing) user-named files with messages that say what is wrong, not a stack trace. A file that is not
// UTF-8 text (a binary file, another encoding) is refused with the position of the first offending byte.
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { decodeUtf8Text } from '../core/data/utf8Text';
import { writeFileAtomic } from '../core/io/atomicWrite';
import { UsageError } from './args';

export function readInputFile(path: string): string {
  if (!existsSync(path)) throw new UsageError(`cannot read ${path}: no such file`);
  if (statSync(path).isDirectory()) throw new UsageError(`cannot read ${path}: it is a directory`);
  return decodeUtf8Text(readFileSync(path), path);
}

/** Writes `content` to `path` atomically (never a half-written file under its name), creating its folder. */
export function writeOutputFile(path: string, content: string): void {
  mkdirSync(dirname(resolve(path)), { recursive: true });
  writeFileAtomic(path, content);
}
