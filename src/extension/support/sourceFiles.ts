// The workspace folders as the support set sees them, and which source file a document is. The support set
// lives in the first folder (extension.ts opens its store there); a document of another folder is recorded
// with that folder's name, so that it is found again in its own folder.
import * as vscode from 'vscode';
import { sourceFileOf, type FolderRef, type SourceFile } from '../../core/support/sourcePaths';

export function folderRef(folder: vscode.WorkspaceFolder): FolderRef {
  return { name: folder.name, root: folder.uri.fsPath };
}

export function workspaceFolderRefs(): FolderRef[] {
  return (vscode.workspace.workspaceFolders ?? []).map(folderRef);
}

/** The source file of `document` for the support set kept in `home` (default: the first workspace folder). */
export function documentSourceFile(document: vscode.TextDocument, home: vscode.WorkspaceFolder | undefined = vscode.workspace.workspaceFolders?.[0]): SourceFile {
  if (document.uri.scheme === 'file') {
    const source = sourceFileOf(document.uri.fsPath, workspaceFolderRefs(), home && folderRef(home));
    if (source) return source;
  }
  // Untitled documents and files outside every folder: as VS Code names them.
  return { path: vscode.workspace.asRelativePath(document.uri, false).replace(/\\/g, '/') };
}
