// Every format's reader refuses what it cannot trust, naming the file and the line (overlapping spans, offsets
// outside the text or inside a surrogate pair, the label "O", missing fields, bad JSON), and never echoes the
// line's content back beyond a short excerpt of a label.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readTexts, type FormatName, type FormatOptions } from '../../src/core/formats/formatRegistry';

const SECRET = 'sk-live-0123456789abcdefSECRET';

function line(value: unknown): string {
  return JSON.stringify(value) + '\n';
}

/** `content` read as `format` fails with "FILE:LINE: ..." matching `problem`, and quotes nothing of the secret. */
function refuses(format: FormatName, content: string, lineNumber: number, problem: RegExp, options: FormatOptions = {}): void {
  assert.throws(
    () => readTexts(format, content, 'in/file.jsonl', options),
    (error: Error) => {
      assert.ok(error.message.startsWith(`in/file.jsonl:${lineNumber}:`), `names the line: ${error.message}`);
      assert.match(error.message, problem);
      assert.ok(!error.message.includes(SECRET) && !error.message.includes('SECRET'), `echoes the file: ${error.message}`);
      assert.ok(error.message.length < 300, error.message);
      return true;
    },
  );
}

const GOOD_DOCCANO = line({ text: `Paris is big ${SECRET}`, label: [[0, 5, 'LOC']] });

test('doccano: overlapping spans, offsets outside the text, "O", missing fields, classification labels, bad JSON', () => {
  refuses('doccano', GOOD_DOCCANO + line({ text: 'New York City', label: [[0, 8, 'LOC'], [4, 13, 'LOC']] }), 2, /label\[0\] and label\[1\] overlap/);
  refuses('doccano', GOOD_DOCCANO + '\n' + line({ text: 'Paris', label: [[0, 9, 'LOC']] }), 3, /label\[0\]: end 9 is outside the text \(length 5\)/);
  refuses('doccano', line({ text: 'Paris', label: [[-1, 3, 'LOC']] }), 1, /start -1 is outside the text/);
  refuses('doccano', line({ text: 'Paris', label: [[3, 3, 'LOC']] }), 1, /start 3 is not before end 3/);
  refuses('doccano', line({ text: 'Paris', label: [[0, 5, 'O']] }), 1, /label "O" means "not an entity"/);
  refuses('doccano', line({ label: [[0, 5, 'LOC']] }), 1, /"text" must be a string/);
  refuses('doccano', line({ text: 'Paris', label: [[0, 5]] }), 1, /label\[0\] must be \[start, end, "TYPE"\]/);
  refuses('doccano', line({ text: 'Paris', label: ['positive'] }), 1, /text classification export/);
  refuses('doccano', line({ text: 'Paris', entities: [{ start_offset: 0, label: 'LOC' }] }), 1, /entities\[0\]: needs a start, an end and a label/);
  refuses('doccano', line({ text: 'Paris' }), 1, /no entities: expected "label" or "entities"/);
  refuses('doccano', GOOD_DOCCANO + `{"text": "${SECRET}", "label": [[0, 1, "X"]]\n`, 2, /invalid JSON/);
  refuses('doccano', line([1, 2]), 1, /expected a JSON object/);
  refuses('doccano', line({ text: 'Paris', label: [[0, 5, 'LOC']], meta: { source_path: 'a.md', source_offset: -1 } }), 1, /"meta.source_offset" must be an integer >= 0/);
});

test('Prodigy: missing labels, scores that are not numbers, offsets inside a surrogate pair; rejected tasks are skipped and said so', () => {
  refuses('prodigy', line({ text: 'Paris', spans: [{ start: 0, end: 5 }] }), 1, /spans\[0\]: needs a start, an end and a label/);
  refuses('prodigy', line({ text: 'Paris', spans: [{ start: 0, end: 5, label: 'LOC', score: 'high' }] }), 1, /"score" must be a number/);
  // 😀 is two UTF-16 units: offset 1 splits it when the file counts UTF-16 units; in code points it is after it.
  const emoji = line({ text: '😀 Paris', spans: [{ start: 1, end: 7, label: 'LOC' }] });
  refuses('prodigy', emoji, 1, /start 1 is inside a character/, { offsets: 'utf16' });
  assert.deepEqual(readTexts('prodigy', emoji, 'x').texts[0].spans, [{ start: 2, end: 8, label: 'LOC' }]);
  refuses('prodigy', line({ text: '😀 Paris', spans: [{ start: 2, end: 8, label: 'LOC' }] }), 1, /end 8 is outside the text \(length 7\)/);

  const read = readTexts('prodigy', line({ text: 'Paris', spans: [{ start: 0, end: 5, label: 'LOC' }], answer: 'accept' }) + line({ text: 'Rome', spans: [], answer: 'reject' }) + line({ text: 'Oslo', answer: 'ignore' }) + line({ text: 'Bern', spans: [], answer: 'reject' }), 'db.jsonl');
  assert.deepEqual(read.texts.map((t) => t.text), ['Paris']);
  assert.deepEqual(read.notes, ['db.jsonl: 2 task(s) answered "reject" skipped (lines 2, 4)', 'db.jsonl: 1 task(s) answered "ignore" skipped (lines 3)']);
});

test('spaCy: no tokens (not a Doc), overlapping entities, offsets past the text in code points', () => {
  refuses('spacy', line({ text: 'Paris', ents: [{ start: 0, end: 5, label: 'LOC' }] }), 1, /"tokens" must be an array/);
  const tokens = [{ id: 0, start: 0, end: 2 }];
  refuses('spacy', line({ text: 'New York City', ents: [{ start: 0, end: 8, label: 'A' }, { start: 4, end: 13, label: 'B' }], tokens }), 1, /ents\[0\] and ents\[1\] overlap \("A" and "B"\)/);
  refuses('spacy', line({ text: '😀a', ents: [{ start: 1, end: 3, label: 'X' }], tokens }), 1, /ents\[0\]: end 3 is outside the text \(length 2\)/);
  refuses('spacy', line({ text: 'Paris', ents: [{ start: 0, end: 5, label: 'O' }], tokens }), 1, /"O" means "not an entity"/);
  refuses('spacy', line({ text: 'Paris', ents: {}, tokens }), 1, /"ents" must be an array/);
  assert.deepEqual(readTexts('spacy', line({ text: 'Paris', tokens }), 'x').texts, [{ text: 'Paris', spans: [] }], 'no "ents": no entities');
});

test('CoNLL: the type "O", broken lines and tags outside the scheme name their line', () => {
  refuses('conll', 'Paris\tB-LOC\n\nOslo\tB-O\n', 3, /B-O makes "O" a type/);
  refuses('conll', 'Paris\tB-LOC\nis\n', 2, /expected a token and a tag/);
  refuses('conll', 'Paris\tB-LOC\nis\tX-LOC\n', 2, /invalid NER tag/);
  refuses('conll-iob2', 'New\tB-LOC\nYork\tE-LOC\n', 2, /E- tag is not part of the IOB2 scheme/);
  refuses('conll', '\n\n', 3, /no sentences found/);
});

test('BANER span JSONL: the support file reader, with its rules', () => {
  refuses('baner', line({ text: 'Paris', spans: [{ start: 0, end: 5, label: 'LOC' }] }) + line({ text: 'New York', spans: [{ start: 0, end: 5, label: 'A' }, { start: 4, end: 8, label: 'B' }] }), 2, /overlap/);
  refuses('baner', line({ text: SECRET, spans: [] }).replace('}', ''), 1, /not valid JSON/);
});

test('a long label is cut to a short excerpt in messages', () => {
  const label = `L${'x'.repeat(500)}${SECRET}`;
  assert.throws(
    () => readTexts('doccano', line({ text: 'New York City', label: [[0, 8, label], [4, 13, 'LOC']] }), 'f'),
    (error: Error) => error.message.length < 300 && error.message.includes('"Lxxxxxxxxxxxxxxxxxxxxxxx…"') && !error.message.includes(SECRET),
  );
});
