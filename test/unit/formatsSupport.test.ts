// The support set to and from the formats: export writes gold spans only (never the suggestions), with what each
// format can carry; import merges without duplicating sentences and leaves those already there as they were; and
// the `baner convert / export-support / import-support` commands refuse bad input with a clear message, a
// non-zero exit and nothing (half-)written.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readTexts } from '../../src/core/formats/formatRegistry';
import { exportSupport, importIntoSupport, mergeIntoSupport } from '../../src/core/formats/supportTransfer';
import { formatSupportFile, parseSupportFile, type SupportExample } from '../../src/core/support/supportFile';

const BIN = resolve(__dirname, '../../bin/baner.js');
const baner = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

const EXAMPLES: SupportExample[] = [
  {
    text: 'Take aspirin daily in Zürich 😀 .',
    spans: [{ start: 5, end: 12, label: 'DRUG' }],
    rejected: [{ start: 13, end: 18 }],
    suggested: [{ start: 22, end: 28, label: 'LOC' }],
    source: { path: 'notes/a.md', offset: 40 },
  },
  { text: 'Ibuprofen   helps .', spans: [{ start: 0, end: 9, label: 'DRUG' }], rejected: [], suggested: [] },
];

/** Temporary folders, removed when the file's tests are done. */
const made: string[] = [];
after(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function workspace(examples: readonly SupportExample[] = EXAMPLES): string {
  const root = mkdtempSync(join(tmpdir(), 'baner-formats-'));
  made.push(root);
  mkdirSync(join(root, '.baner'));
  writeFileSync(join(root, '.baner/support.jsonl'), formatSupportFile(examples));
  return root;
}

const supportFileOf = (root: string) => readFileSync(join(root, '.baner/support.jsonl'), 'utf8');

test('export writes the gold spans, never the suggestions; sources where the format has room; notes say what is lost', async () => {
  const root = workspace();
  const doccano = await exportSupport(root, 'doccano');
  assert.equal(doccano.count, 2);
  const lines = doccano.content.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines[0], { text: EXAMPLES[0].text, label: [[5, 12, 'DRUG']], meta: { source_path: 'notes/a.md', source_offset: 40 } }, 'Zürich (suggested) is not exported');
  assert.deepEqual(doccano.notes, ['1 rejected span(s) not written: doccano has no place for spans that are not entities']);
  const conll = await exportSupport(root, 'conll-bioes');
  assert.match(conll.content, /^aspirin\tS-DRUG$/m);
  assert.match(conll.content, /^Zürich\tO$/m);
  assert.ok(conll.notes.some((n) => /sources of 1 text/.test(n)));
  await assert.rejects(exportSupport(workspace([]), 'spacy'), /support set of .* is empty/);
});

test('merge: a sentence already there (whitespace aside; same file, or no source on either side) is kept as it was, once', () => {
  const existing = EXAMPLES;
  const merged = mergeIntoSupport(existing, [
    { text: 'Take aspirin daily in Zürich 😀 .', spans: [] }, // no source: the labelled one is that sentence
    { text: 'Ibuprofen helps .', spans: [{ start: 0, end: 9, label: 'OTHER' }], source: { path: 'c.md', offset: 0 } }, // the existing one has no source
    { text: 'Take aspirin daily in Zürich 😀 .', spans: [], source: { path: 'notes/b.md', offset: 0 } }, // another file: another sentence
    { text: 'Paracetamol too .', spans: [{ start: 0, end: 11, label: 'DRUG', score: 0.9 }], rejected: [{ start: 12, end: 15 }] },
    { text: 'Paracetamol  too .', spans: [] }, // the same, earlier in this import
  ]);
  assert.equal(merged.added, 2);
  assert.equal(merged.alreadyThere, 3);
  assert.deepEqual(merged.examples.slice(0, 2), EXAMPLES, 'those already there are untouched');
  assert.deepEqual(merged.examples[3], { text: 'Paracetamol too .', spans: [{ start: 0, end: 11, label: 'DRUG' }], rejected: [{ start: 12, end: 15 }], suggested: [] }, 'no score in gold labels');
});

test('import: what was exported comes back as nothing new in every format; new sentences are appended with their sources', async () => {
  const root = workspace();
  const before = supportFileOf(root);
  for (const format of ['baner', 'conll', 'conll-bioes', 'doccano', 'prodigy', 'spacy'] as const) {
    const exported = await exportSupport(root, format);
    const result = await importIntoSupport(root, readTexts(format, exported.content, `export.${format}`).texts);
    assert.deepEqual(result, { added: 0, alreadyThere: 2 }, format);
    assert.equal(supportFileOf(root), before, `${format}: the support file is not rewritten`);
  }
  const incoming = readTexts('prodigy', JSON.stringify({ text: 'Naproxen works 👍 .', spans: [{ start: 0, end: 8, label: 'DRUG' }], meta: { source_path: 'notes/c.md', source_offset: 3 } }) + '\n', 'new.jsonl');
  assert.deepEqual(await importIntoSupport(root, incoming.texts), { added: 1, alreadyThere: 0 });
  const after = supportFileOf(root);
  assert.ok(after.startsWith(before), 'existing lines unchanged, suggestions included');
  assert.deepEqual(parseSupportFile(after, 's').at(-1), { text: 'Naproxen works 👍 .', spans: [{ start: 0, end: 8, label: 'DRUG' }], rejected: [], suggested: [], source: { path: 'notes/c.md', offset: 3 } });
});

test('baner import-support, export-support, convert: bad input fails clearly, exits non-zero and writes nothing', () => {
  const root = workspace();
  const before = supportFileOf(root);
  const bad = join(root, 'bad.jsonl');
  writeFileSync(bad, JSON.stringify({ text: 'Oslo', label: [[0, 4, 'LOC']] }) + '\n' + JSON.stringify({ text: 'Oslo', label: [[0, 9, 'LOC']] }) + '\n');
  const failedImport = baner('import-support', bad, '--format', 'doccano', '--workspace', root);
  assert.equal(failedImport.status, 1, failedImport.stderr);
  assert.match(failedImport.stderr, /bad\.jsonl:2: label\[0\]: end 9 is outside the text/);
  assert.equal(supportFileOf(root), before);

  const out = join(root, 'out', 'support.bioes');
  const exported = baner('export-support', '--workspace', root, '--out', out);
  assert.equal(exported.status, 0, exported.stderr);
  assert.match(readFileSync(out, 'utf8'), /^aspirin\tS-DRUG$/m, 'the format told by the extension, the folder made');
  assert.match(exported.stderr, /2 support sentences/);

  const converted = join(root, 'support.spacy.jsonl');
  const convert = baner('convert', '--from', 'conll-bioes', '--to', 'spacy', out, converted);
  assert.equal(convert.status, 0, convert.stderr);
  assert.equal(readFileSync(converted, 'utf8').trim().split('\n').length, 2);
  const imported = baner('import-support', converted, '--format', 'spacy', '--workspace', root);
  assert.equal(imported.status, 0, imported.stderr);
  assert.match(imported.stderr, /0 sentences added .* 2 already there/);

  const nowhere = join(root, 'never.jsonl');
  const failedConvert = baner('convert', '--from', 'doccano', '--to', 'prodigy', bad, nowhere);
  assert.equal(failedConvert.status, 1);
  assert.match(failedConvert.stderr, /bad\.jsonl:2:/);
  assert.ok(!existsSync(nowhere), 'no output file');
  const unknown = baner('convert', '--to', 'prodigy', bad, nowhere);
  assert.equal(unknown.status, 2, 'a .jsonl name does not say which format: a usage error');
  assert.match(unknown.stderr, /--from is needed/);
});
