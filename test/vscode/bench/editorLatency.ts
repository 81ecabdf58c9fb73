// Editor latencies measured inside the extension host of a real VS Code (issue 5, part 2): cold model load,
// first highlights of the visible lines and of a whole 5,000-line document after opening, re-highlight after a
// one-character edit, and the event-loop lag meanwhile. Loaded by run-editor-bench.mjs as extensionTestsPath;
// writes its figures as JSON to $BANER_BENCH_OUT.
import { writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { BanerApi } from '../../../src/extension/extension';
import type { PaintEvent } from '../../../src/extension/highlights';
import { measureLag } from '../suite/eventLoopLag';

const LINES = 5_000;
const EDIT_DEBOUNCE_MS = 500;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function until<T>(probe: () => T | undefined, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(5);
  }
}

function file(name: string): vscode.Uri {
  return vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, name);
}

export async function run(): Promise<void> {
  const extension = vscode.extensions.all.find((e) => (e.packageJSON as { name?: string }).name === 'baner-vscode')!;
  await until(() => (extension.isActive ? true : undefined), 60_000);
  const api = extension.exports as BanerApi;
  await vscode.workspace.getConfiguration('baner').update('autoHighlight', [], vscode.ConfigurationTarget.Workspace);
  const paintAfter = (uri: vscode.Uri, scope: PaintEvent['scope'], since: number) => () =>
    api.recentPaints().slice(since).find((p) => p.uri === uri.toString() && p.scope === scope);

  // 1. Cold load: the first highlight starts the worker and loads the model.
  const small = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file('harbour-report.txt')));
  let started = performance.now();
  await vscode.commands.executeCommand('baner.highlightEntities');
  const firstHighlightMs = performance.now() - started;
  const state = api.engineState();

  // 2. A 5,000-line document: visible lines first, then the whole text, with the event loop watched.
  const sources = ['harbour-report.txt', 'meeting-notes.md', 'travel-itinerary.txt', 'clinic-notes.md'];
  const texts = await Promise.all(sources.map(async (n) => new TextDecoder().decode(await vscode.workspace.fs.readFile(file(n)))));
  const lines: string[] = [];
  // Numbered so that sentences differ (no help from the sentence cache on first open).
  for (let i = 0; lines.length < LINES; i++) lines.push(...texts[i % texts.length].split('\n').map((l) => (l.trim() ? `${l} (${i})` : l)));
  const big = file('large-latency.txt');
  await vscode.workspace.fs.writeFile(big, new TextEncoder().encode(lines.slice(0, LINES).join('\n')));
  const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(big));
  const mark = api.recentPaints().length;
  started = performance.now();
  const lag = await measureLag(async () => {
    await vscode.commands.executeCommand('baner.highlightEntities');
  });
  const fullMs = performance.now() - started;
  const visible = paintAfter(big, 'visible', mark)();
  const full = paintAfter(big, 'full', mark)();

  // 3. One character typed in the middle of the screen: debounce, then only the changed sentence runs the model.
  const edits: number[] = [];
  for (let i = 0; i < 5; i++) {
    const before = api.recentPaints().length;
    const line = editor.visibleRanges[0].start.line + 3 + i;
    await editor.edit((b) => b.insert(new vscode.Position(line, 0), 'x'));
    const typed = performance.now();
    const paint = await until(paintAfter(big, 'full', before));
    edits.push(paint.ms);
    void typed;
    await sleep(100);
  }
  await vscode.commands.executeCommand('workbench.action.files.revert');
  // The revert is an edit too: let its re-highlight finish, then close the large document, so that the next
  // measurement sees the adaptation only.
  await sleep(2_000);
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  await sleep(500);

  // 4. Adapting from the editor: the extension host's event loop while the Adapt command runs (labels first).
  const notes = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file('clinic-notes.md')));
  await vscode.commands.executeCommand('baner.highlightEntities');
  const notesText = notes.document.getText();
  notes.selections = ['Glucophage', 'Norvasc', 'Zestril', 'Lipitor'].map((w) => {
    const at = notesText.indexOf(w);
    return new vscode.Selection(notes.document.positionAt(at), notes.document.positionAt(at + w.length));
  });
  await vscode.commands.executeCommand('baner.labelSelection', { label: 'DRUG', onOverlap: 'replace' });
  const adaptLag = await measureLag(() => Promise.resolve(vscode.commands.executeCommand<{ seconds: number } | undefined>('baner.adaptToDomain', { name: 'bench' })));

  const result = {
    machine: { cores: (await import('node:os')).availableParallelism(), node: process.version },
    model: state,
    coldFirstHighlightMs: Math.round(firstHighlightMs),
    documentLines: LINES,
    documentChars: editor.document.getText().length,
    visibleRangeMs: visible ? Math.round(visible.ms) : null,
    wholeDocumentMs: full ? Math.round(full.ms) : Math.round(fullMs),
    eventLoop: { maxLagMs: Math.round(lag.maxLagMs), ownWorkMs: lag.ownWorkMs, report: lag.text },
    adaptInEditor: { support: '4 DRUG mentions in 3 sentences of clinic-notes.md', seconds: adaptLag.result?.seconds ?? null, wallMs: Math.round(adaptLag.elapsedMs), maxLagMs: Math.round(adaptLag.maxLagMs), ownWorkMs: adaptLag.ownWorkMs, report: adaptLag.text },
    rehighlightAfterEditMs: { runs: edits.map(Math.round), median: Math.round([...edits].sort((a, b) => a - b)[Math.floor(edits.length / 2)]), debounceMs: EDIT_DEBOUNCE_MS },
  };
  void small;
  console.log(JSON.stringify(result, null, 2));
  if (process.env.BANER_BENCH_OUT) writeFileSync(process.env.BANER_BENCH_OUT, JSON.stringify(result, null, 2) + '\n');
}
