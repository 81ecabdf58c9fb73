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
  const shown = editor.visibleRanges[0];
  const visibleLines = shown ? shown.end.line - shown.start.line + 1 : null;
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
  // The extension host is shared: a CPU profile of the adaptation window tells BANER's own code (its bundle
  // dist/extension.js) from VS Code's and other extensions' (e.g. the built-in Markdown ones, busy on .md files).
  await sleep(2_000); // let the Markdown extensions settle after opening the notes
  const inspector = await import('node:inspector');
  const session = new inspector.Session();
  const post = (method: string, params?: object) => new Promise<any>((resolve, reject) => session.post(method, params ?? {}, (e: Error | null, r: unknown) => (e ? reject(e) : resolve(r))));
  session.connect();
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 });
  await post('Profiler.start');
  const adaptLag = await measureLag(() => Promise.resolve(vscode.commands.executeCommand<{ seconds: number } | undefined>('baner.adaptToDomain', { name: 'bench' })));
  const { profile } = await post('Profiler.stop');
  session.disconnect();
  if (process.env.BANER_BENCH_PROFILE) writeFileSync(process.env.BANER_BENCH_PROFILE, JSON.stringify(profile));
  const cpu = attributeProfile(profile, `${extension.extensionPath}/dist/`);

  const result = {
    machine: { cores: (await import('node:os')).availableParallelism(), node: process.version },
    model: state,
    coldFirstHighlightMs: Math.round(firstHighlightMs),
    modelLoadMs: state?.loadMs ?? null,
    documentLines: LINES,
    documentChars: editor.document.getText().length,
    visibleRangeMs: visible ? Math.round(visible.ms) : null,
    visibleLines,
    visibleRangeWorkerMs: visible?.workerMs ?? null,
    wholeDocumentMs: full ? Math.round(full.ms) : Math.round(fullMs),
    eventLoop: { maxLagMs: Math.round(lag.maxLagMs), ownWorkMs: lag.ownWorkMs, report: lag.text },
    adaptInEditor: {
      support: '4 DRUG mentions in 3 sentences of clinic-notes.md',
      seconds: adaptLag.result?.seconds ?? null,
      wallMs: Math.round(adaptLag.elapsedMs),
      maxLagMs: Math.round(adaptLag.maxLagMs),
      ownWorkMs: adaptLag.ownWorkMs,
      banerCpuMs: cpu.banerMs,
      banerLongestMs: cpu.banerLongestMs,
      hostCpuBySource: cpu.bySource,
      report: adaptLag.text,
    },
    rehighlightAfterEditMs: { runs: edits.map(Math.round), median: Math.round([...edits].sort((a, b) => a - b)[Math.floor(edits.length / 2)]), debounceMs: EDIT_DEBOUNCE_MS },
  };
  void small;
  console.log(JSON.stringify(result, null, 2));
  if (process.env.BANER_BENCH_OUT) writeFileSync(process.env.BANER_BENCH_OUT, JSON.stringify(result, null, 2) + '\n');
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string } }>;
  samples: number[];
  timeDeltas: number[];
}

/** CPU time of the profile by source (BANER's bundles vs the rest), and BANER's longest uninterrupted run. */
function attributeProfile(profile: CpuProfile, banerPrefix: string): { banerMs: number; banerLongestMs: number; bySource: Record<string, number> } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const bySource: Record<string, number> = {};
  let banerMs = 0;
  let run = 0;
  let banerLongestMs = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)!;
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    if (frame.functionName === '(idle)') {
      run = 0;
      return;
    }
    const url = frame.url.replace(/^file:\/\//, '');
    const source = url.startsWith(banerPrefix) ? 'BANER' : url.includes('/extensions/') ? url.replace(/^.*\/extensions\/([^/]+)\/.*$/, 'built-in extension $1') : url.includes('extensionHostProcess') ? 'VS Code extension host' : frame.functionName || 'other';
    bySource[source] = (bySource[source] ?? 0) + ms;
    if (source === 'BANER') {
      banerMs += ms;
      run += ms;
      banerLongestMs = Math.max(banerLongestMs, run);
    } else run = 0;
  });
  const rounded = Object.fromEntries(Object.entries(bySource).sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => [k, Math.round(v * 10) / 10]));
  return { banerMs: Math.round(banerMs * 10) / 10, banerLongestMs: Math.round(banerLongestMs * 10) / 10, bySource: rounded };
}
