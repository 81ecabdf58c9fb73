// Where a workspace's adapters live, `<folder>/.baner/adapters`, as a real path that stays inside the folder.
// A cloned repository may carry `.baner -> ../elsewhere` (or a link for `adapters`): BANER would then read and
// write outside the workspace. Each step is checked on its real path, and one that leads out is refused.
import { lstatSync, mkdirSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { AdapterError } from './adapterName';

/** The adapters folder, relative to a workspace folder. */
export const WORKSPACE_ADAPTERS_PATH = ['.baner', 'adapters'] as const;

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/**
 * The real path of `folder`/.baner/adapters. Without `create`, undefined when it does not exist yet; with it,
 * missing parts are made (one at a time, never through a link). Throws an AdapterError when `.baner` or
 * `adapters` is not a folder, or leads (through a symbolic link) outside the workspace folder.
 */
export function workspaceAdaptersRoot(folder: string, options: { create?: boolean } = {}): string | undefined {
  const realFolder = realpathSync(folder);
  let dir = realFolder;
  let shown = '';
  for (const part of WORKSPACE_ADAPTERS_PATH) {
    shown = shown ? `${shown}/${part}` : part;
    const next = join(dir, part);
    let info;
    try {
      info = lstatSync(next);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new AdapterError(`${shown} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      if (!options.create) return undefined;
      try {
        mkdirSync(next); // not recursive: a link created meanwhile is an error, not followed
      } catch (made) {
        if ((made as NodeJS.ErrnoException).code !== 'EEXIST') throw made;
      }
      info = lstatSync(next);
    }
    if (info.isSymbolicLink()) {
      let real: string;
      try {
        real = realpathSync(next);
      } catch {
        throw new AdapterError(`${shown} is a symbolic link that leads nowhere; BANER keeps adapters only inside the workspace folder`);
      }
      if (!inside(realFolder, real)) throw new AdapterError(`${shown} is a symbolic link leading outside the workspace folder; BANER does not read or write adapters there`);
      info = lstatSync(real);
      dir = real;
    } else {
      dir = next;
    }
    if (!info.isDirectory()) throw new AdapterError(`${shown} is not a folder`);
  }
  return dir;
}
