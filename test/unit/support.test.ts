// The support set's pure logic: its file format, edits, the sentence around a selection, locating examples
// in an edited document, conversion to token spans; and, with the real CNN model, the nearest support
// mention and the leave-one-out score.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSupportFile, parseSupportFile, type SupportExample } from '../../src/core/support/supportFile';
import { conflictsWith, findExample, typeCounts, withLabel, withRejected, withoutLabelAt } from '../../src/core/support/supportEdits';
import { sentenceAround } from '../../src/core/support/sentenceAround';
import { locateExamples, nearestOccurrence } from '../../src/core/support/locateExamples';
import { toSupportSet } from '../../src/core/support/toSupportSet';
import { SupportIndex } from '../../src/core/support/nearestSupport';
import { leaveOneOutScores } from '../../src/core/support/leaveOneOut';
import { NerEngine } from '../../src/core/engine';
import { cnnModelDir } from '../../src/core/model/modelDirectory';
import { SpanJsonlError } from '../../src/core/data/spanJsonl';

test('the support file round-trips labels, rejections and sources, and names a bad line', () => {
  const examples: SupportExample[] = [
    { text: 'Take aspirin daily .', spans: [{ start: 5, end: 12, label: 'DRUG' }], rejected: [{ start: 13, end: 18 }], source: { path: 'notes/a.md', offset: 40 } },
    { text: 'Ibuprofen helps .', spans: [{ start: 0, end: 9, label: 'DRUG' }], rejected: [] },
  ];
  const text = formatSupportFile(examples);
  assert.equal(text.split('\n').length, 3, 'one line per example');
  assert.deepEqual(parseSupportFile(text, 'support.jsonl'), examples);
  assert.throws(() => parseSupportFile(text + '{"text":"x","spans":[],"rejected":[{"start":0,"end":5}]}\n', 'support.jsonl'), (e: Error) => e instanceof SpanJsonlError && /support\.jsonl:3: rejected\[0\]/.test(e.message));
  assert.throws(() => parseSupportFile('{"text":"x","spans":[],"source":{"path":3}}', 's'), /source/);
});

test('labelling: a new sentence brings its highlights, overlaps are reported and replaced, rejections and removals', () => {
  const text = 'Dr Smith prescribed Lipitor in Boston .';
  const sentence = { text, source: { path: 'a.txt', offset: 100 }, highlights: [{ start: 3, end: 8, label: 'PER' }, { start: 20, end: 27, label: 'ORG' }, { start: 31, end: 37, label: 'LOC' }] };
  const drug = { start: 20, end: 27, label: 'DRUG' };
  assert.deepEqual(conflictsWith([], sentence, drug), [], 'retyping a highlighted entity asks nothing');
  assert.deepEqual(conflictsWith([], sentence, { start: 20, end: 30, label: 'DRUG' }), [{ start: 20, end: 27, label: 'ORG' }], 'a partial overlap is asked about');
  let examples = withLabel([], sentence, drug);
  assert.equal(examples.length, 1);
  assert.deepEqual(examples[0].spans.map((s) => s.label), ['PER', 'DRUG', 'LOC']);
  assert.deepEqual(conflictsWith(examples, sentence, drug), [], 'the same label again is no conflict');
  assert.equal(findExample(examples, { text, source: { path: 'other.txt', offset: 0 } }), 0, 'the same text in another file falls back to it');
  // Reject "Boston": no longer a label, recorded as a negative.
  examples = withRejected(examples, sentence, { start: 31, end: 37 });
  assert.deepEqual(examples[0].rejected, [{ start: 31, end: 37 }]);
  assert.ok(!examples[0].spans.some((s) => s.label === 'LOC'));
  // Labelling a rejected span un-rejects it.
  const relabelled = withLabel(examples, sentence, { start: 31, end: 37, label: 'CITY' });
  assert.deepEqual(relabelled[0].rejected, []);
  // Remove the label under a cursor; removing everything drops the example.
  let removed = withoutLabelAt(examples, 0, 5, 5)!;
  assert.deepEqual(removed[0].spans.map((s) => s.label), ['DRUG']);
  assert.equal(withoutLabelAt(removed, 0, 0, 1), undefined, 'nothing at offset 0');
  removed = withoutLabelAt(removed, 0, 20, 37)!;
  assert.equal(removed.length, 0);
  assert.deepEqual(typeCounts(withLabel(examples, { text: 'Take Advil .' }, { start: 5, end: 10, label: 'DRUG' })), [
    { label: 'DRUG', count: 2 },
    { label: 'PER', count: 1 },
  ]);
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
    { text: 'Aspirin helps .', spans: [{ start: 0, end: 7, label: 'DRUG' }], rejected: [], source: { path: 'a.md', offset: 0 } },
    { text: 'Aspirin helps .', spans: [{ start: 0, end: 7, label: 'DRUG' }], rejected: [], source: { path: 'a.md', offset: 40 } },
    { text: 'Elsewhere .', spans: [{ start: 0, end: 9, label: 'X' }], rejected: [], source: { path: 'b.md', offset: 0 } },
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
    { text: 'Take aspirin daily .', spans: [{ start: 5, end: 12, label: 'DRUG' }], rejected: [{ start: 13, end: 18 }] },
    { text: 'Ibuprofen-based gel .', spans: [{ start: 0, end: 5, label: 'DRUG' }], rejected: [] },
  ]);
  assert.deepEqual(support.sentences[0], { tokens: ['Take', 'aspirin', 'daily', '.'], spans: [{ start: 1, end: 2, label: 'DRUG' }] });
  assert.deepEqual(support.rejected![0], [{ start: 2, end: 3, label: 'O' }]);
  assert.equal(issues.length, 1);
  assert.equal(issues[0].example, 1);
  assert.equal(issues[0].issue.kind, 'snapped');
});

test('with the real model: the nearest support mention of a type, and a leave-one-out score that can fail', async () => {
  const engine = await NerEngine.load(cnnModelDir(), { threads: 1 });
  const examples: SupportExample[] = [
    { text: 'Angela Merkel spoke in Berlin .', spans: [{ start: 0, end: 13, label: 'PER' }, { start: 23, end: 29, label: 'LOC' }], rejected: [] },
    { text: 'Emmanuel Macron visited Madrid .', spans: [{ start: 0, end: 15, label: 'PER' }, { start: 24, end: 30, label: 'LOC' }], rejected: [] },
    { text: 'Officials in Rome met Barack Obama .', spans: [{ start: 13, end: 17, label: 'LOC' }, { start: 22, end: 34, label: 'PER' }], rejected: [] },
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
  await engine.dispose();
});
