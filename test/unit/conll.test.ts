import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { ConllFormatError, formatConll, parseConll, readConllFile } from '../../src/core/data/conll';
import { convertTags, detectScheme, spansToTags, tagsToSpans, type TagScheme } from '../../src/core/data/tagSchemes';
import { SpanJsonlError, formatSpanJsonl, parseSpanJsonl, sentenceToText, textToSentence } from '../../src/core/data/spanJsonl';
import { tokenize } from '../../src/core/text/tokenize';
import type { LabeledSentence, TokenSpan } from '../../src/core/types';

const DATA = '/work/shared/data';

const span = (start: number, end: number, label: string): TokenSpan => ({ start, end, label });

test('tagsToSpans: IOB1 starts entities with I- and separates same-type neighbours with B-', () => {
  assert.deepEqual(tagsToSpans(['I-PER', 'I-PER', 'B-PER', 'O', 'I-LOC', 'I-ORG'], 'iob1'), [
    span(0, 2, 'PER'),
    span(2, 3, 'PER'),
    span(4, 5, 'LOC'),
    span(5, 6, 'ORG'),
  ]);
});

test('tagsToSpans: IOB2 and BIOES, with ill-formed tags read leniently', () => {
  assert.deepEqual(tagsToSpans(['B-PER', 'I-PER', 'O', 'B-LOC', 'B-LOC', 'I-LOC'], 'iob2'), [span(0, 2, 'PER'), span(3, 4, 'LOC'), span(4, 6, 'LOC')]);
  assert.deepEqual(tagsToSpans(['B-PER', 'E-PER', 'S-LOC', 'B-ORG', 'I-ORG', 'E-ORG'], 'bioes'), [span(0, 2, 'PER'), span(2, 3, 'LOC'), span(3, 6, 'ORG')]);
  // "O I-X" starts an entity; "I-X" after another type starts a new one; a lone "E-X" is one token.
  assert.deepEqual(tagsToSpans(['O', 'I-PER', 'I-PER', 'I-LOC'], 'iob2'), [span(1, 3, 'PER'), span(3, 4, 'LOC')]);
  assert.deepEqual(tagsToSpans(['O', 'E-PER', 'B-LOC', 'E-PER'], 'bioes'), [span(1, 2, 'PER'), span(2, 3, 'LOC'), span(3, 4, 'PER')]);
  assert.deepEqual(tagsToSpans(['S-PER', 'I-PER'], 'bioes'), [span(0, 1, 'PER'), span(1, 2, 'PER')]);
  assert.throws(() => tagsToSpans(['O', 'X-PER'], 'iob2'), /X-PER/);
});

test('spansToTags: each scheme, hand-checked', () => {
  const spans = [span(0, 2, 'PER'), span(2, 3, 'PER'), span(4, 5, 'LOC'), span(5, 8, 'ORG')];
  assert.deepEqual(spansToTags(spans, 9, 'iob1'), ['I-PER', 'I-PER', 'B-PER', 'O', 'I-LOC', 'I-ORG', 'I-ORG', 'I-ORG', 'O']);
  assert.deepEqual(spansToTags(spans, 9, 'iob2'), ['B-PER', 'I-PER', 'B-PER', 'O', 'B-LOC', 'B-ORG', 'I-ORG', 'I-ORG', 'O']);
  assert.deepEqual(spansToTags(spans, 9, 'bioes'), ['B-PER', 'E-PER', 'S-PER', 'O', 'S-LOC', 'B-ORG', 'I-ORG', 'E-ORG', 'O']);
  assert.throws(() => spansToTags([span(0, 2, 'A'), span(1, 3, 'B')], 4, 'iob2'), /overlaps/);
  assert.throws(() => spansToTags([span(2, 5, 'A')], 4, 'iob2'), RangeError);
});

test('convertTags and detectScheme', () => {
  assert.deepEqual(convertTags(['I-PER', 'B-PER', 'O', 'I-LOC', 'I-LOC'], 'iob1', 'bioes'), ['S-PER', 'S-PER', 'O', 'B-LOC', 'E-LOC']);
  assert.deepEqual(convertTags(['B-PER', 'B-PER', 'I-PER'], 'iob2', 'iob1'), ['I-PER', 'B-PER', 'I-PER']);
  assert.equal(detectScheme([['I-PER', 'O', 'I-LOC', 'B-LOC'], ['O']]), 'iob1');
  assert.equal(detectScheme(['B-PER', 'I-PER', 'O', 'B-LOC']), 'iob2');
  assert.equal(detectScheme(['B-PER', 'E-PER']), 'bioes');
  assert.equal(detectScheme(['O', 'O']), 'iob2');
});

const SAMPLE: LabeledSentence[] = [
  { tokens: ['EU', 'rejects', 'German', 'call'], spans: [span(0, 1, 'ORG'), span(2, 3, 'MISC')] },
  { tokens: ['Peter', 'Blackburn', 'Paul', 'Smith', 'in', 'New', 'York'], spans: [span(0, 2, 'PER'), span(2, 4, 'PER'), span(5, 7, 'LOC')] },
  { tokens: ['nothing', 'here', '.'], spans: [] },
];

test('formatConll/parseConll: round trip for every scheme and column count, with -DOCSTART-', () => {
  for (const scheme of ['iob1', 'iob2', 'bioes'] as TagScheme[]) {
    for (const columns of [2, 4] as const) {
      const written = formatConll(SAMPLE, { scheme, columns, docStart: true });
      const read = parseConll(written, { scheme: 'auto' });
      assert.deepEqual(read.sentences, SAMPLE, `${scheme}/${columns}`);
      assert.equal(read.scheme, scheme);
      assert.equal(read.documents, 1);
      assert.equal(formatConll(read.sentences, { scheme, columns, docStart: true }), written);
      const firstDataLine = written.split('\n')[2];
      assert.equal(firstDataLine.split(columns === 2 ? '\t' : ' ').length, columns);
    }
  }
  assert.equal(formatConll(SAMPLE.slice(0, 1), { scheme: 'iob1', columns: 4 }), 'EU -X- -X- I-ORG\nrejects -X- -X- O\nGerman -X- -X- I-MISC\ncall -X- -X- O\n\n');
  assert.throws(() => formatConll([{ tokens: ['a b'], spans: [] }], { scheme: 'iob2', columns: 4 }), RangeError);
});

test('parseConll: CRLF, whitespace-only breaks, tabs, several documents', () => {
  const content = '-DOCSTART- -X- -X- O\r\n\r\nJapan NNP I-NP I-LOC\r\nwins VBZ I-VP O\r\n\t\r\n-DOCSTART- -X- -X- O\r\n\r\nNew\tB-LOC\r\nYork\tI-LOC\r\n   \r\nok O\r\n';
  const read = parseConll(content, { scheme: 'iob2' });
  assert.equal(read.documents, 2);
  assert.deepEqual(read.sentences, [
    { tokens: ['Japan', 'wins'], spans: [span(0, 1, 'LOC')] },
    { tokens: ['New', 'York'], spans: [span(0, 2, 'LOC')] },
    { tokens: ['ok'], spans: [] },
  ]);
});

test('parseConll: malformed input names the file and line', () => {
  const expectError = (content: string, line: number, pattern: RegExp): void => {
    assert.throws(
      () => parseConll(content, { fileName: 'bad.conll' }),
      (error: unknown) => error instanceof ConllFormatError && error.line === line && error.message.startsWith(`bad.conll:${line}:`) && pattern.test(error.message),
    );
  };
  expectError('EU B-ORG\nrejects O\nlonely\n', 3, /token and a tag/);
  expectError('EU B-ORG\n\nJohn X-PER\n', 3, /X-PER/);
  expectError('EU B-ORG\nJohn B-\n', 2, /B-/);
  expectError('Pink B-creative-work,B-person\n', 1, /alternatives/);
  expectError('', 1, /no sentences/);
  expectError('-DOCSTART- -X- -X- O\n\n', 3, /no sentences/);
});

test('readConllFile: a missing file gives a clear error', async () => {
  await assert.rejects(readConllFile('/nonexistent/dir/eng.testb'), /CoNLL file not found: \/nonexistent\/dir\/eng.testb/);
});

function mentionCounts(sentences: LabeledSentence[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const sentence of sentences) for (const entity of sentence.spans) counts[entity.label] = (counts[entity.label] ?? 0) + 1;
  return counts;
}

const testb = `${DATA}/conll2003/original/eng.testb`;
test('real data: CoNLL-2003 eng.testb (IOB1, 4 columns)', { skip: !existsSync(testb) && 'shared data missing' }, async () => {
  const read = await readConllFile(testb);
  assert.equal(read.scheme, 'iob1');
  assert.equal(read.documents, 231);
  assert.equal(read.sentences.length, 3453);
  assert.equal(read.sentences.reduce((sum, sentence) => sum + sentence.tokens.length, 0), 46435);
  assert.deepEqual(mentionCounts(read.sentences), { PER: 1617, LOC: 1668, ORG: 1661, MISC: 702 });
  // Writing it back as IOB1 and reading again keeps every sentence.
  const again = parseConll(formatConll(read.sentences, { scheme: 'iob1', columns: 4, docStart: true }));
  assert.deepEqual(again.sentences, read.sentences);
});

const wnutTrain = `${DATA}/wnut17/wnut17train.conll`;
test('real data: WNUT-17 train (IOB2, TAB, TAB-only sentence breaks)', { skip: !existsSync(wnutTrain) && 'shared data missing' }, async () => {
  const read = await readConllFile(wnutTrain);
  assert.equal(read.scheme, 'iob2');
  assert.equal(read.sentences.length, 3394);
  const counts = mentionCounts(read.sentences);
  assert.equal(Object.values(counts).reduce((sum, count) => sum + count, 0), 1975);
  assert.deepEqual(counts, { person: 660, location: 548, group: 264, corporation: 221, product: 142, 'creative-work': 140 });
});

test('span JSONL: round trip, with and without scores', () => {
  const examples = [
    { text: 'Peter lives in New York.', spans: [{ start: 0, end: 5, label: 'PER' }, { start: 15, end: 23, label: 'LOC', score: 0.75 }] },
    { text: 'caf\u00e9 \u{1F602} "quoted"', spans: [] },
  ];
  const written = formatSpanJsonl(examples);
  assert.equal(written.split('\n').length, 3);
  assert.deepEqual(parseSpanJsonl(written), examples);
  assert.deepEqual(parseSpanJsonl('\r\n' + written.replace(/\n/g, '\r\n') + '\n\n'), examples);
});

test('span JSONL: validation errors name the line', () => {
  const expectError = (content: string, line: number, pattern: RegExp): void => {
    assert.throws(
      () => parseSpanJsonl(content, 'x.jsonl'),
      (error: unknown) => error instanceof SpanJsonlError && error.line === line && error.message.startsWith(`x.jsonl:${line}:`) && pattern.test(error.message),
    );
  };
  const good = '{"text":"abc","spans":[]}';
  expectError(`${good}\n{"text":"abc","spans":[{"start":0,"end":4,"label":"A"}]}`, 2, /outside the text/);
  expectError(`${good}\n\n{"text":"abc","spans":[{"start":2,"end":2,"label":"A"}]}`, 3, /not before/);
  expectError('{"text":"abc","spans":[{"start":0.5,"end":2,"label":"A"}]}', 1, /integers/);
  expectError('{"text":"abc","spans":[{"start":0,"end":2,"label":""}]}', 1, /label/);
  expectError('{"text":"abc","spans":[{"start":0,"end":2}]}', 1, /label/);
  expectError('{"text":"abc"}', 1, /spans/);
  expectError('{"text":3,"spans":[]}', 1, /text/);
  expectError('{"text":"abc", spans: []}', 1, /invalid JSON/);
  expectError('[1,2]', 1, /object/);
});

test('sentenceToText joins tokens with spaces and maps spans to characters', () => {
  const example = sentenceToText(SAMPLE[1]);
  assert.equal(example.text, 'Peter Blackburn Paul Smith in New York');
  assert.deepEqual(example.spans, [
    { start: 0, end: 15, label: 'PER' },
    { start: 16, end: 26, label: 'PER' },
    { start: 30, end: 38, label: 'LOC' },
  ]);
  assert.deepEqual(example.spans.map((entity) => example.text.slice(entity.start, entity.end)), ['Peter Blackburn', 'Paul Smith', 'New York']);
  // And back again: the same tokens and spans, with nothing to report.
  const back = textToSentence(example, tokenize(example.text));
  assert.deepEqual(back.sentence, SAMPLE[1]);
  assert.deepEqual(back.issues, []);
});

test('textToSentence snaps spans that end inside a token and reports them', () => {
  const text = 'Visit New Yorkers and   Paris.';
  const tokens = tokenize(text);
  const result = textToSentence(
    {
      text,
      spans: [
        { start: 6, end: 12, label: 'LOC' }, // "New Yo" -> "New Yorkers"
        { start: 24, end: 29, label: 'LOC' }, // exact "Paris"
        { start: 21, end: 23, label: 'X' }, // whitespace only
      ],
    },
    tokens,
  );
  assert.deepEqual(result.sentence.tokens, ['Visit', 'New', 'Yorkers', 'and', 'Paris', '.']);
  assert.deepEqual(result.sentence.spans, [span(1, 3, 'LOC'), span(4, 5, 'LOC')]);
  assert.deepEqual(
    result.issues.map((issue) => [issue.kind, issue.span.label, issue.tokenSpan]),
    [
      ['snapped', 'LOC', span(1, 3, 'LOC')],
      ['dropped', 'X', undefined],
    ],
  );
});
