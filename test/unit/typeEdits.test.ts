// Entity-type management without an editor: rename, merge and delete a type in the support set (labels and
// unconfirmed suggestions) and in an adapter's type table and files; undo puts every byte back; the colours of
// `baner.typeColors` are checked before they reach CSS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatSupportFile, readSupportFile, type SupportExample } from '../../src/core/support/supportFile';
import { editSupportTypes, supportTypeUses, typeEditProblem, type TypeEdit } from '../../src/core/support/typeEdits';
import { updateSupportFile } from '../../src/core/support/supportFileAccess';
import { TypeEditError, adapterTypeNames, editTypeList, editTypeTable, filesChangedSince, normalisedMean, planAdapterTypeEdit, writeFileChanges } from '../../src/core/adapters/adapterTypeEdits';
import { loadAdapter, saveAdapter } from '../../src/core/adapters/adapterFiles';
import { normaliseHexColour, parseTypeColours } from '../../src/core/types/typeColours';
import { SPAN_DIMS, TEST_BASE, tempDir, testAdapter } from './adapterFixtures';

const RENAME: TypeEdit = { kind: 'rename', from: 'DRUG', to: 'MEDICATION' };
const MERGE: TypeEdit = { kind: 'merge', from: 'DRUG', into: 'DOSE' };
const DELETE: TypeEdit = { kind: 'delete', type: 'DRUG' };

/** Three sentences: DRUG next to DOSE (touching), a DRUG suggestion beside a rejection, and one without DRUG. */
function supportSet(): SupportExample[] {
  return [
    {
      text: 'Take Lipitor 20mg daily .',
      spans: [
        { start: 5, end: 12, label: 'DRUG' },
        { start: 12, end: 17, label: 'DOSE' },
      ],
      rejected: [],
      suggested: [{ start: 18, end: 23, label: 'DRUG' }],
      source: { path: 'notes.md', offset: 0 },
    },
    {
      text: 'Dr Hart stopped Advil in Leeds .',
      spans: [{ start: 0, end: 7, label: 'PER' }],
      rejected: [{ start: 25, end: 30 }],
      suggested: [
        { start: 16, end: 21, label: 'DRUG' },
        { start: 21, end: 24, label: 'DOSE' },
      ],
    },
    { text: 'Norvasc helps .', spans: [{ start: 0, end: 7, label: 'DRUG' }], rejected: [], suggested: [] },
    { text: 'Nothing here .', spans: [], rejected: [{ start: 0, end: 7 }], suggested: [] },
  ];
}

/** The examples written and read back: what the support file's parser accepts (no overlap, no "O" type...). */
function roundTrip(examples: SupportExample[]): SupportExample[] {
  return readSupportFile(formatSupportFile(examples), 'support.jsonl').examples;
}

/** Every span (labels and suggestions) as [text, label], per example. */
function labelled(examples: SupportExample[]): Array<{ spans: string[]; suggested: string[] }> {
  return examples.map((e) => ({
    spans: e.spans.map((s) => `${e.text.slice(s.start, s.end)}/${s.label}`),
    suggested: e.suggested.map((s) => `${e.text.slice(s.start, s.end)}/${s.label}`),
  }));
}

test('rename: labels and suggestions of the type get the new name, offsets and everything else stay', () => {
  const before = supportSet();
  const result = editSupportTypes(before, RENAME)!;
  assert.equal(result.spans, 2);
  assert.equal(result.suggested, 2);
  assert.equal(result.removedExamples, 0);
  assert.deepEqual(labelled(result.examples), [
    { spans: ['Lipitor/MEDICATION', ' 20mg/DOSE'], suggested: ['daily/MEDICATION'] },
    { spans: ['Dr Hart/PER'], suggested: ['Advil/MEDICATION', ' in/DOSE'] },
    { spans: ['Norvasc/MEDICATION'], suggested: [] },
    { spans: [], suggested: [] },
  ]);
  assert.equal(result.examples[3], before[3], 'an example without the type is the same object');
  assert.deepEqual(result.examples[0].source, before[0].source);
  assert.deepEqual(roundTrip(result.examples), result.examples, 'the edited set is a valid support file');
  assert.deepEqual(supportSet(), before, 'the input is not modified');
  assert.equal(editSupportTypes(before, { kind: 'rename', from: 'GENE', to: 'X' }), undefined, 'nothing to change');
});

test('merge: the type takes the target name next to its existing mentions, without overlaps', () => {
  const result = editSupportTypes(supportSet(), MERGE)!;
  assert.deepEqual(labelled(result.examples), [
    { spans: ['Lipitor/DOSE', ' 20mg/DOSE'], suggested: ['daily/DOSE'] },
    { spans: ['Dr Hart/PER'], suggested: ['Advil/DOSE', ' in/DOSE'] },
    { spans: ['Norvasc/DOSE'], suggested: [] },
    { spans: [], suggested: [] },
  ]);
  // Touching spans of one type stay two spans (no offset moves), and the file accepts them.
  assert.deepEqual(
    result.examples[0].spans.map((s) => [s.start, s.end]),
    [
      [5, 12],
      [12, 17],
    ],
  );
  assert.deepEqual(roundTrip(result.examples), result.examples);
  assert.deepEqual(
    supportTypeUses(result.examples).map((u) => [u.label, u.spans, u.suggested]),
    [
      ['DOSE', 3, 3],
      ['PER', 1, 0],
    ],
  );
});

test('delete: labels and suggestions go; a sentence left with no label and no rejection leaves the set', () => {
  const result = editSupportTypes(supportSet(), DELETE)!;
  assert.equal(result.spans, 2);
  assert.equal(result.suggested, 2);
  assert.equal(result.removedExamples, 1, 'the Norvasc sentence had nothing else');
  assert.deepEqual(labelled(result.examples), [
    { spans: [' 20mg/DOSE'], suggested: [] },
    { spans: ['Dr Hart/PER'], suggested: [' in/DOSE'] },
    { spans: [], suggested: [] },
  ]);
  assert.deepEqual(result.examples[1].rejected, [{ start: 25, end: 30 }], 'rejections stay');
  assert.deepEqual(roundTrip(result.examples), result.examples);
  assert.ok(!supportTypeUses(result.examples).some((u) => u.label === 'DRUG'));
});

test('a type edit is refused for a missing type, the non-entity label, itself, and a rename onto an existing type', () => {
  const known = new Set(['DRUG', 'DOSE', 'PER']);
  assert.equal(typeEditProblem(RENAME, known), undefined);
  assert.equal(typeEditProblem(MERGE, known), undefined);
  assert.equal(typeEditProblem(DELETE, known), undefined);
  assert.match(typeEditProblem({ kind: 'rename', from: 'DRUG', to: 'DOSE' }, known)!, /merge DRUG into DOSE instead/);
  assert.match(typeEditProblem({ kind: 'rename', from: 'GENE', to: 'X' }, known)!, /no type GENE/);
  assert.match(typeEditProblem({ kind: 'delete', type: 'O' }, new Set(['O']))!, /not an entity/);
  assert.match(typeEditProblem({ kind: 'merge', from: 'DRUG', into: 'DRUG' }, known)!, /itself/);
  assert.match(typeEditProblem({ kind: 'rename', from: 'DRUG', to: 'DRUG' }, known)!, /has that name/);
});

/** A 3 x 4 table with values that are not round in binary. */
function table() {
  const f = (x: number) => Math.fround(x);
  return {
    labels: ['DRUG', 'DOSE', 'O'],
    vectors: [0.1, 0.7, -0.3, 0.2, 0.5, -0.5, 0.5, 0.5, -0.9, 0.1, 0.3, 0.2].map(f),
  };
}

const row = (t: { labels: string[]; vectors: number[] }, label: string) => {
  const i = t.labels.indexOf(label);
  const dims = t.vectors.length / t.labels.length;
  return t.vectors.slice(i * dims, (i + 1) * dims);
};

test('adapter table: merging makes the target row the normalised mean of the two, other rows keep their exact values', () => {
  const before = table();
  const merged = editTypeTable(before, MERGE)!;
  assert.deepEqual(merged.labels, ['DOSE', 'O']);
  const a = row(before, 'DRUG');
  const b = row(before, 'DOSE');
  const mean = a.map((x, d) => (x + b[d]) / 2);
  const norm = Math.hypot(...mean);
  const got = row(merged, 'DOSE');
  got.forEach((x, d) => assert.ok(Math.abs(x - mean[d] / norm) < 1e-6, `dimension ${d}: ${x} vs ${mean[d] / norm}`));
  assert.ok(Math.abs(Math.hypot(...got) - 1) < 1e-6, 'unit length');
  assert.ok(got.every((x) => Math.fround(x) === x), 'float32 values, as the engine loads them');
  assert.deepEqual(normalisedMean(a, b), got);
  row(merged, 'O').forEach((x, d) => assert.ok(Object.is(x, row(before, 'O')[d]), 'the O row is untouched'));

  // Merging into a type the adapter lacks renames the row, its values untouched.
  const renamed = editTypeTable(before, { kind: 'merge', from: 'DRUG', into: 'MEDICATION' })!;
  assert.deepEqual(renamed.labels, ['MEDICATION', 'DOSE', 'O']);
  assert.deepEqual(renamed.vectors, before.vectors);
  assert.equal(editTypeTable(before, { kind: 'delete', type: 'GENE' }), undefined);
  assert.throws(() => editTypeTable({ labels: ['A', 'B'], vectors: [1, 0, -1, 0] }, { kind: 'merge', from: 'A', into: 'B' }), TypeEditError);
});

test('adapter table: deleting removes the row and leaves the others bit-identical; the last entity type cannot go', () => {
  const before = table();
  const deleted = editTypeTable(before, DELETE)!;
  assert.deepEqual(deleted.labels, ['DOSE', 'O']);
  const bits = (values: number[]) => Buffer.from(Float32Array.from(values).buffer).toString('hex');
  assert.equal(bits(deleted.vectors), bits([...row(before, 'DOSE'), ...row(before, 'O')]));
  deleted.vectors.forEach((x, i) => assert.ok(Object.is(x, before.vectors[4 + i])));
  assert.throws(() => editTypeTable(deleted, { kind: 'delete', type: 'DOSE' }), (e: Error) => e instanceof TypeEditError && /without any type/.test(e.message));
  assert.deepEqual(editTypeList(['DRUG', 'DOSE'], MERGE), ['DOSE']);
  assert.deepEqual(editTypeList(['DRUG', 'DOSE'], RENAME), ['MEDICATION', 'DOSE']);
  assert.deepEqual(editTypeList(['DRUG', 'DOSE'], DELETE), ['DOSE']);
  assert.equal(editTypeList(['DOSE'], DELETE), undefined);
});

/** An adapter "clinic" whose types.json is hand-formatted (spaces, an extra field) so that a rewrite would show. */
function adapterWithTypes(): { dir: string; config: string; types: string } {
  const dir = saveAdapter(tempDir('type-edits'), testAdapter('clinic'));
  const t = table();
  const vectors = t.vectors.map((x) => x.toPrecision(12));
  const types = `{ "labels": ["DRUG", "DOSE", "O"], "note": "kept", "vectors": [${vectors.join(', ')}] }\n`;
  writeFileSync(join(dir, 'types.json'), types);
  const config = JSON.parse(readFileSync(join(dir, 'adapter.json'), 'utf8'));
  const configText = JSON.stringify({ ...config, types: ['DRUG', 'DOSE'] }, null, 4);
  writeFileSync(join(dir, 'adapter.json'), configText);
  return { dir, config: configText, types };
}

test('adapter files: a planned merge writes both files atomically, loads, and undo restores every byte', () => {
  const { dir, config, types } = adapterWithTypes();
  const dims = 4;
  assert.equal(dims, SPAN_DIMS);
  assert.deepEqual(adapterTypeNames(dir), ['DRUG', 'DOSE']);
  const change = planAdapterTypeEdit(dir, MERGE, SPAN_DIMS)!;
  assert.deepEqual(
    change.files.map((f) => f.path),
    [join(dir, 'adapter.json'), join(dir, 'types.json')],
  );
  assert.equal(readFileSync(join(dir, 'types.json'), 'utf8'), types, 'planning writes nothing');
  writeFileChanges(change.files, 'after');
  const loaded = loadAdapter(dir, TEST_BASE, { spanDims: SPAN_DIMS });
  assert.deepEqual(loaded.config.types, ['DOSE']);
  assert.deepEqual(loaded.types.labels, ['DOSE', 'O']);
  assert.equal(JSON.parse(readFileSync(join(dir, 'types.json'), 'utf8')).note, 'kept', 'other fields stay');
  assert.deepEqual(filesChangedSince(change.files, 'after'), []);
  assert.deepEqual(filesChangedSince(change.files, 'before'), change.files.map((f) => f.path));

  writeFileChanges(change.files, 'before');
  assert.equal(readFileSync(join(dir, 'adapter.json'), 'utf8'), config, 'adapter.json byte for byte');
  assert.equal(readFileSync(join(dir, 'types.json'), 'utf8'), types, 'types.json byte for byte');

  // A file changed by someone else since is reported, so that undo does not silently drop that change.
  writeFileChanges(change.files, 'after');
  writeFileSync(join(dir, 'types.json'), readFileSync(join(dir, 'types.json'), 'utf8') + ' ');
  assert.deepEqual(filesChangedSince(change.files, 'after'), [join(dir, 'types.json')]);
  assert.equal(planAdapterTypeEdit(dir, { kind: 'rename', from: 'GENE', to: 'X' }, SPAN_DIMS), undefined, 'an adapter without the type is left alone');
});

test('adapter files: deleting keeps the other rows bit-identical on disk; a damaged types.json is refused, nothing written', () => {
  const { dir, types } = adapterWithTypes();
  const before = loadAdapter(dir, TEST_BASE, { spanDims: SPAN_DIMS }).types;
  writeFileChanges(planAdapterTypeEdit(dir, DELETE, SPAN_DIMS)!.files, 'after');
  const after = loadAdapter(dir, TEST_BASE, { spanDims: SPAN_DIMS }).types;
  assert.deepEqual(after.labels, ['DOSE', 'O']);
  assert.equal(Buffer.from(after.vectors.buffer).toString('hex'), Buffer.from(before.vectors.slice(SPAN_DIMS).buffer).toString('hex'));

  writeFileSync(join(dir, 'types.json'), types.replace('"vectors": [', '"vectors": [1, '));
  assert.throws(() => planAdapterTypeEdit(dir, DELETE, SPAN_DIMS), /types\.json has 13 vector values/);
});

test('support file: an edit made under the lock, and the verbatim undo, restore a hand-formatted file byte for byte', async () => {
  const root = tempDir('type-edits-support');
  mkdirSync(join(root, '.baner'));
  const file = join(root, '.baner', 'support.jsonl');
  // Not as BANER writes it: keys in another order, spaces, a blank line, CRLF.
  const original =
    '{ "spans": [{"label": "DRUG", "start": 5, "end": 12}], "text": "Take Lipitor daily ." }\r\n\r\n' +
    '{"text": "Norvasc helps .", "spans": [], "suggested": [{"start": 0, "end": 7, "label": "DRUG"}], "rejected": [{"start": 8, "end": 13}]}\r\n';
  writeFileSync(file, original);
  let before: string | undefined;
  await updateSupportFile(root, (examples, content) => {
    before = content;
    return editSupportTypes(examples, RENAME)?.examples;
  });
  assert.equal(before, original);
  const renamed = readFileSync(file, 'utf8');
  assert.match(renamed, /MEDICATION/);
  assert.doesNotMatch(renamed, /DRUG/);
  await updateSupportFile(root, () => ({ text: before! }));
  assert.equal(readFileSync(file, 'utf8'), original, 'byte for byte');
  // A text that is no support file is refused, and nothing is written.
  await assert.rejects(
    updateSupportFile(root, () => ({ text: '{"text": "x", "spans": [{"start": 0, "end": 9, "label": "A"}]}\n' })),
    /no valid support file/,
  );
  assert.equal(readFileSync(file, 'utf8'), original);
  rmSync(root, { recursive: true, force: true });
});

test('type colours: hex colours only, #rgb widened, anything else left out with a reason', () => {
  assert.equal(normaliseHexColour('#E14'), '#ee1144');
  assert.equal(normaliseHexColour(' #e6194B '), '#e6194b');
  for (const bad of ['red', '#12345', '#1234567', 'url(x)', '#ggg', 7, null]) assert.equal(normaliseHexColour(bad), undefined, String(bad));
  const parsed = parseTypeColours({ DRUG: '#e6194b', PER: 'red; background: url(https://x)', LOC: '#0f0', '': '#000' });
  assert.deepEqual([...parsed.colours], [
    ['DRUG', '#e6194b'],
    ['LOC', '#00ff00'],
  ]);
  assert.equal(parsed.problems.length, 2);
  assert.match(parsed.problems.join('\n'), /baner\.typeColors\.PER: not a colour/);
  assert.deepEqual(parseTypeColours(['#fff']).colours.size, 0);
  assert.equal(parseTypeColours(undefined).problems.length, 0);
});
