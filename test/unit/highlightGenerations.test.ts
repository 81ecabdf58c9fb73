// The Highlighter's generations, in plain Node: a stand-in for the `vscode` module (fakeVscode.ts)
// and for the engine (each request answered when the test says, with the labels of the model loaded when it
// was asked). A refresh (another model) while an edit waits for its debounce, or an edit while a refresh runs,
// must end with the entities of a clean full run with the new model, never with old entities spliced in.
// (test/vscode/suite/reliability.test.ts checks the same inside a real VS Code.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CancelledError } from '../../src/extension/engineClient';
import type { Entity } from '../../src/worker/protocol';
import { fake, vscode as fakeVscode, type FakeDocument } from './fakeVscode';
// Loaded after the stand-in is in place (a static import would be hoisted above it).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Highlighter } = require('../../src/extension/highlights') as typeof import('../../src/extension/highlights');

const editors = fake.editors;
const changes = fake.documentChanges;
const shown = fake.visibleEditorChanges;

// ---- a stand-in engine: answers when told, with the labels of the model of the time of asking ----

interface Request {
  text: string;
  model: string;
  settled: boolean;
  answer(): void;
}

class FakeEngine {
  model = 'OLD';
  readonly requests: Request[] = [];

  highlight(text: string, options: { threshold: number; signal?: AbortSignal }): Promise<Entity[]> {
    return new Promise((resolve, reject) => {
      const request: Request = {
        text,
        model: this.model,
        settled: false,
        answer: () => {
          request.settled = true;
          resolve(entitiesOf(text, request.model));
        },
      };
      options.signal?.addEventListener('abort', () => {
        request.settled = true;
        reject(new CancelledError());
      });
      this.requests.push(request);
    });
  }

  pending(): Request[] {
    return this.requests.filter((r) => !r.settled);
  }

  /** Answers every pending request, oldest first, until none is left (answers may cause new requests). */
  async answerAll(): Promise<void> {
    for (let request = this.pending()[0]; request; request = this.pending()[0]) {
      request.answer();
      await settle();
    }
  }
}

/** Every capitalised word is an entity, labelled with the model's name. */
function entitiesOf(text: string, model: string): Entity[] {
  return [...text.matchAll(/\b[A-Z][a-z]+\b/g)].map((m) => ({ start: m.index!, end: m.index! + m[0].length, text: m[0], label: model, score: 0.9 }));
}

function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const TEXT = 'Alpha met Beta in Lisbon. Gamma saw Delta in Porto.\n\nLater Epsilon wrote to Zeta. Then Eta called Theta.\n';

function setUp() {
  const document: FakeDocument & { text: string } = {
    uri: { scheme: 'file', toString: () => 'file:///report.txt' },
    version: 1,
    isClosed: false,
    text: TEXT,
    getText: () => document.text,
  };
  editors.splice(0, editors.length, { document, visibleRanges: [] });
  fakeVscode.workspace.textDocuments = [document];
  const engine = new FakeEngine();
  const highlighter = new Highlighter(engine as never, { apply() {}, clear() {} } as never, () => {});
  /** Inserts `inserted` at `offset`, as VS Code reports an edit. */
  const edit = (offset: number, inserted: string) => {
    document.text = document.text.slice(0, offset) + inserted + document.text.slice(offset);
    document.version++;
    changes.fire({ document, contentChanges: [{ rangeOffset: offset, rangeLength: 0, text: inserted }] });
  };
  const labels = () => highlighter.get(document as never)!.entities.map((e) => `${e.text}:${e.label}`);
  return { document, engine, highlighter, edit, labels };
}

/** What a clean full run with the new model finds in the text now. */
function cleanRun(text: string): string[] {
  return entitiesOf(text, 'NEW').map((e) => `${e.text}:${e.label}`);
}

test('a refresh (another model) while an edit waits for its debounce: no old entities spliced in', async () => {
  const { document, engine, highlighter, edit, labels } = setUp();
  const first = highlighter.highlight(document as never, 'command');
  await settle();
  await engine.answerAll();
  assert.equal(await first, entitiesOf(TEXT, 'OLD').length);
  edit(0, 'Kappa wrote. ');
  engine.model = 'NEW';
  highlighter.refreshAll();
  await settle();
  await engine.answerAll(); // the refresh's full run lands first...
  await sleep(700); // ...then the edit's debounce runs out
  await engine.answerAll();
  assert.equal(highlighter.get(document as never)!.version, document.version);
  assert.deepEqual(labels(), cleanRun(document.text));
  highlighter.dispose();
});

test('an edit while a refresh runs: the region re-highlight is not spliced onto the old model\'s entities', async () => {
  const { document, engine, highlighter, edit, labels } = setUp();
  const first = highlighter.highlight(document as never, 'command');
  await settle();
  await engine.answerAll();
  await first;
  engine.model = 'NEW';
  highlighter.refreshAll();
  await settle();
  assert.equal(engine.pending().length, 1, 'the refresh is running');
  edit(document.text.indexOf('Later'), 'Iota agreed. ');
  await sleep(700);
  await engine.answerAll();
  assert.equal(highlighter.get(document as never)!.version, document.version);
  assert.deepEqual(labels(), cleanRun(document.text));
  highlighter.dispose();
});

test('a run with the old model that ends after the refresh is dropped; its document is highlighted again when shown', async () => {
  const { document, engine, highlighter, labels } = setUp();
  editors.splice(0); // highlighted in the background (not on screen)
  const first = highlighter.highlight(document as never, 'command');
  await settle();
  const old = engine.pending()[0];
  engine.model = 'NEW';
  highlighter.refreshAll();
  await settle();
  if (!old.settled) old.answer(); // the old model's answer arrives after the refresh
  await settle();
  assert.equal(await first, undefined, 'superseded: nothing kept from it');
  assert.equal(highlighter.get(document as never), undefined);
  editors.push({ document, visibleRanges: [] });
  shown.fire(editors);
  await settle();
  await engine.answerAll();
  assert.deepEqual(labels(), cleanRun(document.text));
  highlighter.dispose();
});
