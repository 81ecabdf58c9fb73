// Where a support sentence came from, in a workspace of one or several folders. A source is stored relative
// to the workspace folder holding the file, with that folder's name when it is not the support set's own
// folder, and is resolved against that same folder (never against another one that happens to hold a file
// of the same relative path).
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { isInsideFolder } from '../io/workspaceFiles';
import type { SupportSource } from './supportFile';

export interface FolderRef {
  /** The workspace folder's name (what VS Code shows; unique in a workspace). */
  name: string;
  /** Its absolute path on disk. */
  root: string;
}

/** Which file a source names, without the offset: `path` in the folder `folder` (undefined: the support set's folder). */
export type SourceFile = Pick<SupportSource, 'path' | 'folder'>;

/**
 * The source of the file at absolute `file`: its path relative to the innermost workspace folder holding it,
 * with the folder's name unless that is `home` (the folder of the support set). Undefined when no folder holds it.
 */
export function sourceFileOf(file: string, folders: readonly FolderRef[], home: FolderRef | undefined): SourceFile | undefined {
  let best: FolderRef | undefined;
  for (const folder of folders) {
    if (isInsideFolder(folder.root, file) && (!best || folder.root.length > best.root.length)) best = folder;
  }
  if (!best) return undefined;
  const path = relative(best.root, file).split(sep).join('/');
  return home && best.root === home.root ? { path } : { path, folder: best.name };
}

/**
 * The absolute path a source names, or why it names none: a folder that is not open, or a path leading out of its
 * folder (the support file is hand-editable). Links are not resolved here; reading goes through workspaceFiles.
 */
export function resolveSourceFile(source: SourceFile, folders: readonly FolderRef[], home: FolderRef): { root: string; file: string } | { problem: string } {
  const folder = source.folder === undefined ? home : folders.find((f) => f.name === source.folder);
  if (!folder) return { problem: `${source.path} is in the workspace folder "${source.folder}", which is not open` };
  if (isAbsolute(source.path)) return { problem: `${source.path} is outside the workspace folder` };
  const file = resolve(folder.root, source.path);
  if (!isInsideFolder(folder.root, file)) return { problem: `${source.path} is outside the workspace folder` };
  return { root: folder.root, file };
}

/** Whether two sources name the same file. */
export function sameSourceFile(a: SourceFile | undefined, b: SourceFile | undefined): boolean {
  return a !== undefined && b !== undefined && a.path === b.path && (a.folder ?? '') === (b.folder ?? '');
}
