// Where the tests find the public datasets: ../shared/data beside the repository (BANER_DATA overrides it).
// A missing folder is a clear failure that says what to do, never a silently skipped test.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const DATA_ROOT = resolve(process.env.BANER_DATA ?? join(__dirname, '../../../shared/data'));

export function dataPath(relative: string): string {
  const path = join(DATA_ROOT, relative);
  if (!existsSync(path)) {
    throw new Error(`test data ${path} is missing: the tests read the public NER datasets from ../shared/data beside the repository (or set BANER_DATA)`);
  }
  return path;
}
