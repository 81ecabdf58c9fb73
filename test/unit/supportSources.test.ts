// Multi-root workspaces: a sentence labelled in the second folder is recorded with that folder's name and
// resolved, found and matched in that folder, not in the first one that holds a file of the same relative path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { resolveSourceFile, sameSourceFile, sourceFileOf, type FolderRef } from '../../src/core/support/sourcePaths';
import { locateExamples } from '../../src/core/support/locateExamples';
import { findExample, withLabel } from '../../src/core/support/supportEdits';
import { formatSupportFile, parseSupportFile, type SupportExample } from '../../src/core/support/supportFile';

const FIRST: FolderRef = { name: 'clinic', root: join('/', 'work', 'clinic') };
const SECOND: FolderRef = { name: 'papers', root: join('/', 'work', 'papers') };
const NESTED: FolderRef = { name: 'drafts', root: join('/', 'work', 'papers', 'drafts') };
const FOLDERS = [FIRST, SECOND, NESTED];

test('a file is recorded relative to its own folder, named when it is not the support set\'s folder', () => {
  assert.deepEqual(sourceFileOf(join(FIRST.root, 'notes', 'a.md'), FOLDERS, FIRST), { path: 'notes/a.md' });
  assert.deepEqual(sourceFileOf(join(SECOND.root, 'notes', 'a.md'), FOLDERS, FIRST), { path: 'notes/a.md', folder: 'papers' });
  assert.deepEqual(sourceFileOf(join(NESTED.root, 'b.md'), FOLDERS, FIRST), { path: 'b.md', folder: 'drafts' }, 'the innermost folder');
  assert.equal(sourceFileOf(join('/', 'tmp', 'c.md'), FOLDERS, FIRST), undefined, 'in no folder');
  assert.deepEqual(sourceFileOf(join(FIRST.root, 'a.md'), [FIRST], FIRST), { path: 'a.md' }, 'one folder: as before');
});

test('a source is resolved against its own folder; an unknown folder or a path out of it is refused', () => {
  assert.deepEqual(resolveSourceFile({ path: 'notes/a.md', folder: 'papers' }, FOLDERS, FIRST), { root: SECOND.root, file: join(SECOND.root, 'notes', 'a.md') });
  assert.deepEqual(resolveSourceFile({ path: 'notes/a.md' }, FOLDERS, FIRST), { root: FIRST.root, file: join(FIRST.root, 'notes', 'a.md') });
  assert.deepEqual(resolveSourceFile({ path: 'a.md', folder: 'gone' }, FOLDERS, FIRST), { problem: 'a.md is in the workspace folder "gone", which is not open' });
  assert.deepEqual(resolveSourceFile({ path: '../clinic/secret', folder: 'papers' }, FOLDERS, FIRST), { problem: '../clinic/secret is outside the workspace folder' });
  assert.deepEqual(resolveSourceFile({ path: '/etc/hostname' }, FOLDERS, FIRST), { problem: '/etc/hostname is outside the workspace folder' });
  // Round trip: what sourceFileOf records, resolveSourceFile finds.
  for (const file of [join(FIRST.root, 'x.txt'), join(SECOND.root, 'y', 'z.txt'), join(NESTED.root, 'w.md')]) {
    const source = sourceFileOf(file, FOLDERS, FIRST)!;
    assert.equal((resolveSourceFile(source, FOLDERS, FIRST) as { file: string }).file, file);
  }
});

test('the same relative path in two folders: labels are shown, found and edited in their own folder only', () => {
  const text = 'Aspirin helps .';
  const inFirst: SupportExample = { text, spans: [{ start: 0, end: 7, label: 'DRUG' }], rejected: [], suggested: [], source: { path: 'a.md', offset: 0 } };
  const inSecond: SupportExample = { text, spans: [], rejected: [{ start: 0, end: 7 }], suggested: [], source: { path: 'a.md', offset: 0, folder: 'papers' } };
  const examples = [inFirst, inSecond];
  assert.ok(!sameSourceFile(inFirst.source, inSecond.source));
  assert.ok(sameSourceFile(inSecond.source, { path: 'a.md', folder: 'papers' }));
  assert.deepEqual(locateExamples(text, examples, { path: 'a.md' }), [{ index: 0, offset: 0 }]);
  assert.deepEqual(locateExamples(text, examples, { path: 'a.md', folder: 'papers' }), [{ index: 1, offset: 0 }]);
  assert.equal(findExample(examples, { text, source: { path: 'a.md', offset: 0, folder: 'papers' } }), 1);
  const relabelled = withLabel(examples, { text, source: { path: 'a.md', offset: 0, folder: 'papers' } }, { start: 0, end: 7, label: 'MED' });
  assert.deepEqual(relabelled[0], inFirst, 'the first folder\'s example is untouched');
  assert.deepEqual(relabelled[1].spans, [{ start: 0, end: 7, label: 'MED' }]);
  // The folder survives the file.
  assert.deepEqual(parseSupportFile(formatSupportFile(relabelled), 's'), relabelled);
  assert.match(formatSupportFile([inSecond]), /"source":\{"path":"a.md","offset":0,"folder":"papers"\}/);
});
