// The engine with the committed CNN model (models/cnn; the thresholds are its own), end to end on real text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NerEngine } from '../../src/core/engine';
import { readConllFile } from '../../src/core/data/conll';
import { scoreEntities } from '../../src/core/metrics';
import { cnnModelDir } from '../../src/core/model/modelDirectory';

const enginePromise = NerEngine.load(cnnModelDir(), { threads: 1 });

test('highlight returns entities whose offsets point at their text, CRLF and tabs kept', async () => {
  const engine = await enginePromise;
  const text = 'The talks in Geneva ended on Friday .\r\n\tAngela Merkel met Emmanuel Macron and officials of the European Union in Berlin .';
  const entities = await engine.highlight(text);
  assert.ok(entities.length >= 4, `found ${entities.length} entities`);
  for (const e of entities) {
    assert.equal(text.slice(e.start, e.end), e.text);
    assert.ok(engine.labels.includes(e.label));
    assert.ok(e.score > 0 && e.score <= 1);
  }
  const texts = entities.map((e) => e.text);
  assert.ok(texts.includes('Geneva') && texts.includes('Berlin'), texts.join(' | '));
});

test('a long single sentence is covered by windows, not truncated', async () => {
  const engine = await enginePromise;
  const clause = 'officials from Paris met traders from Tokyo and bankers from Chicago , ';
  const text = clause.repeat(40) + 'and finally delegates from Madrid arrived .';
  const entities = await engine.highlight(text);
  const last = entities.filter((e) => e.text === 'Madrid');
  assert.equal(last.length, 1, 'the entity at the very end of a 500-token sentence is found');
  assert.ok(entities.filter((e) => e.text === 'Tokyo').length >= 35);
});

test('the CNN model keeps its quality on CoNLL dev (first 600 sentences)', async () => {
  const engine = await enginePromise;
  const dev = (await readConllFile('../shared/data/conll2003/original/eng.testa', { scheme: 'iob1' })).sentences.slice(0, 600);
  const predicted = await engine.predictTokens(dev.map((s) => s.tokens));
  const f1 = scoreEntities(
    dev.map((s) => s.spans),
    predicted,
  ).micro.f1;
  assert.ok(f1 > 0.85, `dev F1 ${f1}`);
});

test('prototypes from a support set replace the model types', async () => {
  const engine = await enginePromise;
  const support = ['Alice Walker wrote novels .'.split(' '), 'The Nile flows north .'.split(' ')];
  const types = await engine.prototypesFrom(support, [[{ start: 0, end: 2, label: 'writer' }], [{ start: 1, end: 2, label: 'river' }]]);
  assert.deepEqual(types.labels, ['writer', 'river']);
  engine.useTypes(types);
  const out = await engine.predictTokens(['Toni Morrison wrote Beloved .'.split(' ')]);
  engine.useTypes(undefined);
  assert.ok(out[0].length > 0 && out[0].every((s) => ['writer', 'river'].includes(s.label)));
  assert.deepEqual(engine.labels, ['PER', 'LOC', 'ORG', 'MISC']);
});

test('an edit re-runs the model on the changed sentence only, with the same entities as a fresh run', async () => {
  const engine = await NerEngine.load(cnnModelDir(), { threads: 1 });
  const sentences = Array.from({ length: 30 }, (_, i) => `Delegates from Paris met officials of Siemens in Munich on day ${i} .`);
  const original = sentences.join(' ');
  await engine.highlight(original);
  const cachedBefore = engine.cachedSentences;
  assert.equal(cachedBefore, 30);
  const edited = original.replace('day 7 .', 'day 7 with Angela Merkel .');
  const entities = await engine.highlight(edited);
  assert.equal(engine.cachedSentences, cachedBefore + 1, 'one new sentence computed');
  const fresh = await (await NerEngine.load(cnnModelDir(), { threads: 1 })).highlight(edited);
  assert.deepEqual(entities, fresh);
  assert.ok(entities.some((e) => e.text === 'Angela Merkel'));
  // New types invalidate the cache.
  engine.useTypes(undefined);
  assert.equal(engine.cachedSentences, 0);
});
