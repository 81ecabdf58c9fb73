// `BANER: Export Support Set...`, `BANER: Import Support Set...` and `BANER: Export Predictions...`: the support set
// to and from the formats of the usual NER tools, and the model's predictions of the current file or of a folder
// (docs/FORMATS.md; the formats themselves are in core/formats, as the command line uses them). Import merges
// through the support store (its lock, its state), never writing `.baner/support.jsonl` itself; a file that does
// not read to the end changes nothing. Predictions come from the editor's own engine client: the model, adapter and
// `baner.confidenceThreshold` that the highlights use. Every output file is written atomically; what a format could
// not carry is said. Each command takes its answers as arguments (tests, other extensions) and asks for the others.
import * as vscode from 'vscode';
import { mkdirSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { decodeUtf8Text } from '../../core/data/utf8Text';
import { writeFileAtomic } from '../../core/io/atomicWrite';
import { FORMAT_DESCRIPTIONS, FORMAT_NAMES, fileExtensionOf, formatOfPath, isFormatName, readTexts, type FormatName } from '../../core/formats/formatRegistry';
import { needsSentences, predictFiles, predictionOutputs, type Highlighter } from '../../core/formats/predictionExport';
import { exportSupport, mergeIntoSupport, type MergedSupport } from '../../core/formats/supportTransfer';
import { collectTextFiles, type SkippedFile, type TextFile } from '../../core/formats/textFiles';
import { MAX_SUPPORT_BYTES } from '../../core/support/supportFileAccess';
import { readConfig } from '../config';
import { CancelledError, type EngineClient } from '../engineClient';
import type { SupportStore } from '../support/supportStore';
import { workspaceAccess } from '../workspaceAccess';

export interface ExportSupportArgs {
  format?: FormatName;
  /** The file to write (default: asked with a save dialog). */
  uri?: vscode.Uri;
}

export interface ImportSupportArgs {
  /** The file to read (default: asked with an open dialog). */
  uri?: vscode.Uri;
  /** Default: what the file's extension says (.conll, .bio, .iob2, .bioes), else asked. */
  format?: FormatName;
}

export interface ExportPredictionsArgs {
  /** Every text file under this folder, into one output file; without it, the current file (unless asked). */
  folder?: vscode.Uri;
  format?: FormatName;
  /** The file to write (default: asked with a save dialog). */
  uri?: vscode.Uri;
}

export interface SupportExportResult {
  output: string;
  count: number;
  /** What the format could not carry. */
  notes: string[];
}

export type SupportImportResult = Omit<MergedSupport, 'examples'> & { notes: string[] };

export interface PredictionsExportResult {
  output: string;
  /** The texts' sources (paths relative to the workspace folder), in the order written. */
  files: string[];
  entities: number;
  skipped: SkippedFile[];
  notes: string[];
}

export interface ImportExportDeps {
  store: () => SupportStore | undefined;
  engine: EngineClient;
  log: (line: string) => void;
}

/** The three commands' disposables: `context.subscriptions.push(...registerImportExport(...))`. */
export function registerImportExport(deps: ImportExportDeps): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('baner.exportSupport', (args?: ExportSupportArgs) => reported(deps.log, 'export support set', () => exportSupportSet(deps, args ?? {}))),
    vscode.commands.registerCommand('baner.importSupport', (args?: ImportSupportArgs) => reported(deps.log, 'import support set', () => importSupportSet(deps, args ?? {}))),
    vscode.commands.registerCommand('baner.exportPredictions', (args?: ExportPredictionsArgs) => reported(deps.log, 'export predictions', () => exportPredictions(deps, args))),
  ];
}

/** A problem to tell the user as it is (no stack trace in the log). */
class Refusal extends Error {}

/** Runs a command: a refusal or failure is shown (and logged), and the command resolves to undefined. */
async function reported<T>(log: (line: string) => void, what: string, run: () => Promise<T | undefined>): Promise<T | undefined> {
  try {
    return await run();
  } catch (error) {
    const message = (error as Error).message;
    log(`${what}: ${error instanceof Refusal ? message : ((error as Error).stack ?? message)}`);
    void vscode.window.showErrorMessage(`BANER: ${message}`);
    return undefined;
  }
}

async function exportSupportSet(deps: ImportExportDeps, args: ExportSupportArgs): Promise<SupportExportResult | undefined> {
  const store = supportStore(deps, 'export');
  const format = checkedFormat(args.format) ?? (await askFormat('Export Support Set: format'));
  if (!format) return undefined;
  const uri = args.uri ?? (await askSaveTarget('Export Support Set', defaultTarget(store.folder.uri, `support${format.startsWith('conll') ? '' : `.${format}`}${fileExtensionOf(format)}`), format));
  if (!uri) return undefined;
  await refuseSupportFile(store, uri);
  // The file as it is on disk now (the store's copy may wait for its watcher); it must parse.
  const exported = await exportSupport(store.folder.uri.fsPath, format);
  await writeOutput(uri, exported.content);
  const name = shownName(uri);
  for (const note of exported.notes) deps.log(`export support set: note: ${note}`);
  deps.log(`export support set: ${exported.count} sentences -> ${uri.fsPath} (${format})`);
  void vscode.window.showInformationMessage(`BANER: ${exported.count} support sentences exported to ${name} (${format}).${notesText(exported.notes)}`);
  return { output: uri.fsPath, count: exported.count, notes: exported.notes };
}

async function importSupportSet(deps: ImportExportDeps, args: ImportSupportArgs): Promise<SupportImportResult | undefined> {
  const store = supportStore(deps, 'import into');
  const uri = args.uri ?? (await askOpenFile());
  if (!uri) return undefined;
  const format = checkedFormat(args.format) ?? formatOfPath(uri.path) ?? (await askFormat(`Import Support Set: the format of ${basename(uri.path)}`));
  if (!format) return undefined;
  const name = shownName(uri);
  let texts;
  let notes: string[];
  try {
    const read = readTexts(format, await readInput(uri, name), name);
    texts = read.texts;
    notes = read.notes;
  } catch (error) {
    // The reader's message names the file and line (FILE:LINE: problem).
    throw new Refusal(`cannot import: ${(error as Error).message}. Nothing was imported.`);
  }
  if (texts.length === 0) throw new Refusal(`${name} holds no texts: nothing to import.`);
  let merged: MergedSupport | undefined;
  await store.update((examples) => {
    merged = mergeIntoSupport(examples, texts);
    return merged.added > 0 ? merged.examples : undefined;
  });
  const { added, alreadyThere } = merged!;
  if (format.startsWith('conll') && added > 0) notes = [...notes, 'CoNLL keeps no whitespace: each sentence was imported as its tokens joined by single spaces'];
  for (const note of notes) deps.log(`import support set: note: ${note}`);
  deps.log(`import support set: ${name} (${format}): ${added} sentences added, ${alreadyThere} already there`);
  const there = alreadyThere > 0 ? `; ${count(alreadyThere, 'sentence')} already there (kept as they were)` : '';
  void vscode.window.showInformationMessage(`BANER: ${count(added, 'sentence')} from ${name} added to the support set${there}.${notesText(notes)}`);
  return { added, alreadyThere, notes };
}

async function exportPredictions(deps: ImportExportDeps, args: ExportPredictionsArgs | undefined): Promise<PredictionsExportResult | { cancelled: true } | undefined> {
  let folder = args?.folder;
  // Asked only when nothing was said (the command palette): an argument naming the format or the output means the current file.
  if (!folder && args?.format === undefined && args?.uri === undefined) {
    const choice = await askSource();
    if (!choice) return undefined;
    if (choice === 'folder') {
      folder = await askFolder();
      if (!folder) return undefined;
    }
  }
  const document = folder ? undefined : vscode.window.activeTextEditor?.document;
  if (!folder && !document) throw new Refusal('open a file to export its predictions, or choose "A folder...".');
  if (folder && folder.scheme !== 'file') throw new Refusal(`${folder.toString()} is not on the local file system; its files cannot be read.`);

  const format = checkedFormat(args?.format) ?? (await askFormat('Export Predictions: format'));
  if (!format) return undefined;
  const source = folder ?? document!.uri;
  const suggested = folder ? `${basename(folder.path) || 'workspace'}.predictions${fileExtensionOf(format)}` : `${basename(source.path)}${fileExtensionOf(format)}`;
  const uri = args?.uri ?? (await askSaveTarget('Export Predictions', defaultTarget(folder ? dirname(folder.fsPath) : source.scheme === 'file' ? dirname(source.fsPath) : undefined, suggested), format));
  if (!uri) return undefined;
  const store = deps.store();
  if (store) await refuseSupportFile(store, uri);

  const config = readConfig(folder ?? document);
  const { files, skipped } = folder ? await folderFiles(folder, uri, config.maxDocumentSize) : { files: [documentFile(document!, config.maxDocumentSize)], skipped: [] };
  for (const { path, reason } of skipped) deps.log(`export predictions: skipped ${path}: ${reason}`);
  if (files.length === 0) throw new Refusal(`no text files to predict in ${shownName(folder!)}${skipped.length > 0 ? ` (${count(skipped.length, 'file')} skipped, see the BANER output)` : ''}.`);

  const controller = new AbortController();
  let predicted;
  try {
    predicted = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'BANER: predicting', cancellable: true }, (progress, token) => {
      const onCancel = token.onCancellationRequested(() => controller.abort());
      const engine: Highlighter = {
        highlight: (text, options) =>
          deps.engine.highlight(text, {
            threshold: options?.threshold ?? config.confidenceThreshold,
            signal: controller.signal,
            // One file: the engine's chunks are the steps.
            onProgress: files.length === 1 ? (step, total) => progress.report({ message: `${files[0].relativePath}: ${step} of ${total}` }) : undefined,
          }),
      };
      if (files.length > 1) progress.report({ message: `0 of ${files.length} files` });
      return predictFiles(engine, files, {
        threshold: config.confidenceThreshold,
        sentences: needsSentences(format),
        onFile: (file, index) => {
          if (files.length > 1) progress.report({ message: `${index + 1} of ${files.length} files (${file.relativePath})`, increment: 100 / files.length });
        },
      }).finally(() => onCancel.dispose());
    });
  } catch (error) {
    if (!(error instanceof CancelledError)) throw error;
    deps.log('export predictions: cancelled; nothing written');
    void vscode.window.showInformationMessage('BANER: prediction export cancelled; nothing was written.');
    return { cancelled: true };
  }
  const [output] = predictionOutputs(predicted, format, 'one-file');
  await writeOutput(uri, output.content);
  const entities = predicted.reduce((sum, p) => sum + p.texts.reduce((n, text) => n + text.spans.length, 0), 0);
  const engineInfo = deps.engine.state.kind === 'ready' ? deps.engine.state.info : undefined;
  const using = `model ${engineInfo?.model ?? deps.engine.modelDirectory}${engineInfo?.adapter ? `, adapter ${engineInfo.adapter}` : ''}, threshold ${config.confidenceThreshold}`;
  for (const note of output.notes) deps.log(`export predictions: note: ${note}`);
  deps.log(`export predictions: ${files.length} files, ${entities} entities -> ${uri.fsPath} (${format}; ${using})`);
  const skippedText = skipped.length > 0 ? ` ${count(skipped.length, 'file')} skipped (not text or too large, listed in the BANER output).` : '';
  void vscode.window.showInformationMessage(`BANER: ${count(entities, 'entity', 'entities')} in ${count(files.length, 'file')} exported to ${shownName(uri)} (${format}; ${using}).${skippedText}${notesText(output.notes)}`);
  return { output: uri.fsPath, files: files.map((f) => f.relativePath), entities, skipped, notes: output.notes };
}

/** The workspace's support store, or a refusal saying why there is none. */
function supportStore(deps: ImportExportDeps, verb: string): SupportStore {
  const store = deps.store();
  if (store) return store;
  const access = workspaceAccess(vscode.workspace.workspaceFolders?.[0]?.uri, vscode.workspace.isTrusted);
  if (access.kind === 'restricted' || access.kind === 'virtual') throw new Refusal(access.reason);
  throw new Refusal(`open a folder to ${verb} its support set.`);
}

function checkedFormat(format: string | undefined): FormatName | undefined {
  if (format === undefined) return undefined;
  if (!isFormatName(format)) throw new Refusal(`unknown format ${JSON.stringify(format)}; one of ${FORMAT_NAMES.join(', ')}.`);
  return format;
}

/** The current document as a text to predict, as the editor shows it (unsaved edits included). */
function documentFile(document: vscode.TextDocument, maxDocumentSize: number): TextFile {
  const text = document.getText();
  const relativePath = vscode.workspace.asRelativePath(document.uri, false);
  if (text.length > maxDocumentSize) throw new Refusal(`${relativePath} has ${text.length.toLocaleString()} characters, more than baner.maxDocumentSize (${maxDocumentSize.toLocaleString()}).`);
  if (text.trim() === '') throw new Refusal(`${relativePath} has no text to predict.`);
  return { path: document.uri.scheme === 'file' ? document.uri.fsPath : document.uri.toString(), relativePath, text };
}

/**
 * The text files under `folder` (core/formats/textFiles: name order, not .baner, node_modules, .git), named
 * relative to their workspace folder; a file open in an editor is taken as the editor shows it.
 */
async function folderFiles(folder: vscode.Uri, output: vscode.Uri, maxDocumentSize: number): Promise<{ files: TextFile[]; skipped: SkippedFile[] }> {
  const base = vscode.workspace.getWorkspaceFolder(folder)?.uri.fsPath ?? folder.fsPath;
  const collected = await collectTextFiles([folder.fsPath], { base, exclude: output.scheme === 'file' ? [output.fsPath] : [] });
  const open = new Map<string, vscode.TextDocument>();
  for (const document of vscode.workspace.textDocuments) {
    if (document.uri.scheme !== 'file' || !document.isDirty) continue;
    open.set(await realpath(document.uri.fsPath).catch(() => document.uri.fsPath), document);
  }
  const files: TextFile[] = [];
  const skipped = [...collected.skipped];
  for (const file of collected.files) {
    const text = open.get(file.path)?.getText() ?? file.text;
    if (text.length > maxDocumentSize) skipped.push({ path: file.path, reason: `more than baner.maxDocumentSize (${maxDocumentSize.toLocaleString()} characters)` });
    else files.push({ ...file, text });
  }
  return { files, skipped };
}

/** A file named for import: UTF-8 text (not a folder, not beyond what a support set may hold). */
async function readInput(uri: vscode.Uri, name: string): Promise<string> {
  let info;
  try {
    info = await vscode.workspace.fs.stat(uri);
  } catch {
    throw new Error(`${name}: no such file`);
  }
  if (info.type & vscode.FileType.Directory) throw new Error(`${name} is a folder; name a file`);
  if (info.size > MAX_SUPPORT_BYTES) throw new Error(`${name} is larger than ${MAX_SUPPORT_BYTES / (1024 * 1024)} MB, more than a support set may hold`);
  return decodeUtf8Text(await vscode.workspace.fs.readFile(uri), name);
}

/** Writes `content` to `uri`: atomically on the local file system (never a half-written file under its name). */
async function writeOutput(uri: vscode.Uri, content: string): Promise<void> {
  if (uri.scheme === 'file') {
    mkdirSync(dirname(uri.fsPath), { recursive: true });
    writeFileAtomic(uri.fsPath, content);
  } else {
    await vscode.workspace.fs.writeFile(uri, Buffer.from(content, 'utf8'));
  }
}

/** The support file is the store's: an export never writes over it. */
async function refuseSupportFile(store: SupportStore, uri: vscode.Uri): Promise<void> {
  if (uri.scheme !== 'file') return;
  const real = async (path: string) => realpath(path).catch(() => resolve(path));
  if ((await real(uri.fsPath)) === (await real(store.path))) throw new Refusal(`${shownName(uri)} is the support file itself; export to another file.`);
}

/** A path relative to the workspace when inside it, else the full path. */
function shownName(uri: vscode.Uri): string {
  return vscode.workspace.asRelativePath(uri, false);
}

function defaultTarget(folder: vscode.Uri | string | undefined, name: string): vscode.Uri | undefined {
  const base = typeof folder === 'string' ? vscode.Uri.file(folder) : (folder ?? vscode.workspace.workspaceFolders?.[0]?.uri);
  return base && vscode.Uri.joinPath(base, name);
}

function notesText(notes: readonly string[]): string {
  const unique = [...new Set(notes)];
  return unique.length === 0 ? '' : ` Not carried over: ${unique.join('; ')}.`;
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

async function askFormat(title: string): Promise<FormatName | undefined> {
  const items = FORMAT_NAMES.map((name) => ({ label: name, detail: FORMAT_DESCRIPTIONS[name], name }));
  return (await vscode.window.showQuickPick(items, { title: `BANER: ${title}`, matchOnDetail: true }))?.name;
}

const FILTERS: Record<string, string[]> = { 'JSON Lines': ['jsonl', 'json'], CoNLL: ['conll', 'bio', 'iob2', 'bioes', 'txt', 'tsv'], 'All files': ['*'] };

async function askSaveTarget(title: string, defaultUri: vscode.Uri | undefined, format: FormatName): Promise<vscode.Uri | undefined> {
  const kind = format.startsWith('conll') ? 'CoNLL' : 'JSON Lines';
  const filters: Record<string, string[]> = { [kind]: FILTERS[kind], 'All files': ['*'] };
  return vscode.window.showSaveDialog({ title: `BANER: ${title} (${format})`, defaultUri, filters, saveLabel: 'Export' });
}

async function askOpenFile(): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({ title: 'BANER: Import Support Set', canSelectFiles: true, canSelectFolders: false, canSelectMany: false, filters: FILTERS, openLabel: 'Import' });
  return picked?.[0];
}

async function askSource(): Promise<'file' | 'folder' | undefined> {
  const items: Array<vscode.QuickPickItem & { source: 'file' | 'folder' }> = [
    { label: 'Current file', description: vscode.window.activeTextEditor ? vscode.workspace.asRelativePath(vscode.window.activeTextEditor.document.uri, false) : 'no file open', source: 'file' },
    { label: 'A folder...', description: 'every text file under it (not .baner, node_modules, .git), into one file', source: 'folder' },
  ];
  return (await vscode.window.showQuickPick(items, { title: 'BANER: Export Predictions: of what' }))?.source;
}

async function askFolder(): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({ title: 'BANER: Export Predictions: folder', canSelectFiles: false, canSelectFolders: true, canSelectMany: false, defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri, openLabel: 'Predict' });
  return picked?.[0];
}
