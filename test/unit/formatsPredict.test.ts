// Predictions through the real default model (models/transformer) into the formats: the spans written are the
// engine's own, offsets converted for the Python tools; and `baner predict` on a folder writes one file per input
// and lists the file it skipped.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { NerEngine } from '../../src/core/engine';
import { readTexts } from '../../src/core/formats/formatRegistry';
import { predictFiles, predictionOutputs } from '../../src/core/formats/predictionExport';
import { collectTextFiles } from '../../src/core/formats/textFiles';

const BIN = resolve(__dirname, '../../bin/baner.js');

/** Temporary folders, removed when the file's tests are done. */
const made: string[] = [];
after(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function folder(): string {
  const root = mkdtempSync(join(tmpdir(), 'baner-predict-model-'));
  made.push(root);
  mkdirSync(join(root, 'sub'));
  writeFileSync(join(root, 'news.txt'), 'Angela Merkel visited Paris with Siemens officials.\n\nShe met Emmanuel Macron 😀 in Zürich.\n');
  writeFileSync(join(root, 'sub/more.md'), 'Reporters in Nairobi said Kenya Airways will fly to Amsterdam .\n');
  writeFileSync(join(root, 'sub/blob.bin'), Buffer.from([0x00, 0x01, 0x02, 0x03]));
  return root;
}

test('predictions of the default model, written as spaCy Docs, are the engine\'s entities with code point offsets', async () => {
  const root = folder();
  const { files } = await collectTextFiles([root], { base: root });
  const engine = await NerEngine.load();
  try {
    const predicted = await predictFiles(engine, files);
    const news = files[0].text;
    const direct = await engine.highlight(news);
    assert.deepEqual(predicted[0].texts[0].spans, direct.map(({ start, end, label, score }) => ({ start, end, label, score })));
    const found = (text: string, label: string) => direct.some((e) => e.text === text && e.label === label);
    assert.ok(found('Paris', 'LOC') && found('Zürich', 'LOC') && found('Angela Merkel', 'PER'), JSON.stringify(direct));

    const [output] = predictionOutputs(predicted, 'spacy', 'one-file');
    const doc = JSON.parse(output.content.split('\n')[0]);
    const zurich = direct.find((e) => e.text === 'Zürich')!;
    const codePoints = (offset: number) => Array.from(news.slice(0, offset)).length;
    assert.ok(doc.ents.some((e: { start: number; end: number }) => e.start === codePoints(zurich.start) && e.end === codePoints(zurich.end)));
    assert.equal(codePoints(zurich.start), zurich.start - 1, 'one code point fewer after the emoji');
    assert.deepEqual(doc.meta, { source_path: 'news.txt', source_offset: 0 });
    const back = readTexts('spacy', output.content, 'predictions.jsonl').texts;
    assert.deepEqual(back[0].spans, direct.map(({ start, end, label }) => ({ start, end, label })), 'read back: the same entities (spaCy keeps no scores)');
  } finally {
    await engine.dispose();
  }
});

test('baner predict FOLDER --format conll --out DIR/: one CoNLL file per text file, the binary one skipped and listed', () => {
  const root = folder();
  const out = join(root, 'predictions') + '/';
  const r = spawnSync(process.execPath, [BIN, 'predict', root, '--format', 'conll', '--out', out, '--docstart'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /skipped .*blob\.bin: looks like a binary file/);
  assert.match(r.stderr, /2 files, \d+ entities -> 2 files under/);
  const news = readFileSync(join(out, 'news.txt.conll'), 'utf8');
  assert.ok(news.startsWith('-DOCSTART-\tO\n\nAngela\tB-PER\nMerkel\tI-PER\n'), news);
  assert.match(readFileSync(join(out, 'sub/more.md.conll'), 'utf8'), /^Nairobi\tB-LOC$/m);
  // A second run into the same folder does not read its own output.
  const again = spawnSync(process.execPath, [BIN, 'predict', root, '--format', 'conll', '--out', out], { encoding: 'utf8' });
  assert.match(again.stderr, /2 files, /);
});
