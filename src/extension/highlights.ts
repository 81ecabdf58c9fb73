// Which documents are highlighted, with what; re-highlights them (debounced) as they change.
// Results are only ever kept from the latest job of a document and the current generation: a refresh (another
// model, adapter or threshold) starts a new generation, drops pending edits and their timers, and whatever an
// older job returns afterwards is dropped, never spliced onto or drawn over newer entities.
import * as vscode from 'vscode';
import type { Entity } from '../worker/protocol';
import { CancelledError, type EngineClient } from './engineClient';
import type { EntityDecorations } from './decorations';
import { readConfig, wantsAutoHighlight } from './config';
import { growDirty, offsetSpans, shiftSpans, spliceRegion, type Range } from '../core/text/textEdits';
import { sentenceAround } from '../core/support/sentenceAround';
import { paragraphBounds } from '../core/text/paragraphs';

/** Delay between the last edit of a highlighted document and its re-highlight. */
const EDIT_DEBOUNCE_MS = 500;
/** An edited region larger than this (a big paste, a replace-all) re-highlights the whole document. */
const MAX_INCREMENTAL_CHARS = 20_000;
/** Documents at least this long get their visible lines highlighted before the rest. */
const VISIBLE_FIRST_CHARS = 30_000;
/** How far the lines on screen or an edit grow to reach the ends of their paragraphs (models with document context). */
const PARAGRAPH_CHARS = 4_000;

export interface DocumentEntities {
  /** The document version the entities were computed for. */
  version: number;
  entities: Entity[];
}

export type HighlightTrigger = 'command' | 'auto' | 'edit' | 'settings';

export interface PaintEvent {
  uri: string;
  scope: 'visible' | 'full';
  /** Since the highlight began (after the edit debounce, for edits). */
  ms: number;
  /** Of `ms`, the model worker's own time for the paint's request (the rest: messaging, waiting, drawing). */
  workerMs?: number;
  trigger: HighlightTrigger;
}

/** The entity covering `offset` (entities sorted by start, not overlapping). */
export function entityAt<T extends { start: number; end: number }>(entities: readonly T[], offset: number): T | undefined {
  let lo = 0;
  let hi = entities.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const e = entities[mid];
    if (offset < e.start) hi = mid - 1;
    else if (offset >= e.end) lo = mid + 1;
    else return e;
  }
  return undefined;
}

/** Entities and the generation of the model settings they were computed with. */
interface HighlightState extends DocumentEntities {
  generation: number;
}

export class Highlighter implements vscode.Disposable {
  private readonly highlighted = new Map<string, HighlightState>();
  private readonly running = new Map<string, AbortController>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Documents edited since their last highlight: entities shifted to the current text, and what changed. */
  private readonly edited = new Map<string, HighlightState & { dirty: Range }>();
  /** Bumped by every refresh (model, adapter or threshold changed): results of older generations are dropped. */
  private generation = 0;
  /** The latest job started per document (a full run or a region re-highlight); only its result is kept. */
  private readonly latestJob = new Map<string, number>();
  private jobCount = 0;
  /** Highlighted documents not on screen when the model changed: re-highlighted when shown. */
  private readonly stale = new Set<string>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly busyListeners = new Set<(busy: number, progress?: string) => void>();
  private readonly painted = new vscode.EventEmitter<PaintEvent>();
  /** Decorations were drawn: for the visible lines first (long documents) or for the whole document. */
  readonly onDidPaint = this.painted.event;

  constructor(
    private readonly client: EngineClient,
    private readonly decorations: EntityDecorations,
    private readonly log: (line: string) => void,
  ) {
    this.subscriptions.push(
      vscode.workspace.onDidChangeTextDocument((e) => this.onDidChange(e)),
      vscode.workspace.onDidCloseTextDocument((d) => this.forget(d)),
      vscode.window.onDidChangeVisibleTextEditors((editors) => this.onVisibleEditors(editors)),
    );
  }

  /** Entities of a document, if it is highlighted. */
  get(document: vscode.TextDocument): DocumentEntities | undefined {
    return this.highlighted.get(key(document));
  }

  /** Number of requests in flight, and a progress text of the latest long one. */
  onDidChangeBusy(listener: (busy: number, progress?: string) => void): vscode.Disposable {
    this.busyListeners.add(listener);
    return new vscode.Disposable(() => this.busyListeners.delete(listener));
  }

  /**
   * Highlights `document` in all its editors; from then on it is re-highlighted as it changes.
   * Resolves to the number of entities, or undefined when cancelled or superseded by an edit.
   * Rejects on engine errors and on documents above `baner.maxDocumentSize`.
   */
  async highlight(document: vscode.TextDocument, trigger: HighlightTrigger): Promise<number | undefined> {
    const k = key(document);
    const config = readConfig(document);
    const text = document.getText();
    const name = vscode.workspace.asRelativePath(document.uri);
    if (text.length > config.maxDocumentSize) {
      const message = `${name} has ${text.length.toLocaleString()} characters, more than baner.maxDocumentSize (${config.maxDocumentSize.toLocaleString()})`;
      this.log(`${trigger}: ${message}`);
      throw new Error(message);
    }
    this.running.get(k)?.abort();
    const controller = new AbortController();
    this.running.set(k, controller);
    const version = document.version;
    const current = this.startJob(k);
    this.emitBusy();
    const started = performance.now();
    try {
      await this.highlightVisibleFirst(document, text, version, config.confidenceThreshold, controller.signal, started, trigger, current);
      const entities = await this.client.highlight(text, {
        threshold: config.confidenceThreshold,
        signal: controller.signal,
        onProgress: (step, total) => this.emitBusy(`${step}/${total}`),
      });
      if (document.isClosed || document.version !== version) return undefined; // an edit follows with its own run
      if (!current()) return undefined; // a newer job or a refresh superseded this one
      this.highlighted.set(k, { version, entities, generation: this.generation });
      this.draw(k, entities);
      this.painted.fire({ uri: k, scope: 'full', ms: performance.now() - started, trigger });
      this.log(`${trigger}: ${entities.length} entities in ${name} (${Math.round(performance.now() - started)} ms)`);
      return entities.length;
    } catch (error) {
      if (error instanceof CancelledError) return undefined;
      this.log(`${trigger}: ${name}: ${(error as Error).message}`);
      throw error;
    } finally {
      if (this.running.get(k) === controller) this.running.delete(k);
      this.emitBusy();
    }
  }

  /**
   * In a long document, the lines on screen come first: they are highlighted on their own (a few sentences,
   * milliseconds) before the whole text, whose run then finds those sentences in the worker's cache.
   */
  private async highlightVisibleFirst(document: vscode.TextDocument, text: string, version: number, threshold: number, signal: AbortSignal, started: number, trigger: HighlightTrigger, current: () => boolean): Promise<void> {
    if (text.length < VISIBLE_FIRST_CHARS) return;
    const editor = vscode.window.visibleTextEditors.find((e) => e.document === document);
    const visible = editor?.visibleRanges[0];
    if (!visible) return;
    // The lines on screen only: those just outside come with the whole text a moment later (a margin of 5 lines
    // each way was 20% more words on the critical path).
    const firstLine = visible.start.line;
    const lastLine = Math.min(document.lineCount - 1, visible.end.line);
    // A model with document context encodes a paragraph's sentences together: whole paragraphs, as the full pass sees them.
    const { start, end } = this.grownToParagraphs(text, document.offsetAt(new vscode.Position(firstLine, 0)), document.offsetAt(document.lineAt(lastLine).range.end));
    let workerMs: number | undefined;
    const entities = await this.client.highlight(text.slice(start, end), { threshold, signal, onWorkerTime: (ms) => (workerMs = ms) });
    if (document.isClosed || document.version !== version || !current()) return;
    this.draw(key(document), offsetSpans(entities, start));
    this.painted.fire({ uri: document.uri.toString(), scope: 'visible', ms: performance.now() - started, workerMs, trigger });
  }

  /** [start, end) grown to whole paragraphs when the model encodes paragraphs together; as is otherwise. */
  private grownToParagraphs(text: string, start: number, end: number): Range {
    const state = this.client.state;
    return state.kind === 'ready' && state.info.documentContext ? paragraphBounds(text, start, end, PARAGRAPH_CHARS) : { start, end };
  }

  /** Shows `entities` in every visible editor of the document `k`. */
  private draw(k: string, entities: readonly Entity[]): void {
    for (const editor of vscode.window.visibleTextEditors) if (key(editor.document) === k) this.decorations.apply(editor, entities);
  }

  /** Removes the highlights of `document` and stops following its edits. */
  clear(document: vscode.TextDocument): void {
    this.forget(document);
    for (const editor of vscode.window.visibleTextEditors) if (editor.document === document) this.decorations.clear(editor);
  }

  /**
   * Re-highlights every highlighted document (after a model, adapter or threshold change): those on screen now,
   * the others when they are shown again.
   */
  refreshAll(): void {
    // A new generation: what is pending or running was computed, or is being computed, with the old settings.
    this.generation++;
    const followed = new Set([...this.highlighted.keys(), ...this.running.keys(), ...this.timers.keys()]);
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.edited.clear();
    for (const controller of this.running.values()) controller.abort();
    this.running.clear();
    this.emitBusy();
    const visible = new Set(vscode.window.visibleTextEditors.map((e) => key(e.document)));
    for (const document of vscode.workspace.textDocuments) {
      const k = key(document);
      if (!followed.has(k)) continue;
      if (visible.has(k)) this.run(document, 'settings');
      else this.stale.add(k);
    }
  }

  /** Starts a job on document `k`; the function returned says whether its result may still be used. */
  private startJob(k: string): () => boolean {
    const job = ++this.jobCount;
    const generation = this.generation;
    this.latestJob.set(k, job);
    return () => this.generation === generation && this.latestJob.get(k) === job;
  }

  /** Highlights visible documents that `baner.autoHighlight` asks for and that are not highlighted yet. */
  autoHighlightVisible(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const document = editor.document;
      const k = key(document);
      if (this.highlighted.has(k) || this.running.has(k)) continue;
      if (isTextDocument(document) && wantsAutoHighlight(readConfig(document), document)) this.run(document, 'auto');
    }
  }

  /** Runs a highlight whose failure is only logged (automatic triggers: no pop-up per keystroke). */
  private run(document: vscode.TextDocument, trigger: HighlightTrigger): void {
    this.highlight(document, trigger).catch(() => {});
  }

  private onDidChange(e: vscode.TextDocumentChangeEvent): void {
    const k = key(e.document);
    if (e.contentChanges.length === 0 || !(this.highlighted.has(k) || this.running.has(k) || this.timers.has(k))) return;
    this.running.get(k)?.abort();
    this.running.delete(k);
    this.trackEdit(k, e);
    clearTimeout(this.timers.get(k));
    this.timers.set(
      k,
      setTimeout(() => {
        this.timers.delete(k);
        if (e.document.isClosed) return;
        this.rehighlightEdited(e.document).catch(() => this.run(e.document, 'edit'));
      }, EDIT_DEBOUNCE_MS),
    );
  }

  /**
   * Keeps the entities of an edited document in step with its text (shifted past each change, dropped where
   * cut) and remembers the dirty region, so the re-highlight only has to look at the sentences around it.
   */
  private trackEdit(k: string, e: vscode.TextDocumentChangeEvent): void {
    const previous = this.edited.get(k) ?? this.highlighted.get(k);
    // Without entities that match the text before this change (a run was still going) and the current settings
    // (a refresh is under way), start over: a region re-highlight must not be spliced onto another model's entities.
    if (!previous || previous.version !== e.document.version - 1 || previous.generation !== this.generation) {
      this.edited.delete(k);
      return;
    }
    let entities = previous.entities;
    let dirty = this.edited.get(k)?.dirty;
    // The changes of one event refer to the text before it and do not overlap: apply them from the end.
    for (const c of [...e.contentChanges].sort((a, b) => b.rangeOffset - a.rangeOffset)) {
      const change = { offset: c.rangeOffset, removed: c.rangeLength, inserted: c.text.length };
      entities = shiftSpans(entities, change);
      dirty = growDirty(dirty, change);
    }
    this.edited.set(k, { version: e.document.version, entities, dirty: dirty!, generation: previous.generation });
  }

  /** Re-highlights the sentences around the edits of `document` (the whole text when that is not possible). */
  private async rehighlightEdited(document: vscode.TextDocument): Promise<void> {
    const k = key(document);
    const edited = this.edited.get(k);
    this.edited.delete(k);
    // A run started since the last edit (edits abort runs) covers this version already.
    if (this.running.has(k)) return;
    if (!edited || edited.version !== document.version || edited.generation !== this.generation || edited.dirty.end - edited.dirty.start > MAX_INCREMENTAL_CHARS) {
      this.run(document, 'edit');
      return;
    }
    const started = performance.now();
    const text = document.getText();
    // Whole sentences around the dirty region, plus one on each side (an edit can split or join sentences).
    const core = sentenceAround(text, edited.dirty.start, edited.dirty.end) ?? edited.dirty;
    const around = sentenceAround(text, Math.max(0, core.start - 2), Math.min(text.length, core.end + 2)) ?? core;
    // With document context an edit changes the neighbours of every sentence of its paragraph.
    const region = this.grownToParagraphs(text, around.start, around.end);
    const controller = new AbortController();
    this.running.set(k, controller);
    const current = this.startJob(k);
    this.emitBusy();
    try {
      const fresh = await this.client.highlight(text.slice(region.start, region.end), { threshold: readConfig(document).confidenceThreshold, signal: controller.signal });
      if (document.isClosed || document.version !== edited.version || !current()) return;
      const entities = spliceRegion(edited.entities, region, offsetSpans(fresh, region.start));
      this.highlighted.set(k, { version: edited.version, entities, generation: edited.generation });
      this.draw(k, entities);
      this.painted.fire({ uri: k, scope: 'full', ms: performance.now() - started, trigger: 'edit' });
      this.log(`edit: ${region.end - region.start} characters around the change re-highlighted in ${Math.round(performance.now() - started)} ms`);
    } catch (error) {
      if (!(error instanceof CancelledError)) throw error;
    } finally {
      if (this.running.get(k) === controller) this.running.delete(k);
      this.emitBusy();
    }
  }

  private onVisibleEditors(editors: readonly vscode.TextEditor[]): void {
    // A newly shown editor has no decorations yet.
    for (const editor of editors) {
      const k = key(editor.document);
      const state = this.highlighted.get(k);
      if (state) this.decorations.apply(editor, state.entities);
      if (this.stale.delete(k)) this.run(editor.document, 'settings');
    }
    this.autoHighlightVisible();
  }

  private forget(document: vscode.TextDocument): void {
    const k = key(document);
    this.running.get(k)?.abort();
    this.running.delete(k);
    clearTimeout(this.timers.get(k));
    this.timers.delete(k);
    this.highlighted.delete(k);
    this.edited.delete(k);
    this.stale.delete(k);
    this.latestJob.delete(k);
  }

  private emitBusy(progress?: string): void {
    for (const l of this.busyListeners) l(this.running.size, progress);
  }

  dispose(): void {
    for (const c of this.running.values()) c.abort();
    for (const t of this.timers.values()) clearTimeout(t);
    this.running.clear();
    this.timers.clear();
    this.highlighted.clear();
    this.edited.clear();
    this.latestJob.clear();
    this.busyListeners.clear();
    this.painted.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}

function key(document: vscode.TextDocument): string {
  return document.uri.toString();
}

/** Editors also show output channels and other non-file documents: leave those alone. */
function isTextDocument(document: vscode.TextDocument): boolean {
  return document.uri.scheme === 'file' || document.uri.scheme === 'untitled';
}
