/// <reference types="mocha" />
// The extension in a real VS Code: activation, the highlight and clear commands, re-highlighting on edits,
// autoHighlight, and the size limit. Runs against a temp copy of samples/workspace.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { Entity } from '../../../src/worker/protocol';
import {
  CONLL_LABELS,
  type BanerApi,
  banerApiHighlightingOnRequest,
  banerExtension,
  closeAllEditors,
  openEditor,
  recordMessages,
  setSetting,
  sleep,
  waitFor,
} from './helpers';

/** Entities are sorted, do not overlap, lie in the document, carry its text, and have a CoNLL label and a score. */
function assertWellFormed(document: vscode.TextDocument, entities: readonly Entity[]): void {
  const text = document.getText();
  let previousEnd = 0;
  for (const e of entities) {
    const where = `${e.label} "${e.text}" at ${e.start}..${e.end}`;
    assert.ok(CONLL_LABELS.has(e.label), `${where}: label is one of PER/LOC/ORG/MISC`);
    assert.ok(Number.isInteger(e.start) && Number.isInteger(e.end) && e.start < e.end, `${where}: a non-empty span`);
    assert.ok(e.start >= previousEnd, `${where}: sorted and not overlapping the previous entity`);
    assert.ok(e.end <= text.length, `${where}: inside the document`);
    assert.equal(text.slice(e.start, e.end), e.text, `${where}: offsets match the document text`);
    assert.ok(e.score > 0 && e.score <= 1, `${where}: score in (0, 1]`);
    previousEnd = e.end;
  }
}

function has(entities: readonly Entity[], text: string, label: string): boolean {
  return entities.some((e) => e.text === text && e.label === label);
}

describe('BANER in VS Code', () => {
  let api: BanerApi;

  before(async () => {
    api = await banerApiHighlightingOnRequest();
  });

  afterEach(async () => {
    await closeAllEditors();
    await setSetting('maxDocumentSize', undefined);
    await setSetting('autoHighlight', []);
  });

  it('activates on startup and contributes its commands', async () => {
    assert.ok(banerExtension().isActive, 'active without being asked (before() waited for it)');
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('baner.highlightEntities'), 'baner.highlightEntities is registered');
    assert.ok(commands.includes('baner.clearHighlights'), 'baner.clearHighlights is registered');
  });

  it('baner.highlightEntities finds the entities of a file, with CoNLL labels at offsets that match its text', async () => {
    const editor = await openEditor('harbour-report.txt');
    const document = editor.document;
    assert.equal(api.entitiesOf(document.uri), undefined, 'nothing highlighted before the command');
    await vscode.commands.executeCommand('baner.highlightEntities');
    const state = api.entitiesOf(document.uri);
    assert.ok(state, 'the document is highlighted once the command resolves');
    assert.equal(state.version, document.version);
    assertWellFormed(document, state.entities);
    assert.ok(state.entities.length >= 8, `found ${state.entities.length} entities in the harbour report`);
    // Unambiguous names the default model gets right with high confidence.
    assert.ok(has(state.entities, 'Marcus Whitfield', 'PER'), 'Marcus Whitfield is a PER');
    assert.ok(has(state.entities, 'Aberdeen', 'LOC'), 'Aberdeen is a LOC');
    assert.ok(has(state.entities, 'European Investment Bank', 'ORG'), 'European Investment Bank is an ORG');
    assert.ok(new Set(state.entities.map((e) => e.label)).size >= 3, 'at least three entity types');
  });

  it('re-highlights after an edit (debounced) and the entities move with the text', async () => {
    const editor = await openEditor('harbour-report.txt');
    const document = editor.document;
    await vscode.commands.executeCommand('baner.highlightEntities');
    const before = api.entitiesOf(document.uri);
    assert.ok(before && before.entities.length > 0);

    const prefix = 'Update from the newsroom.\n\n';
    assert.ok(await editor.edit((edit) => edit.insert(new vscode.Position(0, 0), prefix)));
    const edited = document.version;
    assert.ok(api.entitiesOf(document.uri)!.version < edited, 'not re-highlighted synchronously on each keystroke');
    const after = await waitFor('the re-highlight of the edited document', () => {
      const s = api.entitiesOf(document.uri);
      return s && s.version === document.version && s;
    }, 30_000);
    assert.equal(after.version, edited);
    assertWellFormed(document, after.entities);
    // Every entity found before is found again, shifted by the inserted text (the model sees the same sentences).
    const moved = before.entities.filter((e) =>
      after.entities.some((a) => a.start === e.start + prefix.length && a.end === e.end + prefix.length && a.label === e.label),
    );
    assert.ok(
      moved.length >= Math.ceil(0.9 * before.entities.length),
      `${moved.length} of ${before.entities.length} entities found again at their shifted offsets`,
    );
  });

  it('re-highlights only the sentences around edits, with the same entities as a full run', async () => {
    const editor = await openEditor('harbour-report.txt');
    const document = editor.document;
    await vscode.commands.executeCommand('baner.highlightEntities');
    const before = api.entitiesOf(document.uri)!;
    // Two edits in different paragraphs, one adding an entity, one deleting a word, then a replacement.
    const text = document.getText();
    const at = text.indexOf('chief executive');
    const gone = text.indexOf('Environmental groups');
    assert.ok(at > 0 && gone > at);
    assert.ok(await editor.edit((edit) => edit.insert(document.positionAt(at), 'Angela Merkel and the ')));
    assert.ok(await editor.edit((edit) => edit.delete(new vscode.Range(document.positionAt(gone + 'Angela Merkel and the '.length), document.positionAt(gone + 'Angela Merkel and the '.length + 'Environmental '.length)))));
    const incremental = await waitFor('the re-highlight of the edited document', () => {
      const s = api.entitiesOf(document.uri);
      return s && s.version === document.version && s;
    }, 30_000);
    assertWellFormed(document, incremental.entities);
    assert.ok(has(incremental.entities, 'Angela Merkel', 'PER'), 'the new entity is found');
    assert.ok(incremental.entities.length >= before.entities.length, 'the entities of untouched sentences are kept');
    // A full run over the same text finds the same entities.
    await vscode.commands.executeCommand('baner.clearHighlights');
    await vscode.commands.executeCommand('baner.highlightEntities');
    const full = api.entitiesOf(document.uri)!;
    assert.deepEqual(
      incremental.entities.map((e) => `${e.start}:${e.end}:${e.label}`),
      full.entities.map((e) => `${e.start}:${e.end}:${e.label}`),
    );
  });

  it('baner.clearHighlights removes the highlights and stops following edits', async () => {
    const editor = await openEditor('harbour-report.txt');
    await vscode.commands.executeCommand('baner.highlightEntities');
    assert.ok(api.entitiesOf(editor.document.uri));
    await vscode.commands.executeCommand('baner.clearHighlights');
    assert.equal(api.entitiesOf(editor.document.uri), undefined, 'no entities after clearing');
    assert.ok(await editor.edit((edit) => edit.insert(new vscode.Position(0, 0), 'More news. ')));
    await sleep(1_500); // three times the edit debounce
    assert.equal(api.entitiesOf(editor.document.uri), undefined, 'an edit does not bring the highlights back');
  });

  it('highlights documents that match baner.autoHighlight as soon as they are shown', async () => {
    await setSetting('autoHighlight', ['*.md']);
    const editor = await openEditor('meeting-notes.md');
    const state = await waitFor('the automatic highlight of meeting-notes.md', () => api.entitiesOf(editor.document.uri), 30_000);
    assertWellFormed(editor.document, state.entities);
    assert.ok(has(state.entities, 'Priya Raman', 'PER'), 'Priya Raman is a PER');
    // A file the setting does not match stays as it is.
    const other = await openEditor('travel-itinerary.txt');
    await sleep(1_000);
    assert.equal(api.entitiesOf(other.document.uri), undefined, 'travel-itinerary.txt is not highlighted');
  });

  it('refuses a document over baner.maxDocumentSize with a clear message, and keeps working', async () => {
    await setSetting('maxDocumentSize', 100);
    const editor = await openEditor('harbour-report.txt');
    const length = editor.document.getText().length;
    const errors = recordMessages('showErrorMessage');
    try {
      await vscode.commands.executeCommand('baner.highlightEntities');
    } finally {
      errors.restore();
    }
    assert.equal(errors.messages.length, 1, `one error message (got ${JSON.stringify(errors.messages)})`);
    assert.match(errors.messages[0], /^BANER: /);
    assert.ok(
      errors.messages[0].includes(`harbour-report.txt has ${length.toLocaleString()} characters, more than baner.maxDocumentSize (100)`),
      errors.messages[0],
    );
    assert.equal(api.entitiesOf(editor.document.uri), undefined, 'not highlighted');

    await setSetting('maxDocumentSize', undefined);
    await vscode.commands.executeCommand('baner.highlightEntities');
    assert.ok(api.entitiesOf(editor.document.uri)?.entities.length, 'highlights again once the limit allows it');
  });

  it('asks for a file when baner.highlightEntities runs with no editor open', async () => {
    await closeAllEditors();
    const infos = recordMessages('showInformationMessage');
    try {
      await vscode.commands.executeCommand('baner.highlightEntities');
    } finally {
      infos.restore();
    }
    assert.deepEqual(infos.messages, ['BANER: open a file to highlight its entities.']);
  });
});
