// Import/export formats (src/core/formats): a support set written in each format and read back is the same support
// set, on real sentences (CrossNER politics, WNUT-17 with its emoji) and on Unicode-heavy text; CoNLL, which keeps
// no whitespace, gives back the same tokens and entities and is a fixed point after one trip; IOB2 and BIOES files
// say the same thing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readConllFile } from '../../src/core/data/conll';
import { sentenceToText } from '../../src/core/data/spanJsonl';
import { convertTags } from '../../src/core/data/tagSchemes';
import { alignTokens } from '../../src/core/formats/alignedTokens';
import { readTexts, writeTexts, type FormatName } from '../../src/core/formats/formatRegistry';
import { mergeIntoSupport, supportToTexts } from '../../src/core/formats/supportTransfer';
import { type SupportExample } from '../../src/core/support/supportFile';
import { dataPath } from './dataPath';

/** Sentences whose spans sit on token edges or inside tokens (as the editor allows), with odd but valid whitespace. */
const UNICODE: SupportExample[] = [
  example('Hi 😀 Paris ok. Zürich 東京 x.', [['Paris', 'LOC'], ['Zürich', 'LOC'], ['東京', 'LOC']], { path: 'notes/emoji.md', offset: 7 }),
  example('Café naïve in Montréal 🇨🇦 and São Paulo.', [['Montréal', 'LOC'], ['🇨🇦', 'FLAG'], ['São Paulo', 'LOC']], { path: 'notes/accents.md', offset: 0, folder: 'other root' }),
  example('北京大学と東京大学は有名です。彼は𠮷野家で食べた。', [['北京大学', 'ORG'], ['東京大学', 'ORG'], ['𠮷野家', 'ORG']]),
  example('e\u0301cole 🤷🏽‍♀️ met 𝒜lice\u00a0Smith\u2003there.\r\nNext\tline  👩‍👩‍👧 family', [['𝒜lice\u00a0Smith', 'PER'], ['👩‍👩‍👧', 'X'], ['mil', 'PART']], undefined, ['e\u0301cole']),
  example('  Leading and trailing whitespace, U.S.-based firms ', [['U.S.', 'GPE'], ['Leading', 'MISC']]),
];

/** An example whose spans are given by their text (the first occurrence of each), so that offsets cannot be miscounted. */
function example(text: string, spans: Array<[string, string]>, source?: SupportExample['source'], rejected: string[] = []): SupportExample {
  const at = (part: string) => {
    const start = text.indexOf(part);
    assert.ok(start >= 0, part);
    return { start, end: start + part.length };
  };
  const result: SupportExample = { text, spans: spans.map(([part, label]) => ({ ...at(part), label })), rejected: rejected.map(at), suggested: [] };
  if (source) result.source = source;
  return result;
}

/** A few hundred labelled sentences of the shared data as a support set, each with a source; some with rejected spans. */
async function realSupport(): Promise<SupportExample[]> {
  const examples: SupportExample[] = [];
  for (const [file, count] of [['crossner/politics/dev.txt', 200], ['wnut17/emerging.dev.conll', 200]] as const) {
    const sentences = (await readConllFile(dataPath(file), { scheme: 'iob2' })).sentences.slice(0, count);
    const seen = new Set<string>();
    sentences.forEach((sentence, index) => {
      const { text, spans } = sentenceToText(sentence);
      if (seen.has(text)) return; // a support set holds a sentence of a file once
      seen.add(text);
      // Reject the first word that is no entity in every third sentence (only BANER's format keeps it).
      const word = /\p{L}+/u.exec(text);
      const free = word && !spans.some((s) => s.start < word.index + word[0].length && word.index < s.end);
      const rejected = index % 3 === 0 && free ? [{ start: word.index, end: word.index + word[0].length }] : [];
      examples.push({ text, spans, rejected, suggested: [], source: { path: file, offset: index * 100 } });
    });
  }
  return examples;
}

/** Support set -> format -> support set, as import-support would build it into an empty one. */
function roundTrip(examples: readonly SupportExample[], format: FormatName): SupportExample[] {
  const written = writeTexts(format, supportToTexts(examples));
  const read = readTexts(format, written.content, `support.${format}`);
  return mergeIntoSupport([], read.texts).examples;
}

/** What a format can carry of an example: spans in text order always, rejected spans only in BANER's own. */
function carried(examples: readonly SupportExample[], format: FormatName): SupportExample[] {
  return examples.map((e) => {
    const kept: SupportExample = { text: e.text, spans: [...e.spans].sort((a, b) => a.start - b.start), rejected: format === 'baner' ? e.rejected : [], suggested: [] };
    if (e.source) kept.source = e.source;
    return kept;
  });
}

for (const format of ['baner', 'doccano', 'prodigy', 'spacy'] as const) {
  test(`${format}: support -> ${format} -> support keeps texts, spans and sources exactly, on real data and Unicode`, async () => {
    const examples = [...(await realSupport()), ...UNICODE];
    assert.ok(examples.length >= 400);
    assert.ok(examples.some((e) => /\p{Extended_Pictographic}/u.test(e.text)), 'WNUT-17 dev brings emoji');
    const back = roundTrip(examples, format);
    const expected = carried(examples, format);
    assert.equal(back.length, expected.length);
    back.forEach((b, i) => assert.deepEqual(b, expected[i], `example ${i}`));
  });
}

test('doccano, Prodigy and spaCy count offsets in code points (as Python does) unless told UTF-16', () => {
  const [emoji] = UNICODE;
  const line = (format: FormatName, offsets?: 'utf16') => JSON.parse(writeTexts(format, supportToTexts([emoji]), { offsets }).content);
  assert.equal(emoji.text.slice(16, 22), 'Zürich');
  assert.deepEqual(line('doccano').label[1], [15, 21, 'LOC'], 'one code point fewer after 😀');
  assert.deepEqual(line('doccano', 'utf16').label[1], [16, 22, 'LOC']);
  assert.deepEqual(line('spacy').ents[1], { start: 15, end: 21, label: 'LOC' });
  const prodigy = line('prodigy');
  assert.deepEqual(prodigy.spans[1], { start: 15, end: 21, token_start: 5, token_end: 5, label: 'LOC' });
  assert.deepEqual(prodigy.tokens[1], { text: '😀', start: 3, end: 4, id: 1, ws: true });
  // The same file read as UTF-16 puts the spans one unit early: not the same texts.
  const written = writeTexts('doccano', supportToTexts([emoji])).content;
  assert.notDeepEqual(readTexts('doccano', written, 'x', { offsets: 'utf16' }).texts[0].spans, readTexts('doccano', written, 'x').texts[0].spans);
});

for (const format of ['conll-iob2', 'conll-bioes'] as const) {
  test(`${format}: support -> CoNLL -> support keeps tokens and entities (whitespace becomes single spaces) and is then a fixed point`, async () => {
    const examples = [...(await realSupport()), ...UNICODE];
    const first = writeTexts(format, supportToTexts(examples));
    assert.ok(first.notes.some((n) => /rejected span\(s\) not written/.test(n)) && first.notes.some((n) => /sources of \d+ text\(s\) not written/.test(n)), first.notes.join('\n'));
    const back = roundTrip(examples, format);
    assert.equal(back.length, examples.length, 'no sentence lost, none merged into another');
    back.forEach((b, i) => {
      const original = examples[i];
      assert.equal(b.text, alignTokens(original.text, original.spans).words.map((w) => w.text).join(' '), `text ${i}`);
      assert.equal(b.source, undefined);
      const entities = (e: SupportExample) => [...e.spans].sort((x, y) => x.start - y.start).map((s) => [e.text.slice(s.start, s.end).replace(/\s+/g, ''), s.label]);
      assert.deepEqual(entities(b), entities(original), `entities of text ${i}`);
    });
    // Read back and written again: the same file, byte for byte.
    assert.equal(writeTexts(format, supportToTexts(back)).content, first.content);
  });
}

test('IOB2 and BIOES files of the same texts have the same tokens, tags that convert into each other, and read back equal', async () => {
  const texts = supportToTexts([...(await realSupport()).slice(0, 200), ...UNICODE]);
  const iob2 = writeTexts('conll-iob2', texts).content;
  const bioes = writeTexts('conll-bioes', texts).content;
  const columns = (content: string) => content.split('\n').map((line) => line.split('\t'));
  const [a, b] = [columns(iob2), columns(bioes)];
  assert.equal(a.length, b.length);
  assert.deepEqual(a.map((c) => c[0]), b.map((c) => c[0]), 'the same tokens, line by line');
  assert.ok(bioes.includes('\tS-') && bioes.includes('\tE-') && !iob2.includes('\tS-'));
  // Sentence by sentence, IOB2 tags converted to BIOES are the BIOES file's tags.
  const sentences = (rows: string[][]) => rows.reduce<string[][]>((all, row) => (row[0] === '' ? [...all, []] : (all[all.length - 1].push(row[1]), all)), [[]]);
  const [tagsA, tagsB] = [sentences(a), sentences(b)];
  tagsA.forEach((tags, i) => assert.deepEqual(convertTags(tags, 'iob2', 'bioes'), tagsB[i]));
  assert.deepEqual(readTexts('conll-bioes', bioes, 'b').texts, readTexts('conll-iob2', iob2, 'a').texts);
  assert.deepEqual(readTexts('conll', bioes, 'b').texts, readTexts('conll', iob2, 'a').texts, 'the scheme guessed from each file');
});

test('spaCy tokens: whitespace other than one space after a word is a token, as spaCy rebuilds a Doc (checked against spaCy 3.7.5)', () => {
  const text = '  Lead  space\tand\n\nnew 😀 x\x1c y \u200b z ';
  const doc = JSON.parse(writeTexts('spacy', [{ text, spans: [{ start: 4, end: 6, label: 'PART' }] }], { offsets: 'utf16' }).content);
  const tokens = doc.tokens.map((t: { start: number; end: number }) => text.slice(t.start, t.end));
  // spacy.util.get_words_and_spaces(these words, text) gives back exactly these words (what Doc.from_json relies on).
  assert.deepEqual(tokens, ['  ', 'Le', 'ad', ' ', 'space', '\t', 'and', '\n\n', 'new', '😀', 'x', '\x1c ', 'y', '\u200b ', 'z']);
  assert.deepEqual(doc.ents, [{ start: 4, end: 6, label: 'PART' }], 'the entity is whole tokens: "Lead" cut in two');
  const prodigy = JSON.parse(writeTexts('prodigy', [{ text, spans: [] }], { offsets: 'utf16' }).content);
  assert.deepEqual(
    prodigy.tokens.filter((t: { ws: boolean }) => t.ws).map((t: { text: string }) => t.text),
    ['Lead', 'new', '😀', 'y', 'z'],
    'followed by exactly one space',
  );
});
