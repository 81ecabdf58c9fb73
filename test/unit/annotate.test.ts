// Annotate Workspace's engine (src/core/annotate) and `baner annotate`: finding documents (globs), the pool of model
// workers against a single engine on real files (the default transformer model), cancellation and resume with the
// fast CNN model (models/cnn: these tests are about the run, not the entities), the ledger's repairs with a scripted
// highlighter, and a real SIGKILL of `baner annotate` mid-run followed by a resume.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { NerEngine, type Entity } from '../../src/core/engine';
import { cnnModelDir, defaultModelDir } from '../../src/core/model/modelDirectory';
import { annotateDocuments, type AnnotateOptions, type AnnotateProgress } from '../../src/core/annotate/annotateRun';
import { annotationSettings } from '../../src/core/annotate/annotationSettings';
import { AnnotationStoreError, parseAnnotationLine, type AnnotationLine, type AnnotationSettings } from '../../src/core/annotate/annotationStore';
import { listDocuments, NoDocumentsError, type DocumentRef } from '../../src/core/annotate/documentFiles';
import { globToRegExp, splitGlob } from '../../src/core/annotate/globPattern';
import { ModelPool, poolSize, type DocumentHighlighter } from '../../src/core/annotate/modelPool';
import { LockTimeoutError } from '../../src/core/io/fileLock';
import { spawnModelWorker } from '../../src/cli/modelWorkerThread';
import { formatDuration, progressText } from '../../src/cli/annotateProgress';
import { dataPath } from './dataPath';
import { generatedDocumentName, generatedDocumentText } from '../fixtures/generatedDocuments';
import { ledgerRecords } from '../fixtures/ledgerRecords';

const BIN = resolve(__dirname, '../../bin/baner.js');
const SAMPLES = resolve(__dirname, '../../samples/workspace');

/** Temporary folders, removed when the file's tests are done (some hold copies of the CoNLL-2003 text). */
const made: string[] = [];
after(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function tempFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'baner-annotate-'));
  made.push(dir);
  return dir;
}

/** The CoNLL-2003 test split's -DOCSTART- documents as texts: a sentence per line, tokens joined by spaces. */
function conllDocuments(): string[] {
  const documents: string[][] = [];
  let sentence: string[] = [];
  const endSentence = () => {
    if (sentence.length > 0) documents[documents.length - 1].push(sentence.join(' '));
    sentence = [];
  };
  for (const line of readFileSync(dataPath('conll2003/original/eng.testb'), 'utf8').split(/\r?\n/)) {
    if (line.startsWith('-DOCSTART-')) {
      endSentence();
      documents.push([]);
    } else if (line.trim() === '') endSentence();
    else sentence.push(line.split(' ')[0]);
  }
  endSentence();
  return documents.filter((d) => d.length > 0).map((d) => d.join('\n') + '\n');
}

/** `count` generated documents (test/fixtures/generatedDocuments.ts) in `dir`. */
function writeGeneratedDocuments(dir: string, count: number, sentences = 8): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) writeFileSync(join(dir, generatedDocumentName(i)), generatedDocumentText(i, sentences));
}

function readOutput(path: string): AnnotationLine[] {
  const content = readFileSync(path, 'utf8');
  assert.ok(content === '' || content.endsWith('\n'), 'the output ends with a whole line');
  return content
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const parsed = parseAnnotationLine(line);
      assert.ok(parsed, `a valid output line: ${line.slice(0, 80)}`);
      return parsed;
    });
}

/** Each document exactly once in the output. */
function assertEachOnce(lines: readonly AnnotationLine[], documents: readonly DocumentRef[]): Map<string, AnnotationLine> {
  const byPath = new Map(lines.map((l) => [l.path, l]));
  assert.equal(byPath.size, lines.length, 'no document twice');
  assert.deepEqual([...byPath.keys()].sort(), documents.map((d) => d.name).sort(), 'every document once');
  return byPath;
}

// ---------------------------------------------------------------------------------------------- documents

test('globs match as VS Code and shells read them; fixed leading folders are where the search starts', () => {
  const match = (glob: string, path: string) => globToRegExp(glob).test(path);
  assert.ok(match('**/*.{txt,md}', 'a.md') && match('**/*.{txt,md}', 'x/y/z.txt'));
  assert.ok(!match('**/*.{txt,md}', 'x/y/z.json'));
  assert.ok(match('*.txt', 'a.txt') && !match('*.txt', 'x/a.txt'), '* stays within one folder');
  assert.ok(match('doc-??.txt', 'doc-01.txt') && !match('doc-??.txt', 'doc-1.txt'));
  assert.ok(match('[a-c]*.md', 'b.md') && !match('[!a-c]*.md', 'b.md'));
  assert.ok(match('{notes,reports/**}/*.md', 'reports/2024/q1.md') && match('{notes,reports/**}/*.md', 'notes/a.md'));
  assert.ok(match('a/**', 'a/b/c') && match('a/**/b', 'a/b') && match('a/**/b', 'a/x/y/b'));
  assert.ok(match('file (1).txt', 'file (1).txt') && !match('a.txt', 'abtxt'), 'other characters are literal');
  assert.deepEqual(splitGlob('docs/2024/**/*.md', '/base'), { root: '/base/docs/2024', pattern: '**/*.md', maxDepth: Infinity });
  assert.deepEqual(splitGlob('notes/*.txt', '/base'), { root: '/base/notes', pattern: '*.txt', maxDepth: 1 });
});

test('listDocuments: files, folders and globs, each file once; never BANER\'s folder, dependencies, version control or outputs', async () => {
  const root = tempFolder();
  for (const path of ['a.txt', 'b.md', 'sub/c.txt', 'sub/deep/d.md', '.baner/support.jsonl', 'node_modules/x/e.md', '.git/f.txt', 'a.txt.entities.jsonl', 'out.jsonl.ledger.jsonl', 'sub/g.json']) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), 'Text about Paris .\n');
  }
  const names = async (inputs: string[], exclude: string[] = []) => (await listDocuments(inputs, { base: root, exclude: exclude.map((p) => join(root, p)) })).map((d) => d.name);
  assert.deepEqual(await names(['**/*.{txt,md}']), ['a.txt', 'b.md', 'sub/c.txt', 'sub/deep/d.md']);
  assert.deepEqual(await names(['*.txt']), ['a.txt']);
  assert.deepEqual(await names(['sub']), ['sub/c.txt', 'sub/deep/d.md', 'sub/g.json']);
  assert.deepEqual(await names(['a.txt', '*.txt', 'sub/*.txt']), ['a.txt', 'sub/c.txt'], 'a file named twice is listed once');
  assert.deepEqual(await names(['**/*.md'], ['b.md']), ['sub/deep/d.md'], 'the output is never read as input');
  const outside = await listDocuments([join(root, 'sub', 'c.txt')], { base: join(root, 'sub', 'deep') });
  assert.equal(outside[0].name, join(root, 'sub', 'c.txt'), 'a document outside the base folder is named by its absolute path');
  await assert.rejects(listDocuments(['**/*.pdf'], { base: root }), (e: Error) => e instanceof NoDocumentsError && /no files match \*\*\/\*\.pdf/.test(e.message));
  await assert.rejects(listDocuments(['missing.txt'], { base: root }), /cannot read missing\.txt: no such file or folder/);
  await assert.rejects(listDocuments(['nowhere/*.txt'], { base: root }), /no files match nowhere\/\*\.txt \(nowhere is not a folder\)/);
});

test('the pool has one single-threaded worker per core (one per 2 GiB of memory at most) unless told otherwise', () => {
  const GiB = 1024 ** 3;
  assert.deepEqual(poolSize(2, undefined, 24 * GiB), { workers: 2, threadsPerWorker: 1 });
  assert.deepEqual(poolSize(8, undefined, 24 * GiB), { workers: 8, threadsPerWorker: 1 });
  assert.deepEqual(poolSize(16, undefined, 16 * GiB), { workers: 8, threadsPerWorker: 2 }, 'memory caps the workers; their threads take the cores');
  assert.deepEqual(poolSize(2, undefined, 1 * GiB), { workers: 1, threadsPerWorker: 2 });
  assert.deepEqual(poolSize(8, 2, 24 * GiB), { workers: 2, threadsPerWorker: 4 });
  assert.deepEqual(poolSize(2, 4, 24 * GiB), { workers: 4, threadsPerWorker: 1 });
  assert.deepEqual(poolSize(1, undefined, 24 * GiB), { workers: 1, threadsPerWorker: 1 });
});

// ---------------------------------------------------------------------------------------------- the pool, real models

test('a pool of 2 workers (default transformer model) writes each document once, with the entities a single engine finds', { timeout: 240_000 }, async () => {
  const root = tempFolder();
  for (const name of ['clinic-notes.md', 'harbour-report.txt', 'meeting-notes.md', 'travel-itinerary.txt']) writeFileSync(join(root, name), readFileSync(join(SAMPLES, name)));
  // Documents that share no sentence: a worker reuses the scores of a sentence it has seen, which the transformer
  // computed in another batch (its int8 products quantise a batch by the batch's own range: the 4th decimal moves).
  const seen = new Set<string>();
  const distinct = conllDocuments().filter((text) => {
    const lines = text.split('\n').filter(Boolean);
    if (lines.some((l) => seen.has(l))) return false;
    lines.forEach((l) => seen.add(l));
    return true;
  });
  distinct.slice(0, 8).forEach((text, i) => writeFileSync(join(root, `conll-${i}.txt`), text));
  const documents = await listDocuments(['**/*.{txt,md}'], { base: root });
  assert.equal(documents.length, 12);
  const modelDir = defaultModelDir();
  const output = join(root, 'out', 'entities.jsonl');
  const events: AnnotateProgress[] = [];
  const result = await annotateDocuments({
    documents,
    layout: 'one-file',
    output,
    ledger: `${output}.ledger.jsonl`,
    settings: annotationSettings(modelDir, null, 0.5),
    startPool: () => ModelPool.start({ spawn: spawnModelWorker, modelDir, size: { workers: 2, threadsPerWorker: 1 } }),
    onProgress: (p) => events.push(p),
  });
  assert.equal(result.annotated, 12);
  assert.equal(result.workers, 2);
  assert.ok(result.tokens > 1000 && result.tokensPerSecond > 0 && result.documentsPerSecond > 0);
  assert.deepEqual([...new Set(events.map((e) => e.phase))], ['checking', 'loading', 'annotating', 'done']);
  const annotating = events.filter((e) => e.phase === 'annotating').map((e) => e.annotated);
  assert.deepEqual(annotating, [...annotating].sort((a, b) => a - b), 'progress only goes up');
  const byPath = assertEachOnce(readOutput(output), documents);

  const engine = await NerEngine.load(modelDir);
  try {
    for (const document of documents) {
      const text = readFileSync(document.path, 'utf8');
      engine.clearCache();
      const expected = await engine.highlight(text, { threshold: 0.5 });
      const got = byPath.get(document.name)!.entities;
      const spans = (list: ReadonlyArray<Pick<Entity, 'start' | 'end' | 'label' | 'text'>>) => list.map(({ start, end, label, text: t }) => ({ start, end, label, text: t }));
      assert.deepEqual(spans(got), spans(expected), document.name);
      got.forEach((e, i) => assert.ok(Math.abs(e.score - expected[i].score) < 1e-5, `${document.name}: ${e.text} scores ${e.score} vs ${expected[i].score}`));
      assert.ok(got.every((e) => text.slice(e.start, e.end) === e.text));
    }
  } finally {
    await engine.dispose();
  }
});

test('cancelling a run (CNN model) drops only the documents in flight; the next run resumes and does the rest, each once', { timeout: 120_000 }, async () => {
  const root = tempFolder();
  writeGeneratedDocuments(join(root, 'docs'), 40);
  const documents = await listDocuments(['docs'], { base: root });
  const modelDir = cnnModelDir();
  const output = join(root, 'entities.jsonl');
  const controller = new AbortController();
  let disposed = 0;
  const startPool = async (): Promise<DocumentHighlighter> => {
    const pool = await ModelPool.start({ spawn: spawnModelWorker, modelDir, size: { workers: 2, threadsPerWorker: 1 } });
    return { workers: pool.workers, highlight: (...a) => pool.highlight(...a), dispose: () => (disposed++, pool.dispose()) };
  };
  const options: AnnotateOptions = { documents, layout: 'one-file', output, ledger: `${output}.ledger.jsonl`, settings: annotationSettings(modelDir, null, 0.5), startPool };
  const first = await annotateDocuments({ ...options, signal: controller.signal, onProgress: (p) => p.annotated >= 3 && controller.abort() });
  assert.equal(first.cancelled, true);
  assert.equal(disposed, 1, 'the workers are ended');
  assert.ok(first.annotated >= 3 && first.annotated < 40, `${first.annotated} annotated before the cancel took effect`);
  const partial = readOutput(output);
  assert.equal(partial.length, first.annotated, 'a line for each finished document, nothing of those in flight');
  assert.equal(ledgerRecords(`${output}.ledger.jsonl`), first.annotated);

  const second = await annotateDocuments(options);
  assert.equal(second.cancelled, false);
  assert.equal(second.resumed, first.annotated);
  assert.equal(second.annotated, 40 - first.annotated);
  const lines = assertEachOnce(readOutput(output), documents);
  for (const line of partial) assert.deepEqual(lines.get(line.path), line, 'the first run\'s lines are kept as they were');

  const third = await annotateDocuments(options);
  assert.equal(third.resumed, 40);
  assert.equal(third.workers, 0, 'nothing to do: no worker started');
  assert.equal(disposed, 2);
});

// ---------------------------------------------------------------------------------------------- the ledger

/** Entities from the text alone (capitalised words as PER), instantly: for the ledger's tests. */
class ScriptedHighlighter implements DocumentHighlighter {
  readonly workers = 2;
  calls = 0;
  async highlight(text: string): Promise<Entity[]> {
    this.calls++;
    return [...text.matchAll(/\p{Lu}\p{Ll}+/gu)].map((m) => ({ start: m.index!, end: m.index! + m[0].length, label: 'PER', score: 0.9, text: m[0] }));
  }
  async dispose(): Promise<void> {}
}

const SETTINGS: AnnotationSettings = { model: 'scripted', modelHash: 'abc', adapter: null, threshold: 0.5 };

/**
 * A worker thread that speaks the model worker's protocol without a model: entities are the capitalised words;
 * a text with "crash-once" ends the thread the first time it is seen (a marker file remembers), "crash" always.
 */
function scriptedWorker(marker: string): () => Worker {
  const code = `const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
parentPort.on('message', (m) => {
  if (m.type === 'load') return parentPort.postMessage({ type: 'ready', model: 'scripted', modelDir: m.modelDir, provider: 'cpu', providerReason: '', labels: ['PER'], loadMs: 1 });
  if (m.type !== 'highlight') return;
  if (m.text.includes('crash-once') && !fs.existsSync(${JSON.stringify(marker)})) { fs.writeFileSync(${JSON.stringify(marker)}, ''); process.exit(7); }
  if (m.text.includes('crash-always')) process.exit(8);
  const entities = [...m.text.matchAll(/[A-Z][a-z]+/g)].map((x) => ({ start: x.index, end: x.index + x[0].length, label: 'PER', score: 0.9, text: x[0] }));
  parentPort.postMessage({ type: 'result', id: m.id, entities, elapsedMs: 0 });
});`;
  return () => new Worker(code, { eval: true });
}

test('a worker that dies is replaced; its document gets one more try, and fails (listed) only if it kills that one too', async () => {
  const root = tempFolder();
  mkdirSync(join(root, 'docs'));
  writeFileSync(join(root, 'docs/a.txt'), 'Alice met Bob .\n');
  writeFileSync(join(root, 'docs/b.txt'), 'This one will crash-once for Carol .\n');
  writeFileSync(join(root, 'docs/c.txt'), 'This one will crash-always for Dave .\n');
  writeFileSync(join(root, 'docs/d.txt'), 'Erin stays .\n');
  const documents = await listDocuments(['docs'], { base: root });
  const log: string[] = [];
  const output = join(root, 'out.jsonl');
  const result = await annotateDocuments({
    documents,
    layout: 'one-file',
    output,
    ledger: `${output}.ledger.jsonl`,
    settings: SETTINGS,
    // One document at a time, so that which document is on a worker when it dies is known.
    startPool: () => ModelPool.start({ spawn: scriptedWorker(join(root, 'crashed-once')), modelDir: '/scripted', size: { workers: 1, threadsPerWorker: 1 }, log: (l) => log.push(l) }),
    perWorker: 1,
  });
  assert.deepEqual([result.annotated, result.failed], [3, 1]);
  assert.deepEqual(result.failedFiles.map((f) => f.path), ['docs/c.txt']);
  assert.match(result.failedFiles[0].message, /a model worker stopped \(exit code 8\)/);
  assert.equal(log.filter((l) => /a model worker stopped/.test(l)).length, 3, 'crash-once once, crash-always twice');
  assert.deepEqual(readOutput(output).map((l) => l.path).sort(), ['docs/a.txt', 'docs/b.txt', 'docs/d.txt']);
  // The failed document is not in the ledger: the next run tries it again.
  const again = await annotateDocuments({ documents, layout: 'one-file', output, ledger: `${output}.ledger.jsonl`, settings: SETTINGS, startPool: async () => new ScriptedHighlighter() });
  assert.deepEqual([again.resumed, again.annotated], [3, 1]);
});

test('the progress bar: documents done of all, tokens/s, documents/s and the time left', () => {
  const base: AnnotateProgress = { phase: 'annotating', total: 200, resumed: 50, annotated: 50, skipped: 0, failed: 0, tokens: 20_000, entities: 900, seconds: 10, documentsPerSecond: 5, tokensPerSecond: 2_000, etaSeconds: 20 };
  assert.equal(progressText(base), 'annotate [############------------]  50% 100/200 documents, 2,000 tokens/s, 5.0 documents/s, ETA 20s');
  assert.equal(progressText({ ...base, phase: 'loading' }), 'annotate: 50 of 200 documents done before; loading the model workers');
  assert.deepEqual([formatDuration(59), formatDuration(61), formatDuration(3 * 3600 + 120)], ['59s', '1m 01s', '3h 02m']);
});


test('the ledger: unchanged documents are skipped (even touched ones), changed ones replace their line, a new one is added', async () => {
  const root = tempFolder();
  writeGeneratedDocuments(join(root, 'docs'), 6, 2);
  const output = join(root, 'out.jsonl');
  const highlighter = new ScriptedHighlighter();
  let pools = 0;
  const run = async (extra: Partial<AnnotateOptions> = {}) =>
    annotateDocuments({
      documents: await listDocuments(['docs/*.txt'], { base: root }),
      layout: 'one-file',
      output,
      ledger: `${output}.ledger.jsonl`,
      settings: SETTINGS,
      startPool: async () => (pools++, highlighter),
      ...extra,
    });
  assert.equal((await run()).annotated, 6);
  const again = await run();
  assert.deepEqual([again.annotated, again.resumed, pools], [0, 6, 1], 'nothing to do, no pool started');

  // Touched (a new time, the same text): the hash says it is the same document.
  utimesSync(join(root, 'docs/doc-001.txt'), new Date(), new Date(Date.now() + 5_000));
  const touched = await run();
  assert.deepEqual([touched.annotated, touched.resumed], [0, 6]);

  writeFileSync(join(root, 'docs/doc-002.txt'), 'Now it is about Lisbon and Porto .\n');
  writeFileSync(join(root, 'docs/doc-100.txt'), 'A new one about Osaka .\n');
  const changed = await run();
  assert.deepEqual([changed.annotated, changed.resumed, changed.changed], [2, 5, 1]);
  const lines = assertEachOnce(readOutput(output), await listDocuments(['docs/*.txt'], { base: root }));
  assert.deepEqual(lines.get('docs/doc-002.txt')!.entities.map((e) => e.text), ['Now', 'Lisbon', 'Porto']);

  // Other settings: not resumed into the same file unless told to start over.
  await assert.rejects(run({ settings: { ...SETTINGS, threshold: 0.3 } }), (e: Error) => e instanceof AnnotationStoreError && /other settings \(threshold 0\.5 then, 0\.3 now\)/.test(e.message));
  await assert.rejects(run({ settings: { ...SETTINGS, model: 'other', modelHash: 'def' } }), /other settings \(model scripted \(abc\) then, other \(def\) now\)/);
  const restarted = await run({ settings: { ...SETTINGS, threshold: 0.3 }, restart: true });
  assert.deepEqual([restarted.annotated, restarted.resumed], [7, 0]);
  assert.equal(readOutput(output).length, 7);
});

test('the ledger mends what a killed run leaves: a torn record, lines beyond the last record, a torn line', async () => {
  const root = tempFolder();
  writeGeneratedDocuments(join(root, 'docs'), 5, 2);
  const output = join(root, 'out.jsonl');
  const ledger = `${output}.ledger.jsonl`;
  const documents = await listDocuments(['docs'], { base: root });
  const run = () => annotateDocuments({ documents, layout: 'one-file', output, ledger, settings: SETTINGS, startPool: async () => new ScriptedHighlighter() });
  await run();
  const whole = readFileSync(output, 'utf8');
  const wholeLedger = readFileSync(ledger, 'utf8');
  // A kill after two lines of the next run and before their records, one of them torn; a record torn too.
  const lines = whole.split('\n').filter(Boolean);
  writeFileSync(ledger, wholeLedger.split('\n').slice(0, 4).join('\n') + '\n{"path":"docs/doc-0');
  writeFileSync(output, lines.slice(0, 4).join('\n') + '\n' + lines[4].slice(0, 30));
  const mended = await run();
  assert.equal(mended.opened.droppedRecords, 1, 'the torn record');
  assert.ok(mended.opened.droppedBytes > 0, 'lines without a record cut off');
  assert.deepEqual([mended.resumed, mended.annotated], [3, 2]);
  assertEachOnce(readOutput(output), documents);

  // A whole line written, its record not: cut off and redone, not kept twice.
  appendFileSync(output, lines[0] + '\n');
  const again = await run();
  assert.deepEqual([again.resumed, again.annotated, again.opened.droppedBytes > 0], [5, 0, true]);
  assertEachOnce(readOutput(output), documents);

  // A ledger that disagrees with the output from some line on (a hand edit): the agreeing part is kept.
  const text = readFileSync(output, 'utf8').split('\n');
  [text[1], text[2]] = [text[2], text[1]];
  writeFileSync(output, text.join('\n'));
  const reordered = await run();
  assert.deepEqual([reordered.resumed, reordered.annotated], [1, 4]);
  assertEachOnce(readOutput(output), documents);
});

test('the ledger refuses an output it did not write, and a second run into the same output while one runs', async () => {
  const root = tempFolder();
  writeGeneratedDocuments(join(root, 'docs'), 3, 2);
  const documents = await listDocuments(['docs'], { base: root });
  const output = join(root, 'mine.jsonl');
  writeFileSync(output, 'my own notes\n');
  const options: AnnotateOptions = { documents, layout: 'one-file', output, ledger: `${output}.ledger.jsonl`, settings: SETTINGS, startPool: async () => new ScriptedHighlighter() };
  await assert.rejects(annotateDocuments(options), (e: Error) => e instanceof AnnotationStoreError && /mine\.jsonl exists and was not written by an annotation run/.test(e.message));
  assert.equal(readFileSync(output, 'utf8'), 'my own notes\n', 'left alone');

  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  let started = false;
  const slow: DocumentHighlighter = {
    workers: 1,
    highlight: async () => {
      started = true;
      await gate;
      return [];
    },
    dispose: async () => {},
  };
  const first = annotateDocuments({ ...options, restart: true, startPool: async () => slow });
  while (!started) await new Promise((r) => setTimeout(r, 5));
  await assert.rejects(annotateDocuments(options), LockTimeoutError);
  open();
  assert.equal((await first).annotated, 3);
});

test('next to the inputs: INPUT.entities.jsonl per document; one deleted is redone, the others resumed', async () => {
  const root = tempFolder();
  writeGeneratedDocuments(join(root, 'docs'), 4, 2);
  const ledger = join(root, '.baner', 'annotate.ledger.jsonl');
  const run = async () => annotateDocuments({ documents: await listDocuments(['docs/*.txt'], { base: root }), layout: 'next-to-inputs', ledger, settings: SETTINGS, startPool: async () => new ScriptedHighlighter() });
  assert.equal((await run()).annotated, 4);
  for (let i = 0; i < 4; i++) {
    const name = `docs/doc-00${i}.txt`;
    const [line, ...rest] = readOutput(join(root, `${name}.entities.jsonl`));
    assert.equal(rest.length, 0);
    assert.equal(line.path, name);
    assert.ok(line.entities.length > 0);
  }
  rmSync(join(root, 'docs/doc-002.txt.entities.jsonl'));
  const again = await run();
  assert.deepEqual([again.annotated, again.resumed], [1, 3]);
  assert.ok(existsSync(join(root, 'docs/doc-002.txt.entities.jsonl')));
  assert.equal((await listDocuments(['docs'], { base: root })).length, 4, 'outputs are never documents');
});

// ---------------------------------------------------------------------------------------------- the command line

const baner = (cwd: string, ...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd });

test('baner annotate: clear errors for bad input, before any model is loaded', () => {
  const root = tempFolder();
  writeGeneratedDocuments(join(root, 'docs'), 2, 1);
  mkdirSync(join(root, 'outdir'));
  const cases: Array<[string[], RegExp]> = [
    [['annotate', 'docs'], /name the documents and where to write; usage: baner annotate GLOB\.\.\. --out FILE\|--next-to-inputs/],
    [['annotate', 'docs', '--out', 'a.jsonl', '--next-to-inputs'], /--out and --next-to-inputs exclude each other/],
    [['annotate', '**/*.pdf', '--out', 'a.jsonl'], /no files match \*\*\/\*\.pdf/],
    [['annotate', 'missing.txt', '--out', 'a.jsonl'], /cannot read missing\.txt: no such file or folder/],
    [['annotate', 'docs', '--out', 'outdir'], /outdir is a folder; name the output file/],
    [['annotate', 'docs', '--out', 'a.jsonl', '--workers', '0'], /--workers must be a whole number from 1 to 64, got 0/],
    [['annotate', 'docs', '--out', 'a.jsonl', '--threshold', '2'], /--threshold must be between 0 and 1/],
    [['annotate', 'docs', '--out', 'a.jsonl', '--model', 'nowhere'], /cannot use the model nowhere/],
    [['annotate', 'docs', '--out', 'a.jsonl', '--frobnicate'], /unknown option --frobnicate/],
  ];
  for (const [args, message] of cases) {
    const r = baner(root, ...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  assert.ok(!existsSync(join(root, 'a.jsonl')), 'nothing written');
});

test('baner annotate killed with SIGKILL mid-run, then run again: every document once, as an uninterrupted run writes it (CNN model)', { timeout: 240_000 }, async () => {
  const root = tempFolder();
  const docs = join(root, 'docs');
  mkdirSync(docs);
  const texts = conllDocuments();
  texts.forEach((text, i) => writeFileSync(join(docs, `conll-${String(i).padStart(3, '0')}.txt`), text));
  const documents = await listDocuments(['docs'], { base: root });
  const output = join(root, 'entities.jsonl');
  const ledger = `${output}.ledger.jsonl`;
  const args = ['annotate', 'docs/*.txt', '--out', 'entities.jsonl', '--model', 'models/cnn', '--workers', '2'];

  const child = spawn(process.execPath, [BIN, ...args], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  let running = true;
  void exited.then(() => (running = false));
  // Killed once it has written some documents (the CNN annotates the 231 documents in seconds: polled often).
  const deadline = Date.now() + 120_000;
  while (running && ledgerRecords(ledger) < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.ok(running, `the run ended before it could be killed: ${stderr}`);
  child.kill('SIGKILL');
  assert.equal((await exited).signal, 'SIGKILL');
  const recordsAtKill = ledgerRecords(ledger);
  assert.ok(recordsAtKill >= 20 && recordsAtKill < texts.length, `killed mid-run: ${recordsAtKill} of ${texts.length} documents recorded`);

  const resumed = baner(root, ...args);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, new RegExp(`${texts.length} documents: ${texts.length - recordsAtKill} annotated, ${recordsAtKill} done before`));
  const lines = assertEachOnce(readOutput(output), documents);
  assert.equal(ledgerRecords(ledger), texts.length);

  const clean = baner(root, ...args.slice(0, 2), '--out', 'clean.jsonl', '--model', 'models/cnn', '--workers', '1');
  assert.equal(clean.status, 0, clean.stderr);
  const cleanLines = assertEachOnce(readOutput(join(root, 'clean.jsonl')), documents);
  for (const [path, line] of cleanLines) {
    const got = lines.get(path)!.entities;
    assert.deepEqual(got.map(({ start, end, label }) => [start, end, label]), line.entities.map(({ start, end, label }) => [start, end, label]), path);
    got.forEach((e, i) => assert.ok(Math.abs(e.score - line.entities[i].score) < 1e-4, `${path}: ${e.text}`));
  }

  // The same output with other settings is refused, with the way out.
  const other = baner(root, ...args, '--threshold', '0.3');
  assert.equal(other.status, 2);
  assert.match(other.stderr, /made with other settings \(threshold 0\.5 then, 0\.3 now\); --restart starts over/);
});
