/// <reference types="mocha" />
// "BANER: Annotate Workspace" in a real VS Code (issue 11): the sample workspace annotated into one file, each
// document once with the entities the editor highlights in it; a run cancelled with "BANER: Cancel Annotation"
// keeps what it wrote, and the next run resumes it. Writes under .baner/annotate-test/ and annotate-test-docs/
// of the test workspace, and removes both at the end.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { parseAnnotationLine, type AnnotationLine } from '../../../src/core/annotate/annotationStore';
import { generatedDocumentName, generatedDocumentText } from '../../fixtures/generatedDocuments';
import { ledgerRecords } from '../../fixtures/ledgerRecords';
import type { AnnotateWorkspaceArgs, AnnotateWorkspaceResult } from '../../../src/extension/commands/annotateWorkspace';
import { type BanerApi, banerApi, closeAllEditors, openEditor, waitFor, workspaceFile } from './helpers';

const OUT_DIR = '.baner/annotate-test';
const GENERATED = 'annotate-test-docs';
const SAMPLES = ['clinic-notes.md', 'harbour-report.txt', 'meeting-notes.md', 'travel-itinerary.txt'];

function readLines(path: string): AnnotationLine[] {
  const content = readFileSync(path, 'utf8');
  assert.ok(content.endsWith('\n'), 'the output ends with a whole line');
  return content
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const parsed = parseAnnotationLine(line);
      assert.ok(parsed, `a valid output line: ${line.slice(0, 80)}`);
      return parsed;
    });
}

/** The output's lines by document, asserting that none is there twice. */
function byPath(lines: readonly AnnotationLine[]): Map<string, AnnotationLine> {
  const map = new Map(lines.map((l) => [l.path, l]));
  assert.equal(map.size, lines.length, `no document twice: ${lines.map((l) => l.path).join(', ')}`);
  return map;
}

function annotate(args: AnnotateWorkspaceArgs): Thenable<AnnotateWorkspaceResult | undefined> {
  return vscode.commands.executeCommand<AnnotateWorkspaceResult | undefined>('baner.annotateWorkspace', args);
}

describe('Annotate Workspace', () => {
  let api: BanerApi;

  let banerFolderWasThere = true;

  before(async () => {
    api = await banerApi();
    banerFolderWasThere = existsSync(workspaceFile('.baner').fsPath);
  });

  after(async () => {
    // The comparison highlighted the samples: later suites expect them unhighlighted.
    for (const name of ['harbour-report.txt', 'meeting-notes.md', 'travel-itinerary.txt', 'clinic-notes.md']) {
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(workspaceFile(name)));
      await vscode.commands.executeCommand('baner.clearHighlights');
    }
    await closeAllEditors();
    rmSync(workspaceFile(OUT_DIR).fsPath, { recursive: true, force: true });
    rmSync(workspaceFile(GENERATED).fsPath, { recursive: true, force: true });
    // .baner made for the outputs alone goes too (other suites find the workspace as it was).
    const banerFolder = workspaceFile('.baner').fsPath;
    if (!banerFolderWasThere && existsSync(banerFolder) && readdirSync(banerFolder).length === 0) rmSync(banerFolder, { recursive: true });
  });

  it('annotates the sample workspace into one file: every document once, with the entities the editor highlights', async () => {
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('baner.annotateWorkspace') && commands.includes('baner.cancelAnnotation'));
    const args: AnnotateWorkspaceArgs = { include: '*.{txt,md}', output: 'one-file', outFile: `${OUT_DIR}/samples.jsonl` };
    const result = await annotate(args);
    assert.ok(result, 'the run finished');
    assert.equal(result.cancelled, false);
    assert.deepEqual([result.total, result.annotated, result.resumed, result.skipped, result.failed], [4, 4, 0, 0, 0]);
    assert.equal(result.output, workspaceFile(`${OUT_DIR}/samples.jsonl`).fsPath);
    const lines = byPath(readLines(result.output!));
    assert.deepEqual([...lines.keys()].sort(), SAMPLES);

    for (const name of SAMPLES) {
      const editor = await openEditor(name);
      await vscode.commands.executeCommand('baner.highlightEntities');
      const state = await waitFor(`the highlights of ${name}`, () => {
        const s = api.entitiesOf(editor.document.uri);
        return s?.version === editor.document.version && s;
      });
      const annotated = lines.get(name)!.entities;
      const spans = (list: ReadonlyArray<{ start: number; end: number; label: string; text: string }>) => list.map(({ start, end, label, text }) => `${start}-${end} ${label} ${text}`);
      assert.deepEqual(spans(annotated), spans(state.entities), `${name}: the annotation is what the editor highlights`);
      // The editor's worker may answer from sentences it scored before, batched with other sentences: the
      // transformer's int8 products quantise a batch by its own range, which moves a score in the 4th decimal.
      annotated.forEach((e, i) => assert.ok(Math.abs(e.score - state.entities[i].score) < 5e-3, `${name}: ${e.text} scores ${e.score} vs ${state.entities[i].score}`));
      assert.ok(annotated.length > 0, `${name} has entities`);
    }

    const again = await annotate(args);
    assert.deepEqual([again?.annotated, again?.resumed, again?.workers], [0, 4, 0], 'a second run finds everything done and starts no worker');
    assert.equal(readLines(result.output!).length, 4);
  });

  it('cancels a run with "BANER: Cancel Annotation", keeps what it wrote, and the next run resumes it', async () => {
    const folder = workspaceFile(GENERATED).fsPath;
    mkdirSync(folder, { recursive: true });
    const count = 40;
    for (let i = 0; i < count; i++) writeFileSync(`${folder}/${generatedDocumentName(i)}`, generatedDocumentText(i));
    const args: AnnotateWorkspaceArgs = { include: `${GENERATED}/*.txt`, output: 'one-file', outFile: `${OUT_DIR}/generated.jsonl` };
    const output = workspaceFile(args.outFile!).fsPath;
    const ledger = `${output}.ledger.jsonl`;

    const running = annotate(args);
    await waitFor('the first documents to be written', () => ledgerRecords(ledger) >= 2, 120_000, 10);
    assert.equal(await vscode.commands.executeCommand('baner.cancelAnnotation'), true, 'a run was there to cancel');
    const first = await running;
    assert.ok(first, 'the cancelled run resolves with what it did');
    assert.equal(first.cancelled, true);
    assert.ok(first.annotated >= 2 && first.annotated < count, `${first.annotated} of ${count} annotated before the cancel`);
    const partial = byPath(readLines(output));
    assert.equal(partial.size, first.annotated, 'a line for each finished document, none for those in flight');
    assert.equal(await vscode.commands.executeCommand('baner.cancelAnnotation'), false, 'nothing runs any more');

    const second = await annotate(args);
    assert.ok(second);
    assert.equal(second.cancelled, false);
    assert.deepEqual([second.resumed, second.annotated], [first.annotated, count - first.annotated]);
    const lines = byPath(readLines(output));
    assert.equal(lines.size, count, 'every document once');
    for (const [path, line] of partial) assert.deepEqual(lines.get(path), line, `${path}: kept as the first run wrote it`);
    for (const line of lines.values()) assert.ok(line.entities.some((e) => e.label === 'LOC'), `${line.path} has its places`);
  });
});
