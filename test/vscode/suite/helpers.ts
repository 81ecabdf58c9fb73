// Shared steps of the extension tests (bundled into each test file).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { BanerApi } from '../../../src/extension/extension';

export type { BanerApi };

/** CoNLL-2003's types: what the default model labels. */
export const CONLL_LABELS = new Set(['PER', 'LOC', 'ORG', 'MISC']);

export function banerExtension(): vscode.Extension<BanerApi> {
  // By name, so that the tests do not depend on the publisher.
  const extension = vscode.extensions.all.find((e) => (e.packageJSON as { name?: string }).name === 'baner-vscode');
  assert.ok(extension, 'the BANER extension is loaded');
  return extension as vscode.Extension<BanerApi>;
}

/**
 * The extension's API once VS Code has activated it by itself (activationEvents: onStartupFinished); the tests
 * never call activate(), so that a broken activation event fails them.
 */
export async function banerApi(): Promise<BanerApi> {
  const extension = banerExtension();
  await waitFor('the activation of the extension at startup', () => extension.isActive, 60_000);
  const api = extension.exports;
  assert.equal(typeof api?.entitiesOf, 'function', 'activate() returns the API');
  return api;
}

/**
 * banerApi() with automatic highlighting off: the sample workspace highlights *.txt and *.md when opened, and
 * most suites decide themselves when to highlight (autoHighlight has its own test).
 */
export async function banerApiHighlightingOnRequest(): Promise<BanerApi> {
  const api = await banerApi();
  await setSetting('autoHighlight', []);
  return api;
}

/** A file of the test workspace (a temp copy of samples/workspace). */
export function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the tests run with a workspace folder open');
  return vscode.Uri.joinPath(folder.uri, name);
}

export async function openEditor(name: string): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument(workspaceFile(name));
  return vscode.window.showTextDocument(document);
}

/** Closes every editor, reverting unsaved edits first (closing a dirty editor would ask whether to save). */
export async function closeAllEditors(): Promise<void> {
  for (const document of vscode.workspace.textDocuments) {
    if (!document.isDirty) continue;
    await vscode.window.showTextDocument(document);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

/** Sets a `baner.*` setting of the workspace (undefined: removes it). */
export async function setSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('baner').update(key, value, vscode.ConfigurationTarget.Workspace);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` until it returns something other than undefined/false; fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 60_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/**
 * Replaces `vscode.window[name]` (showErrorMessage, showInformationMessage, ...) with a recorder until the
 * returned restore() is called; the extension shares this `vscode` object with the tests.
 */
export function recordMessages(name: 'showErrorMessage' | 'showInformationMessage' | 'showWarningMessage'): { messages: string[]; restore(): void } {
  const window = vscode.window as unknown as Record<string, unknown>;
  const original = window[name];
  const messages: string[] = [];
  window[name] = (message: string) => {
    messages.push(message);
    return Promise.resolve(undefined);
  };
  return { messages, restore: () => void (window[name] = original) };
}
