/// <reference types="mocha" />
// Soak in a real VS Code (issue 10): for BANER_SOAK_S seconds (default 240) a scripted user opens documents,
// highlights them, types and deletes text, labels entities as two new types and adapts now and then, the way
// a person annotates for a while. Checked at the end: no label the user made is missing from
// .baner/support.jsonl, the highlights describe the current text of every document, and the extension host's
// memory (its worker threads included) stops growing once warm. Runs last, against the temp copy of
// samples/workspace the other suites used.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { Entity } from '../../../src/worker/protocol';
import { type BanerApi, banerApiHighlightingOnRequest, closeAllEditors, openEditor, sleep, waitFor, workspaceFile } from './helpers';

const SOAK_MS = Number(process.env.BANER_SOAK_S ?? 240) * 1000;
/** Adapt after every this many rounds (each round: open, highlight, edit, label). */
const ADAPT_EVERY = 6;
/** Memory growth allowed between the second quarter of the rounds and the last one (after warm-up). */
const MAX_GROWTH_MIB = 100;
/**
 * Types the scripted user labels: whatever the model calls a place, or a person, gets a type of its own (and
 * keeps it once an adapter knows the new types).
 */
const NEW_TYPE: Record<string, string> = { LOC: 'SOAK_PLACE', PER: 'SOAK_PERSON', SOAK_PLACE: 'SOAK_PLACE', SOAK_PERSON: 'SOAK_PERSON' };
const SOURCES = ['harbour-report.txt', 'meeting-notes.md', 'travel-itinerary.txt', 'clinic-notes.md'];
const DOCUMENTS = 4;

interface SupportLine {
  text: string;
  spans: Array<{ start: number; end: number; label: string }>;
  source?: { path: string; offset: number };
}

/**
 * One label made by the scripted user: the sentence it was made in (as stored), the span's text and its type.
 * Not the file: a sentence that occurs in several files (a heading repeated in each) is one example, recorded
 * with the file it was last labelled in.
 */
interface MadeLabel {
  sentence: string;
  text: string;
  label: string;
}

function readSupport(): SupportLine[] {
  let raw: string;
  try {
    raw = readFileSync(workspaceFile('.baner/support.jsonl').fsPath, 'utf8');
  } catch {
    return [];
  }
  return raw
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as SupportLine);
}

/** A deterministic stream of numbers in [0, 1): the same soak every run. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const mib = (bytes: number) => Math.round(bytes / 1024 / 1024);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The highlights of the document's current version once they stop changing. */
async function settled(api: BanerApi, document: vscode.TextDocument): Promise<Entity[]> {
  let last = '';
  return waitFor(
    `the highlights of ${vscode.workspace.asRelativePath(document.uri)} to settle`,
    () => {
      const state = api.entitiesOf(document.uri);
      if (!state || state.version !== document.version) return undefined;
      const now = JSON.stringify(state.entities.map((e) => [e.start, e.end, e.label]));
      const stable = now === last;
      last = now;
      return stable && state.entities;
    },
    90_000,
    700,
  );
}

describe('Soak: highlight, edit, label and adapt for minutes', () => {
  let api: BanerApi;

  before(async () => {
    api = await banerApiHighlightingOnRequest();
    // Documents of a few kilobytes, each one different, built from the samples.
    const samples = await Promise.all(SOURCES.map(async (n) => new TextDecoder().decode(await vscode.workspace.fs.readFile(workspaceFile(n)))));
    for (let d = 0; d < DOCUMENTS; d++) {
      const parts = Array.from({ length: 6 }, (_, i) => samples[(d + i) % samples.length].replace(/\.(\s)/g, ` (part ${d}.${i}).$1`));
      await vscode.workspace.fs.writeFile(workspaceFile(`soak-${d}.txt`), new TextEncoder().encode(parts.join('\n\n')));
    }
  });

  after(async () => {
    await vscode.commands.executeCommand('baner.cancelAdaptation');
    await closeAllEditors();
    await api.activateAdapter(null);
  });

  it(`keeps every label and bounded memory over ${Math.round(SOAK_MS / 1000)} s of use`, async function () {
    this.timeout(SOAK_MS + 600_000);
    const random = seeded(20261129);
    const made: MadeLabel[] = [];
    const rss: number[] = [];
    let adaptations = 0;
    let edits = 0;
    const started = Date.now();
    let round = 0;
    for (; Date.now() - started < SOAK_MS; round++) {
      const path = `soak-${round % DOCUMENTS}.txt`;
      const editor = await openEditor(path);
      const document = editor.document;
      await vscode.commands.executeCommand('baner.highlightEntities');
      await settled(api, document);

      // Type and delete a little, at random lines, as a person revising the text does.
      for (let e = 0; e < 3; e++) {
        const line = Math.floor(random() * document.lineCount);
        const length = document.lineAt(line).text.length;
        if (random() < 0.6 || length < 10) {
          await editor.edit((b) => b.insert(new vscode.Position(line, 0), 'Note from Lisbon: '));
        } else {
          const from = Math.floor(random() * (length - 5));
          await editor.edit((b) => b.delete(new vscode.Range(line, from, line, from + 3)));
        }
        edits++;
        await sleep(150 + Math.floor(random() * 400));
      }
      const entities = await settled(api, document);

      // Label one place or person in a sentence with no label yet.
      const labelled = api.labelsShownIn(editor).labelled;
      const free = entities.filter((e) => NEW_TYPE[e.label] && !labelled.some((l) => l.start < e.end + 200 && e.start < l.end + 200));
      if (free.length > 0) {
        const pick = free[Math.floor(random() * free.length)];
        editor.selection = new vscode.Selection(document.positionAt(pick.start), document.positionAt(pick.end));
        const count = await vscode.commands.executeCommand<number>('baner.labelSelection', { label: NEW_TYPE[pick.label], onOverlap: 'replace' });
        assert.equal(count, 1, `labelled "${pick.text}" in ${path}`);
        // The example now holding the label (older examples of the file may sit at stale offsets after edits).
        const stored = readSupport().find((s) => {
          const at = pick.start - (s.source?.offset ?? 0);
          return s.source?.path === path && s.spans.some((sp) => sp.start === at && sp.end === at + pick.text.length && sp.label === NEW_TYPE[pick.label]) && s.text.slice(at, at + pick.text.length) === pick.text;
        });
        assert.ok(stored, `the sentence of "${pick.text}" is in the support file`);
        made.push({ sentence: stored.text, text: pick.text, label: NEW_TYPE[pick.label] });
      }

      // Adapt to the labels so far now and then: each run replaces the adapter of the same name.
      if (round % ADAPT_EVERY === ADAPT_EVERY - 1 && new Set(made.map((m) => m.label)).size === 2) {
        const result = await vscode.commands.executeCommand<{ dir: string } | undefined>('baner.adaptToDomain', { name: 'soak' });
        assert.ok(result, `adaptation ${adaptations + 1} finished`);
        adaptations++;
        assert.equal(api.engineState()?.adapter, 'soak');
        await settled(api, document);
      }

      await closeAllEditors();
      rss.push(process.memoryUsage().rss);
    }

    const seconds = Math.round((Date.now() - started) / 1000);
    const quarter = Math.max(1, Math.floor(rss.length / 4));
    const warm = median(rss.slice(quarter, 2 * quarter));
    const last = median(rss.slice(-quarter));
    console.log(
      `      soak: ${round} rounds in ${seconds} s, ${edits} edits, ${made.length} labels, ${adaptations} adaptations; ` +
        `host RSS (MiB): first ${mib(rss[0])}, warm median ${mib(warm)}, last-quarter median ${mib(last)}, peak ${mib(Math.max(...rss))}`,
    );

    // Enough happened for the checks below to mean something.
    assert.ok(round >= 12, `${round} rounds`);
    assert.ok(made.length >= 8, `${made.length} labels`);
    assert.ok(adaptations >= 1, `${adaptations} adaptations`);

    // No label lost: each one the user made is in the support file, in its sentence, with its type.
    const support = readSupport();
    // The same sentence labelled again (from another file) may retype a span: the last label of a span counts.
    const latest = [...new Map(made.map((m) => [`${m.sentence}\u0000${m.text}`, m])).values()];
    const missing = latest.filter((m) => !support.some((s) => s.text === m.sentence && s.spans.some((sp) => sp.label === m.label && s.text.slice(sp.start, sp.end) === m.text)));
    assert.deepEqual(missing, [], `labels missing from .baner/support.jsonl: ${JSON.stringify(missing)}`);
    const sentences = support.map((s) => `${s.source?.path}:${s.source?.offset}:${s.text}`);
    assert.equal(new Set(sentences).size, sentences.length, 'no sentence is in the support file twice');

    // Memory stops growing once warm: the last quarter of the rounds against the second.
    assert.ok(mib(last - warm) < MAX_GROWTH_MIB, `host RSS grew ${mib(last - warm)} MiB after warm-up (${mib(warm)} -> ${mib(last)} MiB)`);
  });
});
