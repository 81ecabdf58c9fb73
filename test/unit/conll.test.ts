import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConllFormatError, conllTokenProblem, formatConll, parseConll, readConllFile } from '../../src/core/data/conll';
import { TextEncodingError } from '../../src/core/data/utf8Text';
import { convertTags, detectScheme, spansToTags, tagsToSpans, type TagScheme } from '../../src/core/data/tagSchemes';
import { SpanJsonlError, formatSpanJsonl, parseSpanJsonl, sentenceToText, textToSentence } from '../../src/core/data/spanJsonl';
import { tokenize } from '../../src/core/text/tokenize';
import type { LabeledSentence, TokenSpan } from '../../src/core/types';
import { dataPath } from './dataPath';

const span = (start: number, end: number, label: string): TokenSpan => ({ start, end, label });

/** Sentences per CrossNER file (../shared/data/README.md). */
const CROSSNER_SENTENCES: Record<string, Record<'train' | 'dev' | 'test', number>> = {
  ai: { train: 100, dev: 350, test: 431 },
  literature: { train: 100, dev: 400, test: 416 },
  music: { train: 100, dev: 380, test: 465 },
  politics: { train: 200, dev: 541, test: 651 },
  science: { train: 200, dev: 450, test: 543 },
  conll2003: { train: 14041, dev: 3250, test: 3453 },
};

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
  const content = '-DOCSTART- -X- -X- O\r\n\r\nJapan NNP I-NP I-LOC\r\nwins VBZ I-VP O\r\n\t\r\n-DOCSTART-\tO\r\n\r\nNew\tNNP\tI-NP\tB-LOC\r\nYork\tNNP\tI-NP\tI-LOC\r\n   \r\nok -X- -X- O\r\n';
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
  expectError('EU B-ORG\n\nJohn X-PER\n', 3, /bad\.conll:3:6: invalid NER tag/);
  expectError('EU B-ORG\nJohn B-\n', 2, /invalid NER tag/);
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

test('real data: CoNLL-2003 eng.testb (IOB1, 4 columns)', async () => {
  const read = await readConllFile(dataPath('conll2003/original/eng.testb'));
  assert.equal(read.scheme, 'iob1');
  assert.equal(read.documents, 231);
  assert.equal(read.sentences.length, 3453);
  assert.equal(read.sentences.reduce((sum, sentence) => sum + sentence.tokens.length, 0), 46435);
  assert.deepEqual(mentionCounts(read.sentences), { PER: 1617, LOC: 1668, ORG: 1661, MISC: 702 });
  // Writing it back as IOB1 and reading again keeps every sentence.
  const again = parseConll(formatConll(read.sentences, { scheme: 'iob1', columns: 4, docStart: true }));
  assert.deepEqual(again.sentences, read.sentences);
});

test('real data: WNUT-17 train (IOB2, TAB, TAB-only sentence breaks)', async () => {
  const read = await readConllFile(dataPath('wnut17/wnut17train.conll'));
  assert.equal(read.scheme, 'iob2');
  assert.equal(read.sentences.length, 3394);
  const counts = mentionCounts(read.sentences);
  assert.equal(Object.values(counts).reduce((sum, count) => sum + count, 0), 1975);
  assert.deepEqual(counts, { person: 660, location: 548, group: 264, corporation: 221, product: 142, 'creative-work': 140 });
});

/** Every gold file of the shared data, with its sentence count from ../shared/data/README.md. */
const REAL_FILES: Array<[string, number]> = [
  ['conll2003/original/eng.train', 14041],
  ['conll2003/original/eng.testa', 3250],
  ['conll2003/conllpp/conllpp_train.txt', 14041],
  ['conll2003/conllpp/conllpp_dev.txt', 3250],
  ['conll2003/conllpp/conllpp_test.txt', 3453],
  ['wnut17/emerging.dev.conll', 1009],
  ['wnut17/emerging.test.annotated', 1287],
  ...['ai', 'literature', 'music', 'politics', 'science', 'conll2003'].flatMap((domain) =>
    (['train', 'dev', 'test'] as const).map((split): [string, number] => [`crossner/${domain}/${split}.txt`, CROSSNER_SENTENCES[domain][split]]),
  ),
];

test('real data: every CoNLL-2003, WNUT-17 and CrossNER gold file parses under the strict reader', async () => {
  for (const [file, sentences] of REAL_FILES) {
    const read = await readConllFile(dataPath(file));
    assert.equal(read.sentences.length, sentences, file);
  }
  // The test file with comma-separated alternative tags is not a gold file, and says so.
  await assert.rejects(readConllFile(dataPath('wnut17/emerging.test.conll')), /alternatives/);
});

test('parseConll: a stray TAB in a 4-column line is whitespace like the spaces, not a token "wins VBZ" of type "VP O"', () => {
  const good = 'Japan NNP I-NP I-LOC\nwins VBZ I-VP O\n\nin IN I-PP O\nAsia NNP I-NP I-LOC\n';
  const expected = [
    { tokens: ['Japan', 'wins'], spans: [span(0, 1, 'LOC')] },
    { tokens: ['in', 'Asia'], spans: [span(1, 2, 'LOC')] },
  ];
  assert.deepEqual(parseConll(good).sentences, expected);
  // Before: a TAB anywhere made that line TAB-separated, so it read the token "wins VBZ" tagged "I-VP O".
  assert.deepEqual(parseConll(good.replace('wins VBZ I-VP', 'wins VBZ\tI-VP')).sentences, expected);
  assert.deepEqual(parseConll(good.replace('in IN', 'in\tIN')).sentences, expected);
  // In a TAB-separated file a space inside a token separates too: the line has a column too many.
  assert.throws(() => parseConll('New\tB-LOC\nYork City\tI-LOC\n', { fileName: 'f' }), /f:2:11: 3 columns where the file has 2 \(line 1\)/);
});

test('parseConll: extra or missing columns are errors, not ignored; one whitespace rule for every line', () => {
  assert.throws(() => parseConll('EU NNP I-NP B-ORG\nrejects VBZ I-VP O extra\n'), (e: unknown) => e instanceof ConllFormatError && e.line === 2 && e.column === 20);
  assert.throws(() => parseConll('EU NNP I-NP B-ORG\nrejects O\n'), (e: unknown) => e instanceof ConllFormatError && e.line === 2 && /2 columns where the file has 4/.test(e.message));
  // Spaces and TABs mix freely as separators, consistently within the file.
  assert.deepEqual(parseConll('EU \t NNP\tI-NP  B-ORG\n').sentences, [{ tokens: ['EU'], spans: [span(0, 1, 'ORG')] }]);
});

test('parseConll: tags follow the scheme grammar and types use the allowed characters', () => {
  const line = (tag: string) => `Paris\t${tag}\n`;
  for (const bad of ['B-', 'b-LOC', 'B_LOC', 'BLOC', 'B-LO C', 'B-LOC!', 'B-<b>', 'O-LOC', 'B-\u202Eevil']) {
    assert.throws(() => parseConll(line(bad), { fileName: 'x' }), (e: unknown) => e instanceof ConllFormatError && e.line === 1, bad);
  }
  for (const good of ['B-LOC', 'I-creative-work', 'S-gene_name', 'E-v1.2', 'B-Ort', 'B-\u5730\u540D', 'O']) {
    assert.doesNotThrow(() => parseConll(line(good), { scheme: good.startsWith('E') || good.startsWith('S') ? 'bioes' : 'auto' }), good);
  }
  // E-/S- are BIOES tags: read as IOB1 or IOB2 they are an error, not a silently different decoding.
  assert.throws(() => parseConll('Paris\tS-LOC\n', { scheme: 'iob2', fileName: 'x' }), /x:1:7: an S- tag is not part of the IOB2 scheme/);
  assert.equal(parseConll('Paris\tS-LOC\n').scheme, 'bioes');
});

test('reader and writer agree on tokens: what the writer refuses, the reader refuses with a clear message', () => {
  const refused = ['', '-DOCSTART-', 'a b', 'a\tb', 'a\nb', 'a\u00a0b', 'a\u2028b', '\u0000', 'a\u0007', 'a\u0085', 'x\uD800', '\uDC00y', ' a'];
  for (const token of refused) {
    assert.ok(conllTokenProblem(token), JSON.stringify(token));
    for (const columns of [2, 4] as const) assert.throws(() => formatConll([{ tokens: [token], spans: [] }], { scheme: 'iob2', columns }), RangeError, JSON.stringify(token));
  }
  // The ones that survive a line split reach the reader's token check and are refused there too.
  for (const token of ['\u0000', 'a\u0007', 'a\u0085', 'x\uD800', '\uDC00y']) {
    assert.throws(
      () => parseConll(`ok\tO\n${token}\tO\n`, { fileName: 'x' }),
      (e: unknown) => e instanceof ConllFormatError && e.line === 2 && /token may not contain/.test(e.message) && !e.message.includes(token),
      JSON.stringify(token),
    );
  }
  const accepted = ['caf\u00e9', 'e\u0301', '\u{1F468}\u200D\u{1F469}', '\u200B', '\uFE0F', 'https://t.co/x', '\u6771\u4eac'];
  const sentences = [{ tokens: accepted, spans: [span(0, 2, 'A.b-c_1')] }];
  for (const columns of [2, 4] as const) assert.deepEqual(parseConll(formatConll(sentences, { scheme: 'iob2', columns })).sentences, sentences);
  // Types the reader refuses cannot be written either.
  assert.throws(() => formatConll([{ tokens: ['a'], spans: [span(0, 1, 'VP O')] }], { scheme: 'iob2', columns: 2 }), RangeError);
  assert.throws(() => formatConll([{ tokens: ['a'], spans: [span(0, 1, 'A,B')] }], { scheme: 'iob2', columns: 2 }), RangeError);
});

test('readConllFile: a binary or non-UTF-8 file is refused with its byte offset, never decoded to U+FFFD', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'baner-conll-'));
  const latin1 = join(dir, 'latin1.conll');
  writeFileSync(latin1, Buffer.concat([Buffer.from('ok\tO\nZ'), Buffer.from([0xfc]), Buffer.from('rich\tB-LOC\n')]));
  await assert.rejects(readConllFile(latin1), (e: unknown) => e instanceof TextEncodingError && e.byteOffset === 6 && /not UTF-8.*byte offset 6, line 2/.test(e.message));
  const binary = join(dir, 'binary.conll');
  writeFileSync(binary, Buffer.from('ok\tO\n\u0000\u0001\tO\n'));
  await assert.rejects(readConllFile(binary), (e: unknown) => e instanceof TextEncodingError && e.byteOffset === 5 && /binary/.test(e.message));
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
  expectError('{"text":"abc", spans: []}', 1, /invalid JSON at column 16$/);
  // The parser's own message would quote the line; the error gives a position instead.
  for (const line of ['{"text":"s3cret-token", spans: []}', 's3cret-token', '{"text":"s3cret-token"} s3cret']) {
    assert.throws(() => parseSpanJsonl(line, 'x.jsonl'), (e: unknown) => e instanceof SpanJsonlError && /invalid JSON/.test(e.message) && !e.message.includes('s3cret'), line);
  }
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
