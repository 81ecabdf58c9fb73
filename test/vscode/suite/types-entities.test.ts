/// <reference types="mocha" />
// The "BANER: Entities" view and entity-type management in a real VS Code (issue 11): the current file's
// entities by type with counts, a click selecting the mention, the type and confidence filters, a workspace scan on
// request; renaming, merging and deleting a type across the support set and an adapter (a copy of the model's
// shipped "news" adapter, made active), each undone byte for byte; recolouring through baner.typeColors.
// Leaves the support set, the adapters, the active adapter and the settings as it found them (checked at the end).
import * as assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as vscode from 'vscode';
import { type BanerApi, banerApiHighlightingOnRequest, closeAllEditors, openEditor, recordMessages, setSetting, waitFor, workspaceFile } from './helpers';

interface Span {
  start: number;
  end: number;
  label: string;
}
interface SupportLine {
  text: string;
  spans: Span[];
  rejected?: Array<{ start: number; end: number }>;
  suggested?: Span[];
  source?: { path: string; offset: number };
}
interface ViewRow {
  label: string;
  description?: string;
  node: { kind: string; label?: string; mention?: { uri: vscode.Uri; start: number; end: number; text: string; label: string; score: number; path: string; line: number } };
  children?: ViewRow[];
}
type Types = { labels: string[]; vectors: number[] };

const ADAPTER = 'tm-news';
const supportPath = () => workspaceFile('.baner/support.jsonl').fsPath;
const adaptersPath = () => workspaceFile('.baner/adapters').fsPath;
const adapterFile = (name: string) => join(adaptersPath(), ADAPTER, name);

function readIfThere(path: string): Buffer | undefined {
  return existsSync(path) ? readFileSync(path) : undefined;
}

/** Every file under `dir` (relative path -> bytes); undefined when there is no such folder. */
function tree(dir: string): Map<string, Buffer> | undefined {
  if (!existsSync(dir)) return undefined;
  const files = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(relative(dir, path), readFileSync(path));
    }
  };
  walk(dir);
  return files;
}

function parseSupport(text: string): SupportLine[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as SupportLine);
}

/** The support lines as the store reads them: empty lists spelled out. */
function normalised(lines: SupportLine[]) {
  return lines.map((l) => ({ text: l.text, spans: l.spans, rejected: l.rejected ?? [], suggested: l.suggested ?? [], source: l.source }));
}

/** What a type edit should make of the support lines: `map` gives each label's new name, or null to drop it. */
function mapped(lines: SupportLine[], map: (label: string) => string | null) {
  return normalised(lines).flatMap((l) => {
    const relabel = (spans: Span[]) => spans.flatMap((s) => (map(s.label) === null ? [] : [{ ...s, label: map(s.label)! }]));
    const next = { ...l, spans: relabel(l.spans), suggested: relabel(l.suggested) };
    const touched = [...l.spans, ...l.suggested].some((s) => map(s.label) !== s.label);
    return touched && next.spans.length === 0 && next.rejected.length === 0 ? [] : [next];
  });
}

function row(types: Types, label: string): number[] {
  const dims = types.vectors.length / types.labels.length;
  const i = types.labels.indexOf(label);
  assert.ok(i >= 0, `${label} has a row`);
  return types.vectors.slice(i * dims, (i + 1) * dims);
}

const readTypes = (): Types => JSON.parse(readFileSync(adapterFile('types.json'), 'utf8'));
const readConfigTypes = (): string[] => JSON.parse(readFileSync(adapterFile('adapter.json'), 'utf8')).types;

describe('Entities view and type management', () => {
  let api: BanerApi;
  // What the workspace had before this file's tests.
  let supportBefore: Buffer | undefined;
  let adaptersBefore: Map<string, Buffer> | undefined;
  let banerExisted = false;
  let activeBefore: string | null = null;
  // The fixture: support lines and the adapter's files as this file wrote them.
  let fixture: Buffer;
  let fixtureLines: SupportLine[];
  let fixtureConfig: Buffer;
  let fixtureTypes: Buffer;
  let restored = false;

  const supportNow = () => readFileSync(supportPath());
  const sections = () => api.entitiesView().rows as ViewRow[];
  const section = (scope: 'document' | 'workspace') => sections()[scope === 'document' ? 0 : 1];
  const typeRows = (scope: 'document' | 'workspace') => (section(scope).children ?? []).filter((r) => r.node.kind === 'type');

  async function highlightClinic(): Promise<{ editor: vscode.TextEditor; entities: NonNullable<ReturnType<BanerApi['entitiesOf']>>['entities'] }> {
    const editor = await openEditor('clinic-notes.md');
    await vscode.commands.executeCommand('baner.highlightEntities');
    const state = await waitFor('entities of the clinic notes', () => api.entitiesOf(editor.document.uri));
    return { editor, entities: state.entities };
  }

  /** Writes the support file and waits until the store has read it. */
  async function writeSupport(bytes: Buffer | string, expectedTexts: string[]): Promise<void> {
    writeFileSync(supportPath(), bytes);
    await waitFor('the support set to be read again', () => {
      const texts = api.supportExamples().map((e) => e.text);
      return texts.length === expectedTexts.length && expectedTexts.every((t) => texts.includes(t));
    }, 20_000);
  }

  async function restoreWorkspace(): Promise<void> {
    if (restored) return;
    restored = true;
    await api.activateAdapter(activeBefore).catch(() => undefined);
    rmSync(join(adaptersPath(), ADAPTER), { recursive: true, force: true });
    if (supportBefore === undefined) rmSync(supportPath(), { force: true });
    else writeFileSync(supportPath(), supportBefore);
    if (adaptersBefore === undefined && existsSync(adaptersPath()) && readdirSync(adaptersPath()).length === 0) rmSync(adaptersPath(), { recursive: true });
    if (!banerExisted && existsSync(workspaceFile('.baner').fsPath) && readdirSync(workspaceFile('.baner').fsPath).length === 0) rmSync(workspaceFile('.baner').fsPath, { recursive: true });
    await setSetting('typeColors', undefined);
    await vscode.commands.executeCommand('baner.entities.filterByType', { types: null });
    await vscode.commands.executeCommand('baner.entities.filterByConfidence', { min: 0 });
  }

  before(async function () {
    this.timeout(300_000); // the model's first load and highlight, and a check of the adapter's base model
    api = await banerApiHighlightingOnRequest();
    supportBefore = readIfThere(supportPath());
    adaptersBefore = tree(adaptersPath());
    banerExisted = existsSync(workspaceFile('.baner').fsPath);
    const { editor } = await highlightClinic(); // loads the model
    activeBefore = api.engineState()?.adapter ?? null;
    const modelDir = await waitFor('the model to load', () => api.engineState()?.modelDir, 120_000);

    // An adapter with ORG, MISC, PER and LOC rows: a copy of the model's shipped one, made active.
    mkdirSync(adaptersPath(), { recursive: true });
    cpSync(join(modelDir, 'adapters', 'news'), join(adaptersPath(), ADAPTER), { recursive: true });
    const config = JSON.parse(readFileSync(adapterFile('adapter.json'), 'utf8'));
    writeFileSync(adapterFile('adapter.json'), JSON.stringify({ ...config, name: ADAPTER }, null, 2) + '\n');
    fixtureConfig = readFileSync(adapterFile('adapter.json'));
    fixtureTypes = readFileSync(adapterFile('types.json'));

    // Two labelled sentences of clinic-notes.md (replacing the same sentences, if labelled already): a DRUG label
    // and a DRUG suggestion; two PER labels, a rejection and a MISC suggestion.
    const text = editor.document.getText();
    const sentence = (s: string, spans: Array<[string, string]>, suggested: Array<[string, string]>, rejected: string[]): SupportLine => {
      const offset = text.indexOf(s);
      assert.ok(offset >= 0, `"${s}" is in clinic-notes.md`);
      const at = (word: string) => ({ start: s.indexOf(word), end: s.indexOf(word) + word.length });
      const line: SupportLine = { text: s, spans: spans.map(([w, label]) => ({ ...at(w), label })) };
      if (rejected.length > 0) line.rejected = rejected.map(at);
      if (suggested.length > 0) line.suggested = suggested.map(([w, label]) => ({ ...at(w), label }));
      line.source = { path: 'clinic-notes.md', offset };
      return line;
    };
    const mine = [
      sentence('She takes Glucophage for diabetes and Norvasc for blood pressure.', [['Glucophage', 'DRUG']], [['Norvasc', 'DRUG']], []),
      sentence("Ms. Grace Okonkwo was referred by Dr. Samuel Price from St Luke's Hospital in York.", [['Grace Okonkwo', 'PER'], ['Samuel Price', 'PER']], [["St Luke's Hospital", 'MISC']], ['York']),
    ];
    const kept = parseSupport(supportBefore?.toString('utf8') ?? '').filter((l) => !mine.some((m) => m.text === l.text));
    fixtureLines = [...kept, ...mine];
    fixture = Buffer.from(fixtureLines.map((l) => JSON.stringify(l) + '\n').join(''), 'utf8');
    if (!existsSync(supportPath())) {
      // The store makes the file (and its folder) first: a file written by hand where there was no folder may go
      // unnoticed by the file watcher.
      const at = text.indexOf('Glucophage');
      editor.selection = new vscode.Selection(editor.document.positionAt(at), editor.document.positionAt(at + 'Glucophage'.length));
      assert.equal(await vscode.commands.executeCommand('baner.labelSelection', { label: 'DRUG', onOverlap: 'replace' }), 1);
    }
    await writeSupport(fixture, fixtureLines.map((l) => l.text));
    await api.activateAdapter(ADAPTER);
    assert.equal(api.engineState()?.adapter, ADAPTER);
  });

  after(async () => {
    await restoreWorkspace();
    await closeAllEditors();
  });

  it('contributes the view, the type commands and the colour setting', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const c of ['renameEntityType', 'mergeEntityTypes', 'recolourEntityType', 'deleteEntityType', 'undoTypeChange', 'entities.filterByType', 'entities.filterByConfidence', 'entities.scanWorkspace', 'entities.reveal']) {
      assert.ok(commands.includes(`baner.${c}`), `baner.${c} is registered`);
    }
    const contributes = (vscode.extensions.all.find((e) => e.packageJSON.name === 'baner-vscode')!.packageJSON as { contributes: Record<string, any> }).contributes;
    assert.ok(contributes.views.explorer.some((v: { id: string }) => v.id === 'baner.entities'));
    assert.equal(contributes.configuration.properties['baner.typeColors'].type, 'object');
  });

  it("lists the current file's entities by type with counts; a click selects the mention", async () => {
    const { editor, entities } = await highlightClinic();
    assert.ok(entities.length >= 5, `entities in the clinic notes: ${entities.length}`);
    const rows = await waitFor('the view to list the clinic notes', () => {
      const s = section('document');
      return s.description === 'clinic-notes.md' && typeRows('document').length > 0 && typeRows('document');
    }, 10_000);
    const counts = new Map<string, number>();
    for (const e of entities) counts.set(e.label, (counts.get(e.label) ?? 0) + 1);
    const expected = [...counts].sort(([a, x], [b, y]) => y - x || a.localeCompare(b)).map(([label, n]) => `${label} (${n})`);
    assert.deepEqual(rows.map((r) => r.label), expected, 'one row per type, most frequent first, with its count');
    for (const r of rows) {
      const label = r.node.label!;
      const mine = entities.filter((e) => e.label === label);
      assert.deepEqual(
        r.children!.map((m) => [m.label, m.description]),
        mine.map((e) => [e.text, `clinic-notes.md:${editor.document.positionAt(e.start).line + 1} (${e.score.toFixed(2)})`]),
        `the mentions of ${label}: text, file:line and confidence`,
      );
    }
    // Clicking a mention (its row's command) selects it in its editor.
    const last = rows.flatMap((r) => r.children!).sort((a, b) => b.node.mention!.start - a.node.mention!.start)[0];
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    assert.equal(await vscode.commands.executeCommand('baner.entities.reveal', last.node.mention), true);
    const active = vscode.window.activeTextEditor!;
    assert.equal(active.document.uri.toString(), editor.document.uri.toString());
    assert.equal(active.document.offsetAt(active.selection.start), last.node.mention!.start);
    assert.equal(active.document.getText(active.selection), last.node.mention!.text);
  });

  it('filters by type and by confidence, and shows the filters in the description', async () => {
    const { entities } = await highlightClinic();
    const labels = [...new Set(entities.map((e) => e.label))];
    const chosen = labels[0];
    assert.deepEqual(await vscode.commands.executeCommand('baner.entities.filterByType', { types: [chosen] }), [chosen]);
    assert.deepEqual(typeRows('document').map((r) => r.node.label), [chosen]);
    assert.equal(api.entitiesView().description, chosen);
    assert.match(api.entitiesView().message ?? '', new RegExp(`^Filtered: types ${chosen}$`));

    await vscode.commands.executeCommand('baner.entities.filterByType', { types: null });
    const scores = entities.map((e) => e.score).sort((a, b) => a - b);
    const min = Number(scores[Math.floor(scores.length / 2)].toFixed(2)); // about half pass
    assert.equal(await vscode.commands.executeCommand('baner.entities.filterByConfidence', { min }), min);
    const shown = typeRows('document').flatMap((r) => r.children!.map((m) => m.node.mention!));
    assert.deepEqual(
      shown.map((m) => m.start).sort((a, b) => a - b),
      entities.filter((e) => e.score >= min).map((e) => e.start),
      `only the mentions scoring ${min} or more`,
    );
    assert.ok(shown.length < entities.length, 'some are hidden');
    assert.equal(api.entitiesView().description, `≥ ${min.toFixed(2)}`);
    assert.match(api.entitiesView().message ?? '', /confidence ≥/);

    const messages = recordMessages('showInformationMessage');
    try {
      assert.equal(await vscode.commands.executeCommand('baner.entities.filterByConfidence', { min: 2 }), undefined);
      assert.match(messages.messages.join('\n'), /from 0 to 1/);
    } finally {
      messages.restore();
    }
    assert.equal(api.entitiesView().description, `≥ ${min.toFixed(2)}`, 'a bad minimum changes nothing');
    await vscode.commands.executeCommand('baner.entities.filterByConfidence', { min: 0 });
    assert.equal(api.entitiesView().description, undefined);
    assert.equal(api.entitiesView().message, undefined);
    assert.equal(typeRows('document').reduce((n, r) => n + r.children!.length, 0), entities.length);
  });

  it("scans the workspace's text files only when asked, and lists their entities by type", async () => {
    const { editor, entities } = await highlightClinic();
    assert.equal(section('workspace').children?.[0]?.node.kind, 'note', 'nothing scanned before the command');
    // The sample files only: earlier tests of the suite leave large documents in the workspace.
    const include = '{clinic-notes.md,harbour-report.txt,travel-itinerary.txt,meeting-notes.md}';
    const files = await vscode.workspace.findFiles(include);
    assert.equal(files.length, 4);
    assert.equal(await vscode.commands.executeCommand('baner.entities.scanWorkspace', { include }), files.length);
    assert.equal(section('workspace').description, `${files.length} files`);
    const mentions = typeRows('workspace').flatMap((r) => r.children!.map((m) => m.node.mention!));
    const paths = new Set(mentions.map((m) => m.path));
    for (const name of ['clinic-notes.md', 'harbour-report.txt', 'travel-itinerary.txt']) assert.ok(paths.has(name), `${name} has entities`);
    // The same text through the same engine and threshold: the clinic notes' mentions are the file's highlights.
    assert.deepEqual(
      mentions.filter((m) => m.path === 'clinic-notes.md').map((m) => [m.start, m.text, m.label]).sort((a, b) => (a[0] as number) - (b[0] as number)),
      entities.map((e) => [e.start, e.text, e.label]),
    );
    const counted = typeRows('workspace').map((r) => [r.label, r.children!.length]);
    for (const [label, n] of counted) assert.match(label as string, new RegExp(`\\(${n}\\)$`));
    // A mention in another file opens that file with the mention selected.
    const harbour = mentions.find((m) => m.path === 'harbour-report.txt')!;
    assert.equal(await vscode.commands.executeCommand('baner.entities.reveal', harbour), true);
    const active = vscode.window.activeTextEditor!;
    assert.match(active.document.uri.path, /harbour-report\.txt$/);
    assert.equal(active.document.getText(active.selection), harbour.text);
    assert.notEqual(active.document, editor.document);
  });

  it('renames a type in the support set and in the active adapter, reloads it, and undo restores every byte', async () => {
    assert.deepEqual(supportNow(), fixture);
    // DRUG: only in the support set (labels and a suggestion).
    const drug = await vscode.commands.executeCommand<{ support: { spans: number; suggested: number }; adapters: string[] }>('baner.renameEntityType', { from: 'DRUG', to: 'MEDICATION' });
    assert.ok(drug, 'renamed');
    const drugs = (spans: Span[] | undefined) => (spans ?? []).filter((s) => s.label === 'DRUG').length;
    assert.equal(drug.support.spans, fixtureLines.reduce((n, l) => n + drugs(l.spans), 0));
    assert.equal(drug.support.suggested, fixtureLines.reduce((n, l) => n + drugs(l.suggested), 0));
    assert.ok(!drug.adapters.includes(ADAPTER), 'the adapter has no DRUG');
    assert.deepEqual(normalised(parseSupport(supportNow().toString('utf8'))), mapped(fixtureLines, (l) => (l === 'DRUG' ? 'MEDICATION' : l)));
    assert.deepEqual(readFileSync(adapterFile('types.json')), fixtureTypes);

    // LOC: a type of the adapter, which the engine uses now.
    const { editor, entities } = await highlightClinic();
    const places = entities.filter((e) => e.label === 'LOC');
    assert.ok(places.length > 0, `LOC highlighted: ${entities.map((e) => `${e.text}/${e.label}`).join(', ')}`);
    const loc = await vscode.commands.executeCommand<{ adapters: string[] }>('baner.renameEntityType', { from: 'LOC', to: 'PLACE' });
    assert.ok(loc?.adapters.includes(ADAPTER));
    const before = JSON.parse(fixtureTypes.toString('utf8')) as Types;
    const after = readTypes();
    assert.deepEqual(after.labels, before.labels.map((l) => (l === 'LOC' ? 'PLACE' : l)));
    assert.deepEqual(after.vectors, before.vectors, 'the vectors are untouched');
    assert.deepEqual(readConfigTypes(), JSON.parse(fixtureConfig.toString('utf8')).types.map((l: string) => (l === 'LOC' ? 'PLACE' : l)));
    assert.ok(api.engineState()?.labels.includes('PLACE') && !api.engineState()?.labels.includes('LOC'), 'the engine reloaded the adapter');
    // The same places, now called PLACE.
    const renamed = await waitFor('the notes highlighted with PLACE', () => {
      const state = api.entitiesOf(editor.document.uri);
      return state?.entities.some((e) => e.label === 'PLACE') && state.entities;
    }, 60_000);
    assert.deepEqual(
      renamed.filter((e) => e.label === 'PLACE').map((e) => e.start),
      places.map((e) => e.start),
    );

    assert.ok(await vscode.commands.executeCommand('baner.undoTypeChange'));
    assert.deepEqual(readFileSync(adapterFile('types.json')), fixtureTypes, 'types.json byte for byte');
    assert.deepEqual(readFileSync(adapterFile('adapter.json')), fixtureConfig, 'adapter.json byte for byte');
    assert.ok(api.engineState()?.labels.includes('LOC') && !api.engineState()?.labels.includes('PLACE'));
    assert.ok(await vscode.commands.executeCommand('baner.undoTypeChange'));
    assert.deepEqual(supportNow(), fixture, 'the support file byte for byte');
    await waitFor('the store to hold the DRUG labels again', () => api.supportExamples().some((e) => e.spans.some((s) => s.label === 'DRUG')), 10_000);

    const messages = recordMessages('showInformationMessage');
    try {
      assert.equal(await vscode.commands.executeCommand('baner.undoTypeChange'), undefined);
      assert.match(messages.messages.join('\n'), /no type change to undo/);
    } finally {
      messages.restore();
    }
  });

  it("merges MISC into ORG: the suggestion follows, the adapter's ORG prototype is the normalised mean, other rows untouched", async () => {
    const merged = await vscode.commands.executeCommand<{ adapters: string[] }>('baner.mergeEntityTypes', { from: 'MISC', into: 'ORG' });
    assert.ok(merged?.adapters.includes(ADAPTER));
    assert.deepEqual(normalised(parseSupport(supportNow().toString('utf8'))), mapped(fixtureLines, (l) => (l === 'MISC' ? 'ORG' : l)));
    const before = JSON.parse(fixtureTypes.toString('utf8')) as Types;
    const after = readTypes();
    assert.deepEqual(after.labels, before.labels.filter((l) => l !== 'MISC'));
    const mean = row(before, 'ORG').map((x, d) => (x + row(before, 'MISC')[d]) / 2);
    const norm = Math.hypot(...mean);
    row(after, 'ORG').forEach((x, d) => assert.ok(Math.abs(x - mean[d] / norm) < 1e-6, `ORG[${d}] = ${x}, expected ${mean[d] / norm}`));
    for (const label of after.labels.filter((l) => l !== 'ORG')) assert.deepEqual(row(after, label), row(before, label), `${label} untouched`);
    assert.ok(!readConfigTypes().includes('MISC'));
    assert.ok(!api.engineState()?.labels.includes('MISC'), 'the engine reloaded the adapter');

    assert.ok(await vscode.commands.executeCommand('baner.undoTypeChange'));
    assert.deepEqual(readFileSync(adapterFile('types.json')), fixtureTypes);
    assert.deepEqual(readFileSync(adapterFile('adapter.json')), fixtureConfig);
    assert.deepEqual(supportNow(), fixture);
  });

  it('deletes PER everywhere; undo refuses to overwrite a change made since unless told to, then restores every byte', async () => {
    const deleted = await vscode.commands.executeCommand<{ support: { spans: number }; adapters: string[] }>('baner.deleteEntityType', { type: 'PER' });
    assert.ok(deleted?.adapters.includes(ADAPTER));
    const lines = parseSupport(supportNow().toString('utf8'));
    assert.deepEqual(normalised(lines), mapped(fixtureLines, (l) => (l === 'PER' ? null : l)));
    const okonkwo = lines.find((l) => l.text.includes('Okonkwo'));
    assert.ok(okonkwo && okonkwo.spans.length === 0 && okonkwo.rejected?.length === 1, 'the sentence stays for its rejection');
    const before = JSON.parse(fixtureTypes.toString('utf8')) as Types;
    const after = readTypes();
    assert.deepEqual(after.labels, before.labels.filter((l) => l !== 'PER'));
    for (const label of after.labels) assert.deepEqual(row(after, label), row(before, label), `${label} bit-identical`);
    assert.ok(!api.engineState()?.labels.includes('PER'));

    // Someone edits the support file meanwhile: undo asks, and "no" changes nothing.
    const edited = supportNow().toString('utf8') + JSON.stringify({ text: 'Zetia again.', spans: [], rejected: [{ start: 0, end: 5 }] }) + '\n';
    await writeSupport(edited, [...lines.map((l) => l.text), 'Zetia again.']);
    const messages = recordMessages('showInformationMessage');
    try {
      assert.equal(await vscode.commands.executeCommand('baner.undoTypeChange', { force: false }), undefined);
      assert.match(messages.messages.join('\n'), /support\.jsonl changed since "delete PER"/);
    } finally {
      messages.restore();
    }
    assert.equal(supportNow().toString('utf8'), edited, 'not undone');
    assert.deepEqual(readTypes().labels, after.labels);
    assert.ok(await vscode.commands.executeCommand('baner.undoTypeChange', { force: true }));
    assert.deepEqual(supportNow(), fixture);
    assert.deepEqual(readFileSync(adapterFile('types.json')), fixtureTypes);
    assert.deepEqual(readFileSync(adapterFile('adapter.json')), fixtureConfig);
    assert.ok(api.engineState()?.labels.includes('PER'));
  });

  it('refuses a bad type name, a rename onto an existing type, a missing type and "O", changing nothing', async () => {
    const messages = recordMessages('showInformationMessage');
    try {
      for (const [command, args, problem] of [
        ['baner.renameEntityType', { from: 'DRUG', to: 'bad name' }, /no spaces/],
        ['baner.renameEntityType', { from: 'DRUG', to: 'PER' }, /merge DRUG into PER instead/],
        ['baner.mergeEntityTypes', { from: 'GENE', into: 'PER' }, /no type GENE/],
        ['baner.deleteEntityType', { type: 'O' }, /not an entity/],
      ] as const) {
        messages.messages.length = 0;
        assert.equal(await vscode.commands.executeCommand(command, args), undefined);
        assert.match(messages.messages.join('\n'), problem);
      }
    } finally {
      messages.restore();
    }
    assert.deepEqual(supportNow(), fixture);
    assert.deepEqual(readFileSync(adapterFile('types.json')), fixtureTypes);
  });

  it('recolours a type through baner.typeColors (the hover shows it) and refuses a colour that is not hex', async () => {
    const { editor, entities } = await highlightClinic();
    const person = entities.find((e) => e.label === 'PER');
    assert.ok(person, 'a PER highlighted');
    const hover = async () => {
      const result = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, editor.document.positionAt(person.start + 1));
      return result.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))).join('\n');
    };
    const palette = /color:(#[0-9a-f]{6})/.exec(await hover())?.[1];
    assert.ok(palette && palette !== '#ee1144');
    /** The hover once it shows `colour` (the setting reaches the extension host as an event). */
    const hoverWith = async (colour: string) => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const text = await hover();
        if (text.includes(`color:${colour}`) || Date.now() > deadline) return text;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const colours = () => JSON.stringify(vscode.workspace.getConfiguration('baner').get('typeColors'));
    assert.equal(await vscode.commands.executeCommand('baner.recolourEntityType', { type: 'PER', color: '#E14' }), '#ee1144');
    await waitFor('the setting to hold the colour', () => colours() === JSON.stringify({ PER: '#ee1144' }), 10_000);
    assert.match(await hoverWith('#ee1144'), /color:#ee1144/);
    const messages = recordMessages('showInformationMessage');
    try {
      assert.equal(await vscode.commands.executeCommand('baner.recolourEntityType', { type: 'PER', color: 'red;background:url(x)' }), undefined);
      assert.match(messages.messages.join('\n'), /hex digits/);
    } finally {
      messages.restore();
    }
    assert.equal(colours(), JSON.stringify({ PER: '#ee1144' }), 'a bad colour changes nothing');
    assert.equal(await vscode.commands.executeCommand('baner.recolourEntityType', { type: 'PER', color: null }), palette);
    await waitFor('the setting to lose the colour', () => colours() === '{}', 10_000);
    assert.match(await hoverWith(palette), new RegExp(`color:${palette}`));
  });

  it('leaves the support set, the adapters and the active adapter as it found them', async () => {
    await restoreWorkspace();
    assert.deepEqual(readIfThere(supportPath()), supportBefore, 'the support file');
    assert.deepEqual(tree(adaptersPath()), adaptersBefore, 'every adapter file');
    assert.equal(existsSync(workspaceFile('.baner').fsPath), banerExisted);
    assert.equal(api.engineState()?.adapter ?? null, activeBefore);
    await waitFor('no workspace colours', () => vscode.workspace.getConfiguration('baner').inspect('typeColors')?.workspaceValue === undefined, 10_000);
  });
});
