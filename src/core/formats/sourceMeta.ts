// Where a text came from (a support sentence's file and offset), kept in a format's free-form field: doccano's and
// Prodigy's "meta", spaCy's "_" (custom Doc attributes, Doc.from_json sets them). Flat keys, so that the tools show
// them as they are.
import type { SupportSource } from '../support/supportFile';
import type { Fail } from './formatError';
import { isJsonObject } from './jsonLines';

const PATH = 'source_path';
const OFFSET = 'source_offset';
const FOLDER = 'source_folder';

/** The source as free-form fields (to merge into a "meta" or "_" object). */
export function sourceFields(source: SupportSource | undefined): Record<string, string | number> {
  if (!source) return {};
  return source.folder === undefined ? { [PATH]: source.path, [OFFSET]: source.offset } : { [PATH]: source.path, [OFFSET]: source.offset, [FOLDER]: source.folder };
}

/** The source kept in `fields` (the value of `key`, "meta" or "_"), if any; malformed source fields are refused. */
export function sourceFromFields(fields: unknown, key: string, fail: Fail): SupportSource | undefined {
  if (fields === undefined) return undefined;
  if (!isJsonObject(fields)) return fail(`"${key}" must be an object`);
  const { [PATH]: path, [OFFSET]: offset, [FOLDER]: folder } = fields;
  if (path === undefined && offset === undefined && folder === undefined) return undefined;
  if (typeof path !== 'string' || path === '') fail(`"${key}.${PATH}" must be a non-empty string (the file the text came from)`);
  if (!Number.isSafeInteger(offset) || (offset as number) < 0) fail(`"${key}.${OFFSET}" must be an integer >= 0 (where the text starts in that file)`);
  if (folder !== undefined && typeof folder !== 'string') fail(`"${key}.${FOLDER}" must be a string (the name of a workspace folder)`);
  const source: SupportSource = { path: path as string, offset: (offset as number) + 0 };
  if (folder !== undefined) source.folder = folder as string;
  return source;
}
