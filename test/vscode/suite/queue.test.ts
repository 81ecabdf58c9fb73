/// <reference types="mocha" />
// "Next Sentences to Label" in a real VS Code (issue 11): the workspace's unlabelled sentences ranked by how
// unsure the model is, most useful first; accept, reject, skip and undo, each checked in .baner/support.jsonl.
// Leaves the support set as it found it (every accept and reject is undone). Runs after label-adapt.test.ts.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { type BanerApi, banerApiHighlightingOnRequest, closeAllEditors, waitFor, workspaceFile } from './helpers';

interface SupportLine {
  text: string;
  spans: Array<{ start: number; end: number; label: string }>;
  rejected?: Array<{ start: number; end: number }>;
  suggested?: Array<{ start: number; end: number; label: string }>;
}

function supportText(): string {
  const file = workspaceFile('.baner/support.jsonl').fsPath;
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

function readSupport(): SupportLine[] {
  return supportText()
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as SupportLine);
}

describe('Next sentences to label', () => {
  let api: BanerApi;

  before(async () => {
    api = await banerApiHighlightingOnRequest();
  });

  after(async () => {
    await closeAllEditors();
  });

  it('ranks the unlabelled sentences of the workspace, most useful first, and jumps to the first', async () => {
    const count = await vscode.commands.executeCommand<number>('baner.nextUsefulSentences');
    const rows = api.nextSentences();
    assert.ok(count && count >= 10, `${count} sentences ranked`);
    assert.equal(rows.length, count);
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1].score >= rows[i].score, `row ${i} is not more useful than row ${i - 1}`);
    assert.ok(rows[0].score > rows[rows.length - 1].score, 'the scores tell sentences apart');
    const labelled = new Set(readSupport().map((e) => e.text));
    assert.ok(!rows.some((r) => labelled.has(r.text)), 'labelled sentences are not listed');
    for (const r of rows.slice(0, 5)) {
      const document = await vscode.workspace.openTextDocument(r.uri);
      assert.equal(document.getText().slice(r.start, r.end), r.text);
      for (const s of r.suggestions) assert.ok(s.start >= r.start && s.end <= r.end, 'suggestions lie in their sentence');
    }
    const editor = await waitFor('the first sentence to be shown', () => vscode.window.activeTextEditor?.document.uri.toString() === rows[0].uri.toString() && vscode.window.activeTextEditor);
    assert.equal(editor.document.offsetAt(editor.selection.active), rows[0].start);
  });

  it('accept confirms every suggestion of the sentence; undo puts the support set and the row back', async () => {
    const before = supportText();
    const row = api.nextSentences().find((r) => r.suggestions.length > 0);
    assert.ok(row, 'a ranked sentence with suggestions');
    assert.equal(await vscode.commands.executeCommand('baner.queue.accept', row), true);
    const example = readSupport().find((e) => e.text === row.text);
    assert.ok(example, 'the sentence joined the support set');
    assert.deepEqual(
      example.spans.map((s) => [s.start + row.start, s.end + row.start, s.label]),
      row.suggestions.map((s) => [s.start, s.end, s.label]),
    );
    assert.deepEqual(example.suggested ?? [], [], 'nothing left unconfirmed');
    assert.ok(!api.nextSentences().includes(row), 'the row left the list');
    assert.equal(await vscode.commands.executeCommand('baner.queue.undo'), true);
    assert.equal(supportText(), before, 'undo restored the support file');
    assert.ok(api.nextSentences().includes(row), 'the row is back');
  });

  it('reject records every suggestion as no entity; skip hides a row, also after ranking again', async () => {
    const before = supportText();
    const row = api.nextSentences().find((r) => r.suggestions.length > 0)!;
    assert.equal(await vscode.commands.executeCommand('baner.queue.reject', row), true);
    const example = readSupport().find((e) => e.text === row.text)!;
    assert.deepEqual(example.spans, []);
    assert.deepEqual(
      (example.rejected ?? []).map((s) => [s.start + row.start, s.end + row.start]),
      row.suggestions.map((s) => [s.start, s.end]),
    );
    assert.equal(await vscode.commands.executeCommand('baner.queue.undo'), true);
    assert.equal(supportText(), before);

    const skipped = api.nextSentences()[0];
    assert.equal(await vscode.commands.executeCommand('baner.queue.skip', skipped), true);
    assert.notEqual(api.nextSentences()[0], skipped);
    await vscode.commands.executeCommand('baner.nextUsefulSentences');
    assert.ok(!api.nextSentences().some((r) => r.text === skipped.text && r.start === skipped.start), 'a skipped sentence stays hidden this session');
    assert.equal(supportText(), before, 'skipping writes nothing');
  });
});
