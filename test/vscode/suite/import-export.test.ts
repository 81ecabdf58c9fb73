/// <reference types="mocha" />
// Import and export in a real VS Code: the support set written in every format and imported back (nothing added,
// the file unchanged), a doccano file with new sentences imported (added with their labels), a malformed file
// refused with its file and line, and the predictions of clinic-notes.md (CoNLL, spaCy) and of the whole workspace
// folder (doccano) compared with the entities the editor highlights. Outputs go to a temp folder outside the
// workspace; the support set is left byte for byte as this file found it (put back through a SupportStore, which
// takes the file's lock).
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { FORMAT_NAMES, fileExtensionOf, readTexts, type FormatName } from '../../../src/core/formats/formatRegistry';
import type { LabelledText } from '../../../src/core/formats/labelledText';
import { SupportStore } from '../../../src/extension/support/supportStore';
import type { PredictionsExportResult, SupportExportResult, SupportImportResult } from '../../../src/extension/commands/importExport';
import { type BanerApi, banerApi, closeAllEditors, openEditor, recordMessages, waitFor, workspaceFile } from './helpers';

interface SupportLine {
  text: string;
  spans: Array<{ start: number; end: number; label: string }>;
  rejected?: Array<{ start: number; end: number }>;
  source?: { path: string; offset: number };
}

const SAMPLES = ['clinic-notes.md', 'harbour-report.txt', 'meeting-notes.md', 'travel-itinerary.txt'];
const supportPath = () => workspaceFile('.baner/support.jsonl').fsPath;
const readIfThere = (path: string) => (existsSync(path) ? readFileSync(path) : undefined);
const withoutSpaces = (text: string) => text.replace(/\s+/g, '');

/** A support line labelling `words` (each [text, label], found in order) of `text`. */
function line(text: string, words: Array<[string, string]>, rejected: string[] = [], source?: SupportLine['source']): SupportLine {
  const at = (word: string) => {
    const start = text.indexOf(word);
    assert.ok(start >= 0, `"${word}" is in "${text}"`);
    return { start, end: start + word.length };
  };
  const result: SupportLine = { text, spans: words.map(([word, label]) => ({ ...at(word), label })) };
  if (rejected.length > 0) result.rejected = rejected.map(at);
  if (source) result.source = source;
  return result;
}

/** The entities of each text as [characters without whitespace, type], texts keyed the same way. */
function entitiesByText(texts: ReadonlyArray<Pick<LabelledText, 'text' | 'spans'>>): Map<string, Array<[string, string]>> {
  return new Map(texts.map((t) => [withoutSpaces(t.text), [...t.spans].sort((a, b) => a.start - b.start).map((s): [string, string] => [withoutSpaces(t.text.slice(s.start, s.end)), s.label])]));
}

describe('Import and export', () => {
  let api: BanerApi;
  let tmp: string;
  // What the workspace had before this file's tests.
  let supportBefore: Buffer | undefined;
  let banerExisted = false;
  // The support file once the fixture is in.
  let fixture: Buffer;
  let fixtureLines: SupportLine[];
  let restored = false;

  const folder = () => vscode.workspace.workspaceFolders![0];
  const supportNow = () => readFileSync(supportPath());
  const supportLines = (): SupportLine[] =>
    supportNow()
      .toString('utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as SupportLine);

  /** Writes `text` as the support file through a store of its own (under the file's lock), as an undo does. */
  async function putSupportBack(text: string): Promise<void> {
    const store = new SupportStore(folder());
    try {
      await store.ready().catch(() => undefined);
      await store.update(() => ({ text }));
    } finally {
      store.dispose();
    }
  }

  async function restoreWorkspace(): Promise<void> {
    if (restored) return;
    restored = true;
    if (supportBefore !== undefined) {
      if (!readIfThere(supportPath())?.equals(supportBefore)) await putSupportBack(supportBefore.toString('utf8'));
    } else if (existsSync(supportPath())) {
      // There was no support file. A store cannot remove one: it is emptied through a store first (the extension's
      // store reads it again, holding nothing, as with no file; the watcher may miss a deletion in a folder made
      // after it started), then removed.
      await putSupportBack('');
      await waitFor('the store to hold nothing', () => api.supportExamples().length === 0, 20_000);
      rmSync(supportPath(), { force: true });
      const baner = workspaceFile('.baner').fsPath;
      if (!banerExisted && existsSync(baner) && readdirSync(baner).length === 0) rmSync(baner, { recursive: true });
    }
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }

  async function command<T>(name: string, args: object, kind: 'showInformationMessage' | 'showErrorMessage' = 'showInformationMessage'): Promise<{ result: T | undefined; messages: string[] }> {
    const recorded = recordMessages(kind);
    try {
      const result = await vscode.commands.executeCommand<T | undefined>(name, args);
      return { result, messages: recorded.messages };
    } finally {
      recorded.restore();
    }
  }

  async function highlightedEntities(name: string) {
    const editor = await openEditor(name);
    await vscode.commands.executeCommand('baner.highlightEntities');
    const state = await waitFor(`the entities of ${name}`, () => {
      const now = api.entitiesOf(editor.document.uri);
      return now && now.version === editor.document.version && now;
    });
    return { editor, entities: state.entities };
  }

  before(async function () {
    this.timeout(300_000); // the model's first load
    api = await banerApi();
    supportBefore = readIfThere(supportPath());
    banerExisted = existsSync(workspaceFile('.baner').fsPath);
    tmp = mkdtempSync(join(tmpdir(), 'baner-import-export-'));

    // Sentences that try the formats: a source, a rejected span, a character outside the BMP before an entity
    // (code points and UTF-16 differ), CJK, a tab and a double space (CoNLL keeps no whitespace).
    const clinic = readFileSync(workspaceFile('clinic-notes.md').fsPath, 'utf8');
    const visit = 'Dr. Amelia Hart saw Mr. Jonas Weber at Riverside Clinic in Leeds on 3 March.';
    const mine = [
      line(visit, [['Amelia Hart', 'PER'], ['Jonas Weber', 'PER'], ['Riverside Clinic', 'ORG'], ['Leeds', 'LOC']], ['3 March'], { path: 'clinic-notes.md', offset: clinic.indexOf(visit) }),
      line('Ms. Okonkwo flew to 東京 😀 with Zürich Air.', [['Okonkwo', 'PER'], ['東京', 'LOC'], ['Zürich Air', 'ORG']]),
      line('Zetia  is made by\tOrganon in Kenilworth.', [['Zetia', 'DRUG'], ['Organon', 'ORG'], ['Kenilworth', 'LOC']]),
    ];
    // Through the command (the extension's own store), so that no file watcher has to notice a new folder.
    const file = join(tmp, 'fixture.jsonl');
    writeFileSync(file, mine.map((l) => JSON.stringify(l) + '\n').join(''));
    const { result } = await command<SupportImportResult>('baner.importSupport', { uri: vscode.Uri.file(file), format: 'baner' });
    assert.ok(result, 'the fixture is imported');
    assert.equal(result.added + result.alreadyThere, mine.length);
    fixture = supportNow();
    fixtureLines = supportLines();
    for (const l of mine) assert.ok(fixtureLines.some((f) => f.text === l.text), `"${l.text}" is in the support set`);
    await waitFor('the store to hold the fixture', () => mine.every((l) => api.supportExamples().some((e) => e.text === l.text)), 10_000);
  });

  after(async () => {
    await restoreWorkspace();
    await closeAllEditors();
  });

  it('contributes Export Support Set, Import Support Set and Export Predictions', async () => {
    const commands = await vscode.commands.getCommands(true);
    const contributed = (vscode.extensions.all.find((e) => e.packageJSON.name === 'baner-vscode')!.packageJSON as { contributes: { commands: Array<{ command: string; category?: string }> } }).contributes.commands;
    for (const c of ['exportSupport', 'importSupport', 'exportPredictions']) {
      assert.ok(commands.includes(`baner.${c}`), `baner.${c} is registered`);
      assert.equal(contributed.find((x) => x.command === `baner.${c}`)?.category, 'BANER');
    }
  });

  it('exports the support set in every format with what each cannot carry, and importing each back adds nothing', async () => {
    const expected = entitiesByText(fixtureLines);
    for (const format of FORMAT_NAMES) {
      const out = join(tmp, `support.${format}${fileExtensionOf(format)}`);
      const exported = await command<SupportExportResult>('baner.exportSupport', { format, uri: vscode.Uri.file(out) });
      assert.ok(exported.result, `${format}: exported (${exported.messages.join(' | ')})`);
      assert.equal(exported.result.count, fixtureLines.length, format);
      assert.equal(exported.result.output, out);
      assert.match(exported.messages.join('\n'), new RegExp(`${fixtureLines.length} support sentences exported to .*\\(${format}\\)`));
      // What the format holds: every sentence with its entities (CoNLL: tokens joined by spaces).
      const content = readFileSync(out, 'utf8');
      const back = readTexts(format, content, out).texts;
      assert.equal(back.length, fixtureLines.length, `${format}: a text per sentence`);
      assert.deepEqual(entitiesByText(back), expected, `${format}: the same entities`);
      // What it cannot carry is said: rejected spans in all but BANER's own format, sources in CoNLL.
      const notes = exported.result.notes.join('\n');
      if (format === 'baner') assert.deepEqual(exported.result.notes, []);
      else assert.match(notes, /rejected span\(s\) not written/, format);
      if (format.startsWith('conll')) assert.match(notes, /sources of \d+ text\(s\) not written/);
      if (exported.result.notes.length > 0) assert.match(exported.messages.join('\n'), /Not carried over: .*rejected span/);
      if (format === 'spacy' || format === 'doccano' || format === 'prodigy') {
        const sources = content.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l).meta?.source_path);
        assert.ok(sources.includes('clinic-notes.md'), `${format}: the source in meta`);
        // Code point offsets: "Zürich Air" comes after an emoji (two UTF-16 units, one code point).
        const okonkwo = back.find((t) => t.text.includes('Zürich Air'))!;
        const air = okonkwo.spans.find((s) => s.label === 'ORG')!;
        assert.equal(okonkwo.text.slice(air.start, air.end), 'Zürich Air', `${format}: offsets converted`);
      }

      const imported = await command<SupportImportResult>('baner.importSupport', { uri: vscode.Uri.file(out), format });
      assert.ok(imported.result, `${format}: imported back`);
      assert.equal(imported.result.added, 0, `${format}: nothing added`);
      assert.equal(imported.result.alreadyThere, fixtureLines.length);
      assert.match(imported.messages.join('\n'), new RegExp(`0 sentences from .* added to the support set; ${fixtureLines.length} sentences? already there`));
      assert.deepEqual(supportNow(), fixture, `${format}: the support file unchanged`);
    }
  });

  it('imports a doccano file with two new sentences (added with their labels), then the bytes are put back', async () => {
    const texts = ['Nurse 🩺 Priya Patel works at Harbour Clinic in Hull.', 'The pharmacist in Whitby recommended Crestor.'];
    const labels: Array<Array<[string, string]>> = [
      [['Priya Patel', 'PER'], ['Harbour Clinic', 'ORG'], ['Hull', 'LOC']],
      [['Whitby', 'LOC'], ['Crestor', 'DRUG']],
    ];
    // doccano counts code points (as Python does): one fewer after the emoji.
    const codePoints = (text: string, offset: number) => Array.from(text.slice(0, offset)).length;
    const doccano = texts.map((text, i) => ({
      text,
      label: labels[i].map(([word, label]) => [codePoints(text, text.indexOf(word)), codePoints(text, text.indexOf(word) + word.length), label]),
      meta: { source_path: 'ward-notes.txt', source_offset: i * 100 },
    }));
    const file = join(tmp, 'new.doccano.jsonl');
    writeFileSync(file, doccano.map((d) => JSON.stringify(d) + '\n').join(''));

    const imported = await command<SupportImportResult>('baner.importSupport', { uri: vscode.Uri.file(file), format: 'doccano' });
    assert.ok(imported.result);
    assert.equal(imported.result.added, 2);
    assert.equal(imported.result.alreadyThere, 0);
    assert.match(imported.messages.join('\n'), /2 sentences from .*new\.doccano\.jsonl added to the support set\./);
    const lines = supportLines();
    assert.equal(lines.length, fixtureLines.length + 2);
    assert.deepEqual(lines.slice(0, fixtureLines.length), fixtureLines, 'the sentences there are kept as they were');
    for (const [i, text] of texts.entries()) {
      const added = lines.find((l) => l.text === text);
      assert.ok(added, `"${text}" added`);
      assert.deepEqual(
        added.spans.map((s) => [text.slice(s.start, s.end), s.label]),
        labels[i],
      );
      assert.deepEqual(added.source, { path: 'ward-notes.txt', offset: i * 100 });
    }
    await waitFor('the store to hold the new sentences', () => texts.every((t) => api.supportExamples().some((e) => e.text === t)), 10_000);

    // Put back through a store (under the lock), byte for byte; the extension's store reads it again.
    await putSupportBack(fixture.toString('utf8'));
    assert.deepEqual(supportNow(), fixture);
    await waitFor('the store to drop the new sentences', () => !api.supportExamples().some((e) => texts.includes(e.text)), 20_000);
  });

  it('refuses a malformed file, naming its file and line, and changes nothing', async () => {
    const cases: Array<{ name: string; format: FormatName; content: string; line: number; problem: RegExp }> = [
      {
        name: 'bad.doccano.jsonl',
        format: 'doccano',
        content: JSON.stringify({ text: 'Sister Mary Jones visited Scarborough.', label: [[7, 17, 'PER']] }) + '\n' + JSON.stringify({ text: 'Too short.', label: [[0, 99, 'ORG']] }) + '\n',
        line: 2,
        problem: /end 99/,
      },
      { name: 'bad.conll', format: 'conll', content: 'Sister\tO\nMary\tB-PER\nvisited\tB-O\n', line: 3, problem: /B-O/ },
    ];
    for (const c of cases) {
      const file = join(tmp, c.name);
      writeFileSync(file, c.content);
      const refused = await command<SupportImportResult>('baner.importSupport', { uri: vscode.Uri.file(file), format: c.format }, 'showErrorMessage');
      assert.equal(refused.result, undefined, `${c.name}: refused`);
      const message = refused.messages.join('\n');
      assert.ok(message.includes(`${file}:${c.line}:`), `${c.name}: the message names ${file}:${c.line}: ${message}`);
      assert.match(message, c.problem);
      assert.match(message, /Nothing was imported/);
      assert.deepEqual(supportNow(), fixture, `${c.name}: the support file unchanged`);
      assert.ok(!api.supportExamples().some((e) => e.text.includes('Mary')), `${c.name}: no sentence of it in the support set`);
    }
  });

  it('exports the predictions of clinic-notes.md in CoNLL and spaCy: the entities the editor highlights', async () => {
    const { editor, entities } = await highlightedEntities('clinic-notes.md');
    assert.ok(entities.length >= 5, `entities in the clinic notes: ${entities.map((e) => e.text).join(', ')}`);
    const text = editor.document.getText();

    const spacyOut = join(tmp, 'clinic.spacy.jsonl');
    const spacy = await command<PredictionsExportResult>('baner.exportPredictions', { format: 'spacy', uri: vscode.Uri.file(spacyOut) });
    assert.ok(spacy.result, spacy.messages.join(' | '));
    assert.deepEqual(spacy.result.files, ['clinic-notes.md']);
    assert.equal(spacy.result.entities, entities.length);
    assert.match(spacy.result.notes.join('\n'), /scores not written/);
    assert.match(spacy.messages.join('\n'), new RegExp(`${entities.length} entities in 1 file exported to .*clinic\\.spacy\\.jsonl \\(spacy; model .*threshold`));
    const content = readFileSync(spacyOut, 'utf8');
    assert.equal(content.split('\n').filter((l) => l !== '').length, 1, 'one spaCy Doc for the file');
    const doc = JSON.parse(content);
    assert.equal(doc.text, text);
    assert.deepEqual(doc.meta, { source_path: 'clinic-notes.md', source_offset: 0 });
    const [read] = readTexts('spacy', content, spacyOut).texts;
    assert.deepEqual(read.spans, entities.map(({ start, end, label }) => ({ start, end, label })), 'the highlighted entities, offsets and types');

    const conllOut = join(tmp, 'clinic.conll');
    const conll = await command<PredictionsExportResult>('baner.exportPredictions', { format: 'conll-bioes', uri: vscode.Uri.file(conllOut) });
    assert.ok(conll.result);
    assert.equal(conll.result.entities, entities.length);
    const sentences = readTexts('conll-bioes', readFileSync(conllOut, 'utf8'), conllOut).texts;
    assert.ok(sentences.length >= 8, 'a CoNLL sentence per sentence of the notes');
    // Tokens joined by spaces: the same words, and the same entities in the same order.
    assert.equal(sentences.map((s) => withoutSpaces(s.text)).join(''), withoutSpaces(text));
    assert.deepEqual(
      sentences.flatMap((s) => s.spans.map((span) => [withoutSpaces(s.text.slice(span.start, span.end)), span.label])),
      entities.map((e) => [withoutSpaces(e.text), e.label]),
    );
  });

  it('exports the predictions of the workspace folder into one file: the four sample files, each with its highlights', async () => {
    const out = join(tmp, 'workspace.doccano.jsonl');
    const exported = await command<PredictionsExportResult>('baner.exportPredictions', { folder: folder().uri, format: 'doccano', uri: vscode.Uri.file(out) });
    assert.ok(exported.result, exported.messages.join(' | '));
    const { files } = exported.result;
    assert.deepEqual(
      files.filter((f) => SAMPLES.includes(f)),
      SAMPLES,
      `the four samples, in name order: ${files.join(', ')}`,
    );
    assert.ok(!files.some((f) => f.startsWith('.baner/')), 'nothing of .baner');
    const texts = readTexts('doccano', readFileSync(out, 'utf8'), out).texts;
    assert.deepEqual(
      texts.map((t) => t.source?.path),
      files,
      'a text per file, named by its path',
    );
    let total = 0;
    for (const sample of SAMPLES) {
      const { editor, entities } = await highlightedEntities(sample);
      const written = texts.find((t) => t.source?.path === sample)!;
      assert.equal(written.text, editor.document.getText(), `${sample}: the whole file`);
      assert.deepEqual(written.spans, entities.map(({ start, end, label }) => ({ start, end, label })), `${sample}: the highlighted entities`);
      total += entities.length;
    }
    assert.ok(total > 0);
    assert.equal(exported.result.entities, texts.reduce((n, t) => n + t.spans.length, 0));
  });

  it('leaves the support set as it found it', async () => {
    await restoreWorkspace();
    assert.deepEqual(readIfThere(supportPath()), supportBefore, 'the support file, byte for byte');
    assert.equal(existsSync(workspaceFile('.baner').fsPath), banerExisted, 'the .baner folder there or not, as before');
    const fixtureTexts = fixtureLines.map((l) => l.text);
    const before = new Set((supportBefore?.toString('utf8') ?? '').split('\n').filter((l) => l.trim() !== '').map((l) => (JSON.parse(l) as SupportLine).text));
    await waitFor('the store to hold what it held before', () => !api.supportExamples().some((e) => fixtureTexts.includes(e.text) && !before.has(e.text)), 20_000);
  });
});
