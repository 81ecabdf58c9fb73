/// <reference types="mocha" />
// Reliability in a real VS Code (issue 10): highlights after a refresh (threshold or adapter change) that meets
// an edit are those of a clean full run with the final settings; a support file broken by another program is
// warned about once, its last labels stay visible but marked stale, and a label does not overwrite it; the
// panel removes an example by id, so a repeated request removes one sentence. Runs after label-adapt.test.ts
// against the same temp copy of samples/workspace. (The same logic, deterministically and in plain Node:
// test/unit/highlightGenerations.test.ts, supportStore.test.ts, panelRequests.test.ts.)
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { Entity } from '../../../src/worker/protocol';
import { exampleId } from '../../../src/core/support/exampleId';
import { type BanerApi, banerApiHighlightingOnRequest, closeAllEditors, openEditor, recordMessages, setSetting, sleep, waitFor, workspaceFile } from './helpers';

/** Longer than the edit debounce (500 ms) three times over: what is still pending has landed by then. */
const QUIET_MS = 1_500;

function keys(entities: readonly Entity[]): string[] {
  return entities.map((e) => `${e.start}:${e.end}:${e.label}`);
}

/** The entities of the document's current version once nothing has changed them for QUIET_MS. */
async function settledEntities(api: BanerApi, document: vscode.TextDocument): Promise<Entity[]> {
  let last: string | undefined;
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    const state = api.entitiesOf(document.uri);
    const now = state && state.version === document.version ? JSON.stringify(keys(state.entities)) : undefined;
    if (now !== undefined && now === last) return state!.entities;
    last = now;
    await sleep(QUIET_MS);
  }
  assert.fail('the highlights never settled');
}

/** What a clean full run with the settings of now finds. */
async function cleanRun(api: BanerApi, document: vscode.TextDocument): Promise<Entity[]> {
  await vscode.window.showTextDocument(document);
  await vscode.commands.executeCommand('baner.clearHighlights');
  await vscode.commands.executeCommand('baner.highlightEntities');
  const state = api.entitiesOf(document.uri);
  assert.ok(state && state.version === document.version, 'the clean run highlighted the current version');
  return state.entities;
}

/**
 * A threshold that removes entities the default one (0.5) shows in the last paragraph, far from the edits: an
 * entity of the old settings left there would be seen.
 */
function thresholdFor(entities: readonly Entity[], farFrom: number): number {
  const far = entities.filter((e) => e.start >= farFrom);
  assert.ok(far.length > 0, 'entities in the last paragraph');
  return far.some((e) => e.score < 0.85) ? 0.9 : 0.999;
}

/**
 * harbour-report.txt highlighted with the default threshold (`before`: its entities); `far`: where its last paragraph starts (no edit
 * reaches it), and a threshold that removes some of that paragraph's entities.
 */
async function highlightedReport(api: BanerApi): Promise<{ editor: vscode.TextEditor; document: vscode.TextDocument; before: Entity[]; far: number; threshold: number }> {
  await setSetting('confidenceThreshold', undefined);
  const editor = await openEditor('harbour-report.txt');
  const document = editor.document;
  await vscode.commands.executeCommand('baner.highlightEntities');
  const before = api.entitiesOf(document.uri)!.entities;
  const far = document.getText().indexOf('Environmental groups');
  return { editor, document, before, far, threshold: thresholdFor(before, far) };
}

/** The entities from `offset` on, as keys (for comparing the part of a document no edit touched). */
function farKeys(entities: readonly Entity[], offset: number): string[] {
  return keys(entities.filter((e) => e.start >= offset));
}

describe('Reliability', () => {
  let api: BanerApi;

  before(async () => {
    api = await banerApiHighlightingOnRequest();
  });

  afterEach(async () => {
    await closeAllEditors();
    await setSetting('confidenceThreshold', undefined);
  });

  it('a threshold change inside the edit debounce: the highlights equal a clean full run with the new threshold', async () => {
    const { editor, document, before, far, threshold } = await highlightedReport(api);
    const prefix = 'Update from the newsroom.\n\n';

    assert.ok(await editor.edit((edit) => edit.insert(new vscode.Position(0, 0), prefix)));
    const edited = Date.now();
    await setSetting('confidenceThreshold', threshold);
    console.log(`      threshold ${threshold} set ${Date.now() - edited} ms after the edit (debounce 500 ms)`);

    const final = await settledEntities(api, document);
    const clean = await cleanRun(api, document);
    assert.deepEqual(keys(final), keys(clean));
    // The threshold matters far from the edit: entities of the old threshold spliced in would have shown there.
    const shiftedBefore = before.map((e) => ({ ...e, start: e.start + prefix.length, end: e.end + prefix.length }));
    assert.notDeepEqual(farKeys(shiftedBefore, far + prefix.length), farKeys(clean, far + prefix.length), 'the new threshold changes the last paragraph');
  });

  it('an edit while a refresh runs (an adapter switch and a threshold change): the highlights equal a clean full run', async () => {
    const { editor, document, before, far, threshold } = await highlightedReport(api);

    // Switching to the base model again reloads its weights and empties the sentence cache in the worker: the
    // refresh the threshold change starts waits behind it, and the edit lands while it runs.
    const switching = api.activateAdapter(null);
    await setSetting('confidenceThreshold', threshold);
    const inserted = 'Angela Merkel visited the harbour. ';
    const at = document.getText().indexOf('"We are ahead');
    assert.ok(await editor.edit((edit) => edit.insert(document.positionAt(at), inserted)));
    await switching;

    const final = await settledEntities(api, document);
    const clean = await cleanRun(api, document);
    assert.deepEqual(keys(final), keys(clean));
    const shiftedBefore = before.map((e) => (e.start >= at ? { ...e, start: e.start + inserted.length, end: e.end + inserted.length } : e));
    assert.notDeepEqual(farKeys(shiftedBefore, far + inserted.length), farKeys(clean, far + inserted.length), 'the new threshold changes the last paragraph');
  });

  it('a support file broken by another program: one warning naming the line, stale labels kept, a label refused, the file left alone', async () => {
    const file = workspaceFile('.baner/support.jsonl').fsPath;
    const editor = await openEditor('clinic-notes.md');
    const text = editor.document.getText();
    const select = (word: string) => {
      const at = text.indexOf(word);
      editor.selection = new vscode.Selection(editor.document.positionAt(at), editor.document.positionAt(at + word.length));
    };
    select('Glucophage');
    assert.equal(await vscode.commands.executeCommand('baner.labelSelection', { label: 'DRUG', onOverlap: 'replace' }), 1);
    const good = readFileSync(file, 'utf8');
    const shownBefore = await waitFor('labels drawn', () => {
      const shown = api.labelsShownIn(editor);
      return shown.labelled.length > 0 && shown;
    });

    const brokenLine = good.split('\n').filter((l) => l.trim() !== '').length + 1;
    const broken = good + '{"text": "Oslo is cold .", "spans": [{"start": 0, "end": 4, "label": "O"}]}\n';
    const warnings = recordMessages('showWarningMessage');
    try {
      writeFileSync(file, broken);
      await waitFor('the warning', () => warnings.messages.length > 0, 20_000);
      assert.equal(warnings.messages.length, 1, warnings.messages.join('\n'));
      assert.ok(warnings.messages[0].includes(`support.jsonl:${brokenLine}: spans[0]: the label "O"`), warnings.messages[0]);
      assert.match(warnings.messages[0], /stale/);
      const stale = await waitFor('the labels to be marked stale', () => {
        const shown = api.labelsShownIn(editor) as ReturnType<BanerApi['labelsShownIn']> & { stale?: string };
        return shown.stale !== undefined && shown;
      }, 10_000);
      assert.deepEqual(stale.labelled, shownBefore.labelled, 'the last readable labels stay visible');
      assert.match(stale.stale!, new RegExp(`support\\.jsonl:${brokenLine}`));

      // Saved again as it is: the same broken state, no second warning.
      writeFileSync(file, broken);
      await sleep(QUIET_MS);
      assert.equal(warnings.messages.length, 1, 'one warning per broken state');

      // A label is refused with a message naming the line; the file is not written over.
      const errors = recordMessages('showErrorMessage');
      try {
        select('Norvasc');
        assert.equal(await vscode.commands.executeCommand('baner.labelSelection', { label: 'DRUG', onOverlap: 'replace' }), undefined);
        assert.match(errors.messages.join('\n'), new RegExp(`support\\.jsonl:${brokenLine}: `));
      } finally {
        errors.restore();
      }
      assert.equal(readFileSync(file, 'utf8'), broken, 'not overwritten');

      // Fixed: the labels are current again.
      writeFileSync(file, good);
      await waitFor('the labels to be current again', () => {
        const shown = api.labelsShownIn(editor) as ReturnType<BanerApi['labelsShownIn']> & { stale?: string };
        return shown.stale === undefined && shown.labelled.length > 0;
      }, 20_000);
    } finally {
      warnings.restore();
      writeFileSync(file, good);
    }
  });

  it('the panel removes an example by id: the same request twice removes one sentence', async () => {
    const file = workspaceFile('.baner/support.jsonl').fsPath;
    const editor = await openEditor('clinic-notes.md');
    const text = editor.document.getText();
    for (const word of ['Glucophage', 'Lipitor', 'Eliquis']) {
      const at = text.indexOf(word);
      editor.selection = new vscode.Selection(editor.document.positionAt(at), editor.document.positionAt(at + word.length));
      assert.equal(await vscode.commands.executeCommand('baner.labelSelection', { label: 'DRUG', onOverlap: 'replace' }), 1);
    }
    const before = await waitFor('the labels to be read', () => {
      const examples = api.supportExamples();
      return examples.some((e) => e.text.includes('Eliquis')) && examples;
    });
    const target = before.find((e) => e.text.includes('Lipitor'))!;
    const id = exampleId(target);
    await Promise.all([api.panelRequest({ type: 'removeExample', id }), api.panelRequest({ type: 'removeExample', id })]);
    assert.ok(existsSync(file));
    const after = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as { text: string });
    assert.deepEqual(
      after.map((e) => e.text),
      before.filter((e) => e !== target).map((e) => e.text),
      'only the Lipitor sentence is gone',
    );
  });
});
