// The engine with the committed transformer model (models/transformer), end to end on real text: exact
// offsets, windows over sentences longer than the piece budget, its quality on CoNLL dev, and an adapter of
// its own made from a support set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { NerEngine } from '../../src/core/engine';
import { readConllFile } from '../../src/core/data/conll';
import { sampleSupportSet } from '../../src/core/data/episodes';
import { scoreEntities } from '../../src/core/metrics';
import { readManifest } from '../../src/core/model/modelDirectory';
import { initTf } from '../../src/core/model/tfBackend';
import { loadAdaptationBase } from '../../src/core/adapters/adaptationBase';
import { adapt } from '../../src/core/adapt';
import { WINDOW_PIECES } from '../../src/core/transformer/pieceWindows';
import { TransformerRuntime } from '../../src/core/transformer/transformerRuntime';
import { chooseProvider } from '../../src/core/model/onnxSessions';
import { dataPath } from './dataPath';
import { loadAdapter } from '../../src/core/adapters/adapterFiles';
import { seededRandom } from '../../src/core/random';

const modelDir = join(__dirname, '../../models/transformer');
const enginePromise = NerEngine.load(modelDir, { threads: 1 });

test('the transformer model loads as its family and highlights with exact offsets', async () => {
  const engine = await enginePromise;
  assert.equal(readManifest(modelDir).family, 'transformer');
  assert.ok(engine.runtime instanceof TransformerRuntime);
  const text = 'The talks in Geneva ended on Friday .\r\n\tAngela Merkel met Emmanuel Macron and officials of the European Union in Berlin .';
  const entities = await engine.highlight(text);
  for (const e of entities) {
    assert.equal(text.slice(e.start, e.end), e.text);
    assert.ok(engine.labels.includes(e.label));
    assert.ok(e.score > 0 && e.score <= 1);
  }
  const byText = new Map(entities.map((e) => [e.text, e.label]));
  assert.equal(byText.get('Geneva'), 'LOC');
  assert.equal(byText.get('Angela Merkel'), 'PER');
  assert.equal(byText.get('European Union'), 'ORG');
});

test('a sentence far over the piece budget is covered by windows: nothing truncated, nothing doubled', async () => {
  const engine = await enginePromise;
  const clause = 'officials from Paris met traders from Tokyo and bankers from Chicago , ';
  const text = clause.repeat(40) + 'and finally delegates from Madrid arrived .';
  const runtime = engine.runtime as TransformerRuntime;
  const words = text.split(' ').filter(Boolean);
  const windows = runtime.windows(words);
  assert.ok(windows.length >= 3, `${windows.length} windows over ${words.length} words`);
  for (const w of windows) assert.ok(runtime.tokenizer.pieceWords(words.slice(w.start, w.end)).ids.length <= WINDOW_PIECES);
  const entities = await engine.highlight(text);
  assert.equal(entities.filter((e) => e.text === 'Madrid').length, 1, 'the entity at the very end is found once');
  assert.equal(entities.filter((e) => e.text === 'Tokyo').length, 40, 'each of the 40 mentions once');
  for (let i = 1; i < entities.length; i++) assert.ok(entities[i].start >= entities[i - 1].end, 'no overlapping entities from overlapping windows');
});

test('the transformer model keeps its quality on CoNLL dev (first 600 sentences)', async () => {
  const engine = await enginePromise;
  const dev = (await readConllFile(dataPath('conll2003/original/eng.testa'), { scheme: 'iob1' })).sentences.slice(0, 600);
  const predicted = await engine.predictTokens(dev.map((s) => s.tokens));
  const f1 = 100 * scoreEntities(dev.map((s) => s.spans), predicted).micro.f1;
  // The committed model scores about 94 on all of dev (manifest.json); this slice is a regression guard.
  assert.ok(f1 > 90, `F1 ${f1.toFixed(2)}`);
});

test('an adapter made from a WNUT-17 support set types tweets with the support types', async () => {
  await initTf('wasm');
  const engine = await enginePromise;
  const base = loadAdaptationBase(modelDir);
  const pool = (await readConllFile(dataPath('wnut17/wnut17train.conll'), { scheme: 'iob2' })).sentences;
  const support = sampleSupportSet(pool, 5, 2).sentences;
  const adapter = await adapt(base, { sentences: support }, { name: 'wnut', method: 'auto' });
  assert.ok(['none', 'lorahub', 'lora', 'full'].includes(String(adapter.config.training.chosenMethod)));
  await engine.useAdapter(adapter);
  try {
    const dev = (await readConllFile(dataPath('wnut17/emerging.dev.conll'), { scheme: 'iob2' })).sentences.slice(0, 300);
    const predicted = await engine.predictTokens(dev.map((s) => s.tokens));
    const labels = new Set(predicted.flat().map((s) => s.label));
    for (const label of labels) assert.ok(adapter.config.types.includes(label), `${label} is a support type`);
    const f1 = 100 * scoreEntities(dev.map((s) => s.spans), predicted).micro.f1;
    assert.ok(f1 > 35, `5-shot WNUT dev F1 ${f1.toFixed(2)}`);
  } finally {
    await engine.useAdapter(undefined);
  }
});

test('cached encoder states give the same predictions, survive heads-only adapters and are dropped when the encoder changes', async () => {
  const plain = await enginePromise;
  const cached = await NerEngine.load(modelDir, { threads: 1 });
  try {
    const runtime = cached.runtime as TransformerRuntime;
    await runtime.cacheEncoderStates();
    const dev = (await readConllFile(dataPath('conll2003/original/eng.testa'), { scheme: 'iob1' })).sentences.slice(0, 80).map((s) => s.tokens);
    const same = async (what: string) => {
      const [a, b] = [await plain.predictTokens(dev), await cached.predictTokens(dev)];
      assert.deepEqual(b.map((s) => s.map((x) => `${x.start}-${x.end}:${x.label}`)), a.map((s) => s.map((x) => `${x.start}-${x.end}:${x.label}`)), what);
      const diff = Math.max(0, ...a.flatMap((s, i) => s.map((x, k) => Math.abs(x.score - b[i][k].score))));
      assert.ok(diff < 1e-4, `${what}: scores differ by ${diff}`);
    };
    const distinct = new Set(dev.map((s) => s.join(' '))).size;
    await same('base model');
    assert.equal(runtime.cachedSentences, distinct);

    const headsOnly = loadAdapter(join(modelDir, 'adapters', 'music'));
    assert.ok(headsOnly.config.targets.every((t) => /^(input|conv0|tags|span)\./.test(t)));
    for (const engine of [plain, cached]) await engine.useAdapter(headsOnly);
    assert.equal(runtime.cachedSentences, distinct, 'a heads-only adapter keeps the encoder states');
    await same('heads-only adapter');

    const random = seededRandom(3);
    const H = 384;
    const module = { inDim: H, outDim: H, A: Float32Array.from({ length: H * 4 }, () => random() - 0.5), B: Float32Array.from({ length: 4 * H }, () => (random() - 0.5) * 0.2) };
    const encoderAdapter = { ...headsOnly, config: { ...headsOnly.config, targets: ['l11.q.W'] }, modules: new Map([['l11.q.W', module]]) };
    for (const engine of [plain, cached]) await engine.useAdapter(encoderAdapter);
    assert.equal(runtime.cachedSentences, 0, 'an adapter of an encoder layer drops the states');
    await same('adapter of an encoder layer');
  } finally {
    await plain.useAdapter(undefined);
    await cached.dispose();
  }
});

test("a sentence's scores do not depend on the other sentences of its batch (int8 activations scaled per piece)", async () => {
  const engine = await NerEngine.load(modelDir, { threads: 1, oneTypePerName: false });
  const float = await NerEngine.load(modelDir, { threads: 1, oneTypePerName: false, int8MatMul: [] });
  try {
    const sentence = ['A', 'spokesperson', 'for', 'the', 'Ministry', 'of', 'Environment', 'in', 'Lisbon', 'said', 'the', 'survey', 'would', 'appear', 'in', 'April', '.'];
    // Batch-mates with large activations (long numbers, odd tokens) and many others, sent in one call.
    const dev = (await readConllFile(dataPath('conll2003/original/eng.testa'), { scheme: 'iob1' })).sentences.slice(0, 40).map((s) => s.tokens);
    const mates = [...dev, ['0.5417', '1,234,567', '9:13.35', '=====', '^^^^'], ['GOLF', '-', 'ZIMBABWE', 'OPEN', 'SCORES', '.']];
    const alone = (await engine.predictTokens([sentence]))[0];
    const batched = (await engine.predictTokens([...mates, sentence])).at(-1)!;
    const reference = (await float.predictTokens([sentence]))[0];
    assert.ok(alone.length > 0, 'the sentence has entities');
    assert.deepEqual(batched.map((s) => `${s.start}-${s.end}:${s.label}`), alone.map((s) => `${s.start}-${s.end}:${s.label}`));
    alone.forEach((s, k) => assert.ok(Math.abs(s.score - batched[k].score) < 1e-4, `score ${s.score} alone, ${batched[k].score} in a batch`));
    // And int8 stays close to float products on it.
    assert.deepEqual(alone.map((s) => `${s.start}-${s.end}:${s.label}`), reference.map((s) => `${s.start}-${s.end}:${s.label}`));
    alone.forEach((s, k) => assert.ok(Math.abs(s.score - reference[k].score) < 0.05, `int8 ${s.score} vs float ${reference[k].score}`));
  } finally {
    await engine.dispose();
    await float.dispose();
  }
});

test('document context: a packed sentence is encoded with the pieces of its neighbours, and its results do not depend on other documents of the call', async () => {
  const manifest = readManifest(modelDir);
  const withContext = { ...manifest, runtime: { ...(manifest.runtime as object), documentContextPieces: WINDOW_PIECES } };
  const runtime = await TransformerRuntime.load(modelDir, withContext, chooseProvider('cpu'), 1);
  try {
    const first = ['Germany', 'beat', 'Italy', '2-1', 'on', 'Sunday', '.'];
    const second = ['Klinsmann', 'scored', 'twice', '.'];
    const other = ['Shares', 'in', 'Tokyo', 'fell', '.'];
    const H = manifest.architecture.hiddenDims as number;
    const G = runtime.hiddenDims;
    /** Per sentence: the encoder's part of each word's hidden state, and the tag log-probabilities. */
    const run = async (sentences: string[][], documents?: number[]) => {
      const out: Array<{ states: number[][]; logProbs: number[] }> = [];
      await runtime.forEachBatch(
        sentences,
        async ({ indices, hidden, logProbs, time }) => {
          indices.forEach((i, b) => {
            const n = sentences[i].length;
            out[i] = {
              states: Array.from({ length: n }, (_, t) => Array.from(hidden.subarray((b * time + t) * G, (b * time + t) * G + H))),
              logProbs: Array.from(logProbs.subarray(b * time * 5, (b * time + n) * 5)),
            };
          });
        },
        documents,
      );
      return out;
    };
    const packed = await run([first, second], [0, 0]);
    const joined = await run([[...first, ...second]]);
    const alone = await run([first, second]);
    // The encoder saw [CLS] first second [SEP] either way: the same states for the second sentence's words.
    const maxDiff = (a: number[][], b: number[][]) => Math.max(...a.flatMap((row, t) => row.map((x, d) => Math.abs(x - b[t][d]))));
    assert.ok(maxDiff(packed[1].states, joined[0].states.slice(first.length)) < 1e-3, 'packed states equal the joined sentence');
    assert.ok(maxDiff(packed[1].states, alone[1].states) > 1e-2, 'context changes the states');
    // Another document in the same call (before and after) changes nothing.
    const mixed = await run([other, first, second, other], [3, 0, 0, 4]);
    assert.ok(maxDiff(mixed[2].states, packed[1].states) < 1e-4);
    assert.ok(Math.max(...mixed[1].logProbs.map((x, k) => Math.abs(x - packed[0].logProbs[k]))) < 1e-4);
  } finally {
    await runtime.dispose();
  }
});

test('with document context, highlight encodes a paragraph as one pack: the same entities for the paragraph alone or in the text, and an edit re-runs its pack', async () => {
  // The committed model was trained without document context: a copy whose manifest turns it on tests the plumbing.
  const dir = mkdtempSync(join(tmpdir(), 'baner-context-'));
  for (const file of readdirSync(modelDir)) if (file !== 'manifest.json') symlinkSync(join(modelDir, file), join(dir, file));
  const manifest = readManifest(modelDir);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, runtime: { ...(manifest.runtime as object), documentContextPieces: WINDOW_PIECES } }));
  const engine = await NerEngine.load(dir, { threads: 1, oneTypePerName: false });
  try {
    const first = 'Germany beat Italy 2-1 in Milan on Sunday. Klinsmann scored twice for the visitors. Coach Vogts praised Bayern Munich.';
    const second = 'Shares in Tokyo fell on Monday. The Nikkei lost 2 percent.';
    const text = `${first}\n\n${second}`;
    const whole = await engine.highlight(text);
    const key = (e: { start: number; end: number; label: string }, shift = 0) => `${e.start - shift}-${e.end - shift}:${e.label}`;
    // The same entities and scores for the second paragraph highlighted on its own (as the lines on screen are).
    engine.clearCache();
    const alone = await engine.highlight(second);
    const inText = whole.filter((e) => e.start >= first.length + 2);
    assert.ok(alone.length >= 2, alone.map((e) => e.text).join(' | '));
    assert.deepEqual(alone.map((e) => key(e)), inText.map((e) => key(e, first.length + 2)));
    alone.forEach((e, k) => assert.ok(Math.abs(e.score - inText[k].score) < 1e-4));
    // An edit of one sentence of a paragraph re-runs the whole paragraph (its sentences' neighbours changed).
    await engine.highlight(text);
    const cached = engine.cachedSentences;
    await engine.highlight(text.replace('scored twice', 'scored three times'));
    assert.equal(engine.cachedSentences, cached + 3, 'the three sentences of the edited paragraph were computed again');
  } finally {
    await engine.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
