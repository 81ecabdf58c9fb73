// Whether BANER may use what a workspace folder holds: its support set (.baner/support.jsonl) and its adapters
// (.baner/adapters), which anyone who wrote the repository may have put there. In Restricted Mode (an untrusted
// folder) nothing of it is read; highlighting with the model from the user's own settings still works. A virtual
// folder (no local path: vscode-vfs, a remote file system provider) has no files BANER's worker threads can read.
// No 'vscode' import: the decision is a pure function of the folder and the trust, tested in plain Node.

export type WorkspaceAccess =
  /** No folder is open. */
  | { kind: 'none' }
  /** The folder's local path: its support set and adapters may be used. */
  | { kind: 'allowed'; folder: string }
  /** The folder is not trusted, or not on the local file system: nothing is read from it; `reason` says so to the user. */
  | { kind: 'restricted' | 'virtual'; reason: string };

export const RESTRICTED_REASON =
  'Restricted Mode: BANER does not load this workspace\'s support set or adapters (.baner/), which anyone could have put there. ' +
  'Entities are highlighted with the model of your settings; trust the workspace to label and adapt.';

export const VIRTUAL_REASON = 'This workspace folder is not on the local file system: BANER keeps no support set or adapters for it. Entities are still highlighted.';

/** What BANER may read of `folder` (the first workspace folder, if any) given the workspace's trust. */
export function workspaceAccess(folder: { scheme: string; fsPath: string } | undefined, trusted: boolean): WorkspaceAccess {
  if (!folder) return { kind: 'none' };
  if (!trusted) return { kind: 'restricted', reason: RESTRICTED_REASON };
  if (folder.scheme !== 'file') return { kind: 'virtual', reason: VIRTUAL_REASON };
  return { kind: 'allowed', folder: folder.fsPath };
}
