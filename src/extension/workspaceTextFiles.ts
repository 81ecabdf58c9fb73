// The workspace's text files that the views scan on request (Next Sentences, the Entities view's workspace
// part): one glob, one exclusion list and one bound, so that both see the same documents.
import * as vscode from 'vscode';

export const WORKSPACE_TEXT_FILES = '**/*.{txt,md,markdown,rst,log}';
const EXCLUDED = '{**/.baner/**,**/node_modules/**,**/.git/**}';
/** At most this many files (the first found). */
const MAX_FILES = 200;

/** Files matching `include` (default: the text files above), outside .baner, node_modules and .git. */
export function findWorkspaceTextFiles(include: string = WORKSPACE_TEXT_FILES): Thenable<vscode.Uri[]> {
  return vscode.workspace.findFiles(include, EXCLUDED, MAX_FILES);
}
