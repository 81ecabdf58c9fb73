// The support set's pure logic: its file format, edits, the sentence around a selection, locating examples
// in an edited document, conversion to token spans; and, with the real CNN model, the nearest support
// mention and the leave-one-out score.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSupportFile, parseSupportFile, type SupportExample } from '../../src/core/support/supportFile';
import { conflictsWith, findExample, typeCounts, unconfirmedCount, withLabel, withRejected, withSentenceAccepted, withoutLabelAt } from '../../src/core/support/supportEdits';
import { sentenceAround } from '../../src/core/support/sentenceAround';
import { locateExamples, nearestOccurrence } from '../../src/core/support/locateExamples';
import { toSupportSet } from '../../src/core/support/toSupportSet';
import { SupportIndex } from '../../src/core/support/nearestSupport';
import { leaveOneOutScores, typeQuality } from '../../src/core/support/leaveOneOut';
import { NerEngine } from '../../src/core/engine';
import { cnnModelDir } from '../../src/core/model/modelDirectory';
import { SpanJsonlError } from '../../src/core/data/spanJsonl';

test('the support file round-trips labels, rejections and sources, and names a bad line', () => {
  const examples: SupportExample[] = [
    { text: 'Take aspirin daily .', spans: [{ start: 5, end: 12, label: 'DRUG' }], rejected: [{ start: 13, end: 18 }], suggested: [], source: { path: 'notes/a.md', offset: 40 } },
    { text: 'Ibuprofen helps .', spans: [{ start: 0, end: 9, label: 'DRUG' }], rejected: [], suggested: [] },
  ];
  const text = formatSupportFile(examples);
  assert.equal(text.split('\n').length, 3, 'one line per example');
  assert.deepEqual(parseSupportFile(text, 'support.jsonl'), examples);
  assert.throws(() => parseSupportFile(text + '{"text":"x","spans":[],"rejected":[{"start":0,"end":5}]}\n', 'support.jsonl'), (e: Error) => e instanceof SpanJsonlError && /support\.jsonl:3: rejected\[0\]/.test(e.message));
  assert.throws(() => parseSupportFile('{"text":"x","spans":[],"source":{"path":3}}', 's'), /source/);
});

test('labelling: a new sentence brings its other highlights as unconfirmed suggestions, never as labels', () => {
  const text = 'Dr Smith prescribed Lipitor in Boston .';
  const sentence = { text, source: { path: 'a.txt', offset: 100 }, highlights: [{ start: 3, end: 8, label: 'PER' }, { start: 20, end: 27, label: 'ORG' }, { start: 31, end: 37, label: 'LOC' }] };
  const drug = { start: 20, end: 27, label: 'DRUG' };
  assert.deepEqual(conflictsWith([], sentence, drug), [], 'retyping a highlighted entity asks nothing');
  assert.deepEqual(conflictsWith([], sentence, { start: 20, end: 30, label: 'DRUG' }), [], 'a suggestion is no label: overlapping it asks nothing');
  let examples = withLabel([], sentence, drug);
  assert.equal(examples.length, 1);
  assert.deepEqual(examples[0].spans, [drug], 'only the span the user labelled is confirmed');
  assert.deepEqual(examples[0].suggested.map((s) => s.label), ['PER', 'LOC'], 'the rest waits, unconfirmed; the retyped ORG is gone');
  assert.equal(unconfirmedCount(examples), 2);
  assert.deepEqual(typeCounts(examples), [{ label: 'DRUG', count: 1 }], 'suggestions are not counted as mentions');
  assert.deepEqual(conflictsWith(examples, sentence, drug), [], 'the same label again is no conflict');
  assert.deepEqual(conflictsWith(examples, sentence, { start: 20, end: 30, label: 'DRUG' }), [drug], 'a partial overlap of a confirmed label is asked about');
  assert.equal(findExample(examples, { text, source: { path: 'other.txt', offset: 0 } }), 0, 'the same text in another file falls back to it');
  // Accept "Smith" one by one: confirmed, no longer suggested.
  examples = withLabel(examples, sentence, { start: 3, end: 8, label: 'PER' });
  assert.deepEqual(examples[0].spans.map((s) => s.label), ['PER', 'DRUG']);
  assert.deepEqual(examples[0].suggested.map((s) => s.label), ['LOC']);
  // Reject "Boston": neither a label nor a suggestion, recorded as a negative.
  const rejected = withRejected(examples, sentence, { start: 31, end: 37 });
  assert.deepEqual(rejected[0].rejected, [{ start: 31, end: 37 }]);
  assert.deepEqual(rejected[0].suggested, []);
  // Accepting the whole sentence confirms what is left.
  const accepted = withSentenceAccepted(examples, sentence);
  assert.equal(accepted.confirmed, 1);
  assert.deepEqual(accepted.examples[0].spans.map((s) => s.label), ['PER', 'DRUG', 'LOC']);
  assert.deepEqual(accepted.examples[0].suggested, []);
  assert.equal(withSentenceAccepted(accepted.examples, sentence).confirmed, 0, 'nothing left to confirm');
  // A sentence new to the set, accepted at once: its highlights become labels.
  const fresh = withSentenceAccepted([], sentence);
  assert.equal(fresh.confirmed, 3);
  assert.deepEqual(fresh.examples[0].spans.map((s) => s.label), ['PER', 'ORG', 'LOC']);
  // Labelling a rejected span un-rejects it.
  const relabelled = withLabel(rejected, sentence, { start: 31, end: 37, label: 'CITY' });
  assert.deepEqual(relabelled[0].rejected, []);
  // Remove under a cursor: a label, or a suggestion; an example left with suggestions only is dropped.
  let removed = withoutLabelAt(examples, 0, 5, 5)!;
  assert.deepEqual(removed[0].spans.map((s) => s.label), ['DRUG']);
  assert.equal(withoutLabelAt(removed, 0, 0, 1), undefined, 'nothing at offset 0');
  removed = withoutLabelAt(removed, 0, 20, 27)!;
  assert.equal(removed.length, 0, 'the LOC suggestion alone does not keep the sentence');
  const dismissed = withoutLabelAt(examples, 0, 33, 33)!;
  assert.deepEqual(dismissed[0].suggested, [], 'a suggestion under the cursor is dismissed');
});

test('the support file keeps suggestions apart from labels and refuses a suggestion over a label or a rejection', () => {
  const example: SupportExample = { text: 'Dr Smith prescribed Lipitor .', spans: [{ start: 20, end: 27, label: 'DRUG' }], rejected: [], suggested: [{ start: 3, end: 8, label: 'PER' }], source: { path: 'a.txt', offset: 0 } };
  const text = formatSupportFile([example]);
  assert.match(text, /"suggested":\[\{"start":3,"end":8,"label":"PER"\}\]/);
  assert.deepEqual(parseSupportFile(text, 'support.jsonl'), [example]);
  assert.deepEqual(parseSupportFile('{"text":"Lipitor .","spans":[{"start":0,"end":7,"label":"DRUG"}]}', 's')[0].suggested, [], 'older files have no suggestions');
  assert.throws(() => parseSupportFile('{"text":"Lipitor .","spans":[{"start":0,"end":7,"label":"DRUG"}],"suggested":[{"start":0,"end":3,"label":"ORG"}]}', 's'), /s:1: suggested\[0\] overlaps spans\[0\]/);
  assert.throws(() => parseSupportFile('{"text":"Lipitor .","spans":[],"rejected":[{"start":0,"end":7}],"suggested":[{"start":0,"end":7,"label":"ORG"}]}', 's'), /suggested\[0\] overlaps rejected\[0\]/);
  assert.throws(() => parseSupportFile('{"text":"Lipitor .","spans":[],"suggested":[{"start":0,"end":7}]}', 's'), /suggested\[0\] must be/);
  assert.throws(() => parseSupportFile('{"text":"Lipitor .","spans":[],"suggested":[{"start":0,"end":7,"label":"O"}]}', 's'), /suggested\[0\]: the label "O"/);
});

test('the sentence around a selection: whole sentences, several when the selection crosses one, none in blank space', () => {
  const text = 'First one here. Dr. Jones met Acme Corp. in Paris today. Last one.\n\n\nNext paragraph.';
  const jones = text.indexOf('Jones');
  const s = sentenceAround(text, jones, jones + 5)!;
  assert.equal(text.slice(s.start, s.end), 'Dr. Jones met Acme Corp. in Paris today.');
  const crossing = sentenceAround(text, text.indexOf('here'), jones)!;
  assert.equal(text.slice(crossing.start, crossing.end), 'First one here. Dr. Jones met Acme Corp. in Paris today.');
  assert.equal(sentenceAround(text, text.indexOf('\n\n') + 1, text.indexOf('\n\n') + 2), undefined);
  const cursor = sentenceAround(text, text.indexOf('Next') + 2, text.indexOf('Next') + 2)!;
  assert.equal(text.slice(cursor.start, cursor.end), 'Next paragraph.');
  // Far into a long document it still looks only nearby, and answers fast.
  const long = 'Filler sentence number x. '.repeat(20_000) + text;
  const started = performance.now();
  const far = sentenceAround(long, long.indexOf('Jones'), long.indexOf('Jones') + 5)!;
  assert.equal(long.slice(far.start, far.end), 'Dr. Jones met Acme Corp. in Paris today.');
  assert.ok(performance.now() - started < 200);
});

test('examples are found again after the document was edited above them', () => {
  const examples: SupportExample[] = [
    { text: 'Aspirin helps .', spans: [{ start: 0, end: 7, label: 'DRUG' }], rejected: [], suggested: [], source: { path: 'a.md', offset: 0 } },
    { text: 'Aspirin helps .', spans: [{ start: 0, end: 7, label: 'DRUG' }], rejected: [], suggested: [], source: { path: 'a.md', offset: 40 } },
    { text: 'Elsewhere .', spans: [{ start: 0, end: 9, label: 'X' }], rejected: [], suggested: [], source: { path: 'b.md', offset: 0 } },
  ];
  const doc = 'New first line.\nAspirin helps . Filler text that is long. Aspirin helps .';
  assert.deepEqual(locateExamples(doc, examples, { path: 'a.md' }), [
    { index: 0, offset: 16 },
    { index: 1, offset: doc.lastIndexOf('Aspirin') },
  ]);
  assert.deepEqual(locateExamples(doc, examples, { path: 'b.md' }), [], 'gone from the document: not shown');
  assert.equal(nearestOccurrence('abcabc', 'abc', 4), 3);
});

test('support examples become token-level sentences with rejected spans; spans inside a token are widened and reported', () => {
  const { support, issues } = toSupportSet([
    { text: 'Take aspirin daily .', spans: [{ start: 5, end: 12, label: 'DRUG' }], rejected: [{ start: 13, end: 18 }], suggested: [] },
    { text: 'Ibuprofen-based gel .', spans: [{ start: 0, end: 5, label: 'DRUG' }], rejected: [], suggested: [] },
  ]);
  assert.deepEqual(support.sentences[0], { tokens: ['Take', 'aspirin', 'daily', '.'], spans: [{ start: 1, end: 2, label: 'DRUG' }] });
  assert.deepEqual(support.rejected![0], [{ start: 2, end: 3, label: 'O' }]);
  assert.equal(issues.length, 1);
  assert.equal(issues[0].example, 1);
  assert.equal(issues[0].issue.kind, 'snapped');
  assert.deepEqual(support.unconfirmed, [[], []]);
  // Unconfirmed suggestions travel apart: not labels, not rejections.
  const withSuggestion = toSupportSet([{ text: 'Dr Smith took aspirin .', spans: [{ start: 14, end: 21, label: 'DRUG' }], rejected: [], suggested: [{ start: 3, end: 8, label: 'PER' }] }]).support;
  assert.deepEqual(withSuggestion.sentences[0].spans, [{ start: 3, end: 4, label: 'DRUG' }]);
  assert.deepEqual(withSuggestion.unconfirmed, [[{ start: 1, end: 2, label: 'PER' }]]);
  assert.deepEqual(withSuggestion.rejected, [[]]);
});

test('with the real model: the nearest support mention of a type, and a leave-one-out score that can fail', async () => {
  const engine = await NerEngine.load(cnnModelDir(), { threads: 1 });
  const examples: SupportExample[] = [
    { text: 'Angela Merkel spoke in Berlin .', spans: [{ start: 0, end: 13, label: 'PER' }, { start: 23, end: 29, label: 'LOC' }], rejected: [], suggested: [] },
    { text: 'Emmanuel Macron visited Madrid .', spans: [{ start: 0, end: 15, label: 'PER' }, { start: 24, end: 30, label: 'LOC' }], rejected: [], suggested: [] },
    { text: 'Officials in Rome met Barack Obama .', spans: [{ start: 13, end: 17, label: 'LOC' }, { start: 22, end: 34, label: 'PER' }], rejected: [], suggested: [] },
  ];
  const index = await SupportIndex.build(engine, examples);
  assert.equal(index.size, 6);
  const nearest = await index.nearest(engine, 'Reporters in Lisbon waited .', { start: 13, end: 19 }, 'LOC');
  assert.ok(nearest, 'a LOC mention is found');
  assert.equal(nearest.span.label, 'LOC');
  assert.ok(nearest.similarity > 0 && nearest.similarity <= 1.0001);
  assert.equal(await index.nearest(engine, 'Reporters in Lisbon waited .', { start: 13, end: 19 }, 'DRUG'), undefined);

  const { support } = toSupportSet(examples);
  assert.equal(await leaveOneOutScores(engine, toSupportSet(examples.slice(0, 1)).support), undefined, 'one sentence: nothing to leave out');
  const good = (await leaveOneOutScores(engine, support))!;
  assert.ok(good.micro.f1 > 0.6, `consistent labels score well: ${good.micro.f1}`);
  // Swapped labels in one sentence contradict the others: the score drops.
  const swapped = toSupportSet([examples[0], examples[1], { ...examples[2], spans: [{ start: 13, end: 17, label: 'PER' }, { start: 22, end: 34, label: 'LOC' }] }]).support;
  const bad = (await leaveOneOutScores(engine, swapped))!;
  assert.ok(bad.micro.f1 < good.micro.f1, `${bad.micro.f1} < ${good.micro.f1}`);
  // Per type, as the panel shows it: a type in one sentence only has no held-out F1.
  const withCity = toSupportSet([...examples, { text: 'Flights to Oslo resumed .', spans: [{ start: 11, end: 15, label: 'CITY' }], rejected: [], suggested: [] }]).support;
  const quality = await typeQuality(engine, withCity);
  assert.deepEqual(Object.keys(quality).sort(), ['CITY', 'LOC', 'PER']);
  assert.equal(quality.CITY.mentions, 1);
  assert.equal(quality.CITY.f1, undefined, 'one sentence of CITY: not measurable');
  assert.equal(quality.PER.mentions, 3);
  assert.ok(quality.PER.f1! > 0.6, `PER held-out F1 ${quality.PER.f1}`);
  const swappedQuality = await typeQuality(engine, swapped);
  assert.ok(swappedQuality.PER.f1! < quality.PER.f1!, 'contradicting labels lower the type\'s held-out F1');
  await engine.dispose();
});
