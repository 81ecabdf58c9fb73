// Predictions of a whole folder: every text file under it (nested too), BANER's folder, dependencies and version
// control left out, binary and non-UTF-8 files skipped and reported; one output file for all, or one per input.
// The model is replaced by a stand-in here (capitalised words are entities), so that only the folder logic is tested.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectTextFiles } from '../../src/core/formats/textFiles';
import { predictFiles, predictionOutputs, type Highlighter } from '../../src/core/formats/predictionExport';
import { readTexts } from '../../src/core/formats/formatRegistry';

const capitalised: Highlighter = {
  async highlight(text) {
    return [...text.matchAll(/\p{Lu}\p{L}+/gu)].map((m) => ({ start: m.index, end: m.index + m[0].length, label: 'CAP', score: 0.5 }));
  },
};

/** Temporary folders, removed when the file's tests are done. */
const made: string[] = [];
after(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function folder(): string {
  const root = mkdtempSync(join(tmpdir(), 'baner-predict-'));
  made.push(root);
  const files: Record<string, string | Buffer> = {
    'a.txt': 'Alice met Bob in Paris. Then they left.\n\nCarol stayed.',
    'notes/b.md': '# Notes\n\nZürich 😀 is where Dana lives.',
    'notes/deep/c.txt': '\uFEFFEve wrote it.',
    'notes/image.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]),
    'latin1.txt': Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x0a]), // "Café" in Latin-1
    'empty.txt': '  \n',
    '.baner/support.jsonl': '{"text":"Frank","spans":[]}\n',
    'node_modules/pkg/readme.md': 'Grace',
    '.git/HEAD': 'ref: refs/heads/main',
  };
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  symlinkSync('/etc', join(root, 'outside'));
  return root;
}

test('a folder: nested text files in name order; .baner, node_modules, .git left out; binary, non-UTF-8, empty and links skipped with the reason', async () => {
  const root = folder();
  const { files, skipped } = await collectTextFiles([root], { base: root });
  assert.deepEqual(files.map((f) => f.relativePath), ['a.txt', 'notes/b.md', 'notes/deep/c.txt']);
  assert.equal(files[2].text, 'Eve wrote it.', 'a byte order mark is not text');
  const reasons = Object.fromEntries(skipped.map((s) => [s.path.slice(root.length + 1), s.reason]));
  assert.deepEqual(Object.keys(reasons).sort(), ['empty.txt', 'latin1.txt', 'notes/image.png', 'outside']);
  assert.match(reasons['notes/image.png'], /binary file/);
  assert.match(reasons['latin1.txt'], /not UTF-8/);
  assert.match(reasons.outside, /symbolic link/);
  assert.match(reasons['empty.txt'], /no text/);
  // Named relative to the folder when the working directory is elsewhere; the output is never read as input.
  const cwd = mkdtempSync(join(tmpdir(), 'baner-cwd-'));
  made.push(cwd);
  const elsewhere = await collectTextFiles([join(root, 'notes')], { base: cwd, exclude: [join(root, 'notes/b.md')] });
  assert.deepEqual(elsewhere.files.map((f) => f.relativePath), ['deep/c.txt']);
});

test('predictions of a folder: one file for all (one text per file, or per sentence), or one file per input named after it', async () => {
  const root = folder();
  const { files } = await collectTextFiles([root], { base: root });
  const wholeFiles = await predictFiles(capitalised, files);
  const [oneFile] = predictionOutputs(wholeFiles, 'prodigy', 'one-file');
  const tasks = readTexts('prodigy', oneFile.content, 'all.jsonl').texts;
  assert.deepEqual(tasks.map((t) => t.source), files.map((f) => ({ path: f.relativePath, offset: 0 })));
  assert.deepEqual(tasks[1].spans.map((s) => tasks[1].text.slice(s.start, s.end)), ['Notes', 'Zürich', 'Dana']);
  assert.equal(tasks[1].spans[0].score, 0.5, 'Prodigy keeps the score');

  const bySentence = await predictFiles(capitalised, files, { sentences: true });
  const first = bySentence[0].texts;
  assert.deepEqual(first.map((t) => [t.text, t.source?.offset]), [['Alice met Bob in Paris.', 0], ['Then they left.', 24], ['Carol stayed.', 41]]);
  assert.deepEqual(first[2].spans, [{ start: 0, end: 5, label: 'CAP', score: 0.5 }], 'offsets relative to the sentence');

  const perInput = predictionOutputs(bySentence, 'conll', 'per-input', { docStart: true });
  assert.deepEqual(perInput.map((o) => o.relativePath), ['a.txt.conll', 'notes/b.md.conll', 'notes/deep/c.txt.conll']);
  assert.equal(perInput[0].content, '-DOCSTART-\tO\n\nAlice\tB-CAP\nmet\tO\nBob\tB-CAP\nin\tO\nParis\tB-CAP\n.\tO\n\nThen\tB-CAP\nthey\tO\nleft\tO\n.\tO\n\nCarol\tB-CAP\nstayed\tO\n.\tO\n\n');
  // Two inputs that would land on the same output name are refused before anything is written.
  assert.throws(() => predictionOutputs([bySentence[0], { ...bySentence[0], file: { ...bySentence[0].file, path: '/elsewhere/a.txt' } }], 'spacy', 'per-input'), /would both be written to a\.txt\.jsonl/);
});
