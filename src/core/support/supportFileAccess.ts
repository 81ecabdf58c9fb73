// The support file of a workspace folder, read and changed safely by any number of processes (VS Code
// windows on one folder, the command line): every change reads the file afresh, edits and writes it under an
// exclusive lock, so that no process writes over a change it has not seen; the file never leaves the folder
// (see io/workspaceFiles), and a file that does not parse is never written over.
import { join } from 'node:path';
import { withFileLock, type LockOptions } from '../io/fileLock';
import { removeStaleTempFiles } from '../io/atomicWrite';
import { makeWorkspaceFolder, readWorkspaceText, resolveInsideFolder, writeWorkspaceText } from '../io/workspaceFiles';
import { formatSupportFile, readSupportFile, type ParsedSupportFile, type SupportExample } from './supportFile';

export const BANER_DIR = '.baner';
/** The support file, relative to its workspace folder. */
export const SUPPORT_FILE = `${BANER_DIR}/support.jsonl`;
/** Far more than anyone labels by hand (about 100,000 sentences); a bigger file is not read. */
export const MAX_SUPPORT_BYTES = 20 * 1024 * 1024;

export interface SupportFileOptions {
  /** How errors name the file (default: `.baner/support.jsonl`). */
  displayName?: string;
  lock?: LockOptions;
}

export interface LoadedSupportFile extends ParsedSupportFile {
  /** The text read; undefined when there is no file (no examples yet). */
  content: string | undefined;
}

/** Reads and parses the support file of the folder `root`; throws a SpanJsonlError or WorkspaceFileError. */
export async function loadSupportFile(root: string, options: SupportFileOptions = {}): Promise<LoadedSupportFile> {
  const content = await readWorkspaceText(root, SUPPORT_FILE, { maxBytes: MAX_SUPPORT_BYTES });
  if (content === undefined) return { examples: [], notes: [], content };
  return { ...readSupportFile(content, options.displayName ?? SUPPORT_FILE), content };
}

/**
 * The whole file's text, written as it is (an undo putting back the exact bytes a file had); it must parse, and
 * the examples it holds are what the edit results in.
 */
export interface SupportFileText {
  text: string;
}

/**
 * What an edit of the support file is given: the examples on disk now and the file's text (undefined: no file).
 * It returns the new examples, a verbatim text (SupportFileText), or undefined to change nothing.
 */
export type SupportFileEdit = (examples: SupportExample[], content: string | undefined) => SupportExample[] | SupportFileText | undefined;

/**
 * Applies `edit` to the examples on disk now and writes the result, under the support file's lock. `edit`
 * returns undefined to change nothing (then undefined is returned). Throws, writing nothing, when the file
 * does not parse, leads outside the folder or is too large.
 */
export async function updateSupportFile(
  root: string,
  edit: SupportFileEdit,
  options: SupportFileOptions = {},
): Promise<{ examples: SupportExample[]; content: string } | undefined> {
  const dir = await makeWorkspaceFolder(root, BANER_DIR);
  return withFileLock(
    join(dir, 'support.jsonl.lock'),
    async () => {
      const loaded = await loadSupportFile(root, options);
      const result = edit(loaded.examples, loaded.content);
      if (!result) return undefined;
      const verbatim = !Array.isArray(result);
      const content = verbatim ? result.text : formatSupportFile(result);
      let next: SupportExample[];
      try {
        next = verbatim ? readSupportFile(content, options.displayName ?? SUPPORT_FILE).examples : result;
      } catch (error) {
        // Not the file's problem (it is not written): an error of this edit.
        throw new Error(`the text to write is no valid support file: ${(error as Error).message}`);
      }
      if (Buffer.byteLength(content, 'utf8') > MAX_SUPPORT_BYTES) {
        throw new Error(`the support set would grow past ${MAX_SUPPORT_BYTES / (1024 * 1024)} MB, more than BANER reads; remove examples first`);
      }
      await writeWorkspaceText(root, SUPPORT_FILE, content);
      // Leftovers of writes that a crash interrupted (ours only, and old).
      await removeStaleTempFiles(await resolveInsideFolder(root, SUPPORT_FILE));
      return { examples: next, content };
    },
    options.lock,
  );
}
