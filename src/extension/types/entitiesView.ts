// The "BANER: Entities" view: the entities of the current document (what the Highlighter drew, refreshed on its
// paints, debounced) and, when asked for (Scan Workspace Entities), those of the workspace's text files, each
// grouped by type with counts ("DRUG (12)" -> "Lipitor  clinic-notes.md:7 (0.93)"). A click selects the mention in
// its editor. Filters: by type (several) and by a minimum confidence, shown in the view's description and message.
// The workspace is only ever scanned on request: it runs every file through the model.
import * as vscode from 'vscode';
import { guardedAsInformation } from '../commandGuard';
import { nearestOccurrence } from '../../core/support/locateExamples';
import type { Entity } from '../../worker/protocol';
import { CancelledError, type EngineClient } from '../engineClient';
import type { Highlighter } from '../highlights';
import { readConfig } from '../config';
import { EntityDecorations } from '../decorations';
import { findWorkspaceTextFiles, WORKSPACE_TEXT_FILES } from '../workspaceTextFiles';

/** Delay between a paint of the current document and the view's refresh. */
const REFRESH_DEBOUNCE_MS = 300;

export interface Mention {
  uri: vscode.Uri;
  /** Workspace-relative path, for display. */
  path: string;
  /** 0-based line of the start. */
  line: number;
  /** Document offsets. */
  start: number;
  end: number;
  text: string;
  label: string;
  score: number;
}

export type Scope = 'document' | 'workspace';

export type EntityNode =
  | { kind: 'section'; scope: Scope }
  | { kind: 'type'; scope: Scope; label: string; mentions: Mention[] }
  | { kind: 'mention'; scope: Scope; mention: Mention }
  | { kind: 'note'; scope: Scope; text: string; command?: vscode.Command };

/** The view as shown (for tests): each node's label and description, its children below it. */
export interface ViewRow {
  label: string;
  description?: string;
  node: EntityNode;
  children?: ViewRow[];
}

export interface EntitiesFilter {
  /** Types shown; undefined: all. */
  types?: ReadonlySet<string>;
  /** Mentions below this confidence are hidden (0: none). */
  minScore: number;
}

interface WorkspaceScan {
  files: number;
  mentions: Mention[];
  /** Cancelled after this many of `total` files. */
  cancelledAfter?: number;
  total: number;
  /** Set when the model, adapter or types changed since the scan. */
  stale?: boolean;
}

export class EntitiesView implements vscode.TreeDataProvider<EntityNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<EntityNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private view: vscode.TreeView<EntityNode> | undefined;
  private filter: EntitiesFilter = { minScore: 0 };
  private workspace: WorkspaceScan | undefined;
  private scanning: AbortController | undefined;
  /** The document listed under "current file": the active editor's, kept while another kind of editor is active. */
  private current: vscode.TextDocument | undefined;
  /** Its mentions, grouped, for the document version they were computed from. */
  private documentCache: { key: string; mentions: Mention[] } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly highlighter: Highlighter,
    private readonly engine: EngineClient,
    private readonly log: (line: string) => void,
  ) {
    this.current = usable(vscode.window.activeTextEditor?.document);
    this.subscriptions.push(
      highlighter.onDidPaint((paint) => {
        if (paint.scope === 'full' && paint.uri === this.current?.uri.toString()) this.refreshSoon();
      }),
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        const document = usable(editor?.document);
        if (!document || document === this.current) return;
        this.current = document;
        this.refreshSoon();
      }),
      vscode.workspace.onDidCloseTextDocument((document) => {
        if (document !== this.current) return;
        this.current = usable(vscode.window.activeTextEditor?.document);
        this.refreshSoon();
      }),
      EntityDecorations.onDidChangeColours(() => this.changed.fire(undefined)),
    );
  }

  register(): vscode.Disposable[] {
    this.view = vscode.window.createTreeView('baner.entities', { treeDataProvider: this, showCollapseAll: true });
    this.showFilter();
    return [
      this.view,
      vscode.commands.registerCommand('baner.entities.reveal', (target?: Mention | EntityNode) => guardedAsInformation(() => this.reveal(target))),
      vscode.commands.registerCommand('baner.entities.scanWorkspace', (args?: { include?: string }) => guardedAsInformation(() => this.scanWorkspace(args))),
      vscode.commands.registerCommand('baner.entities.filterByType', (args?: { types?: string[] | null }) => guardedAsInformation(() => this.filterByType(args))),
      vscode.commands.registerCommand('baner.entities.filterByConfidence', (args?: { min?: number | null }) => guardedAsInformation(() => this.filterByConfidence(args))),
    ];
  }

  /** The filter in use. */
  get activeFilter(): EntitiesFilter {
    return this.filter;
  }

  /** The workspace scan's results are out of date (the model, the adapter or the types changed). */
  markWorkspaceStale(): void {
    if (!this.workspace || this.workspace.stale) return;
    this.workspace.stale = true;
    this.changed.fire(undefined);
  }

  /** The tree as the view shows it now, every node expanded, and the view's description and message (for tests). */
  snapshot(): { description?: string; message?: string; rows: ViewRow[] } {
    const walk = (node?: EntityNode): ViewRow[] =>
      this.getChildren(node).map((child) => {
        const item = this.getTreeItem(child);
        const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
        const row: ViewRow = { label, node: child };
        if (typeof item.description === 'string') row.description = item.description;
        if (child.kind === 'section' || child.kind === 'type') row.children = walk(child);
        return row;
      });
    const { description, message } = this.filterText();
    return { description, message, rows: walk() };
  }

  getTreeItem(node: EntityNode): vscode.TreeItem {
    switch (node.kind) {
      case 'section': {
        const document = node.scope === 'document';
        const item = new vscode.TreeItem(document ? 'Current file' : 'Workspace', vscode.TreeItemCollapsibleState.Expanded);
        item.id = `section/${node.scope}`;
        item.description = document ? (this.current ? vscode.workspace.asRelativePath(this.current.uri, false) : 'no text editor') : this.workspaceDescription();
        item.contextValue = `banerEntitiesSection-${node.scope}`;
        return item;
      }
      case 'type': {
        const item = new vscode.TreeItem(`${node.label} (${node.mentions.length})`, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `type/${node.scope}/${node.label}`;
        item.iconPath = new vscode.ThemeIcon('symbol-constant', new vscode.ThemeColor('foreground'));
        item.tooltip = new vscode.MarkdownString(`<span style="color:${EntityDecorations.hex(node.label)};">■</span> **${escapeMarkdown(node.label)}**: ${node.mentions.length} mention${node.mentions.length === 1 ? '' : 's'}`, true);
        item.tooltip.supportHtml = true;
        item.contextValue = 'banerEntityType';
        return item;
      }
      case 'mention': {
        const m = node.mention;
        const item = new vscode.TreeItem(m.text, vscode.TreeItemCollapsibleState.None);
        item.id = `mention/${node.scope}/${m.uri.toString()}/${m.start}`;
        item.description = mentionDescription(m);
        item.tooltip = `${m.text} (${m.label}, confidence ${m.score.toFixed(2)}), ${m.path}:${m.line + 1}`;
        item.command = { command: 'baner.entities.reveal', title: 'Go to the mention', arguments: [m] };
        item.contextValue = 'banerEntityMention';
        return item;
      }
      case 'note': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.id = `note/${node.scope}`;
        if (node.command) item.command = node.command;
        return item;
      }
    }
  }

  getChildren(node?: EntityNode): EntityNode[] {
    if (!node) return [{ kind: 'section', scope: 'document' }, { kind: 'section', scope: 'workspace' }];
    if (node.kind === 'type') return node.mentions.map((mention) => ({ kind: 'mention', scope: node.scope, mention }));
    if (node.kind !== 'section') return [];
    if (node.scope === 'document') {
      const mentions = this.documentMentions();
      if (!mentions) return [{ kind: 'note', scope: 'document', text: this.current ? 'Not highlighted: run "Highlight Entities in File"' : 'Open a text file', command: this.current ? { command: 'baner.highlightEntities', title: 'Highlight Entities in File' } : undefined }];
      return this.grouped('document', mentions);
    }
    if (!this.workspace) return [{ kind: 'note', scope: 'workspace', text: 'Scan Workspace Entities to list them', command: { command: 'baner.entities.scanWorkspace', title: 'Scan Workspace Entities' } }];
    return this.grouped('workspace', this.workspace.mentions);
  }

  getParent(): undefined {
    return undefined;
  }

  /** Mentions that pass the filter, grouped by type, most frequent first; a note when the filter hides them all. */
  private grouped(scope: Scope, mentions: readonly Mention[]): EntityNode[] {
    const byType = new Map<string, Mention[]>();
    for (const m of mentions) {
      if (m.score < this.filter.minScore || (this.filter.types && !this.filter.types.has(m.label))) continue;
      let list = byType.get(m.label);
      if (!list) byType.set(m.label, (list = []));
      list.push(m);
    }
    const types: EntityNode[] = [...byType]
      .sort(([a, x], [b, y]) => y.length - x.length || a.localeCompare(b))
      .map(([label, list]) => ({ kind: 'type', scope, label, mentions: list }));
    if (types.length > 0) return types;
    return [{ kind: 'note', scope, text: mentions.length > 0 ? 'No entity passes the filters' : 'No entities' }];
  }

  /** The current document's highlighted entities as mentions; undefined when it is not highlighted. */
  private documentMentions(): Mention[] | undefined {
    const document = this.current;
    if (!document || document.isClosed) return undefined;
    const state = this.highlighter.get(document);
    if (!state) return undefined;
    const key = `${document.uri.toString()}@${state.version}#${state.entities.length}`;
    if (this.documentCache?.key === key) return this.documentCache.mentions;
    // Entities of an older version (an edit is being re-highlighted) are shown until the next paint; their
    // offsets are clamped so that positionAt never sees a position past the end.
    const length = document.getText().length;
    const path = vscode.workspace.asRelativePath(document.uri, false);
    const mentions = state.entities.map((e) => toMention(document.uri, path, e, document.positionAt(Math.min(e.start, length)).line));
    this.documentCache = { key, mentions };
    return mentions;
  }

  /**
   * Highlights the workspace's text files, or those matching `args.include` (a glob), with progress, cancellable;
   * resolves to the number of files scanned.
   */
  async scanWorkspace(args: { include?: string } = {}): Promise<number> {
    const include = typeof args?.include === 'string' && args.include.trim() !== '' ? args.include : WORKSPACE_TEXT_FILES;
    this.scanning?.abort();
    const controller = new AbortController();
    this.scanning = controller;
    const started = Date.now();
    const scan = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'BANER: finding the entities of the workspace', cancellable: true },
      async (progress, token): Promise<WorkspaceScan> => {
        token.onCancellationRequested(() => controller.abort());
        const files = await findWorkspaceTextFiles(include);
        files.sort((a, b) => a.toString().localeCompare(b.toString()));
        const mentions: Mention[] = [];
        let scanned = 0;
        for (const uri of files) {
          if (controller.signal.aborted) break;
          const path = vscode.workspace.asRelativePath(uri, false);
          progress.report({ message: path, increment: 100 / Math.max(1, files.length) });
          const document = await vscode.workspace.openTextDocument(uri);
          const config = readConfig(document);
          const text = document.getText();
          if (text.length > config.maxDocumentSize) {
            this.log(`entities: ${path} skipped, larger than baner.maxDocumentSize`);
            continue;
          }
          let entities: Entity[];
          try {
            entities = await this.engine.highlight(text, { threshold: config.confidenceThreshold, signal: controller.signal });
          } catch (error) {
            if (error instanceof CancelledError || controller.signal.aborted) break;
            throw error;
          }
          for (const e of entities) mentions.push(toMention(uri, path, e, document.positionAt(e.start).line));
          scanned++;
        }
        return { files: scanned, mentions, total: files.length, cancelledAfter: controller.signal.aborted ? scanned : undefined };
      },
    );
    if (this.scanning === controller) this.scanning = undefined;
    this.workspace = scan;
    this.changed.fire(undefined);
    this.log(`entities: ${scan.mentions.length} in ${scan.files} of ${scan.total} files (${Date.now() - started} ms)${scan.cancelledAfter !== undefined ? ', cancelled' : ''}`);
    return scan.files;
  }

  /** Opens the mention's document and selects it (found near its offset when the text moved since). */
  async reveal(target?: Mention | EntityNode): Promise<boolean> {
    const mention = target && 'kind' in target ? (target.kind === 'mention' ? target.mention : undefined) : target;
    if (!mention) return false;
    const uri = typeof mention.uri === 'string' ? vscode.Uri.parse(mention.uri) : mention.uri;
    const document = await vscode.workspace.openTextDocument(uri);
    const text = document.getText();
    const at = nearestOccurrence(text, mention.text, mention.start);
    if (at < 0) throw new Error(`"${mention.text}" is no longer in ${mention.path}: scan again.`);
    const editor = await vscode.window.showTextDocument(document, { preserveFocus: false });
    const range = new vscode.Range(document.positionAt(at), document.positionAt(at + mention.text.length));
    editor.selection = new vscode.Selection(range.start, range.end);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    return true;
  }

  /** Shows only the types given (args) or picked (a multi-select quick pick); none or null: every type. */
  async filterByType(args?: { types?: string[] | null }): Promise<readonly string[] | undefined> {
    let types: string[] | undefined;
    if (args && 'types' in args) {
      types = args.types === null || args.types === undefined || args.types.length === 0 ? undefined : args.types.filter((t) => typeof t === 'string');
    } else {
      const known = this.knownTypes();
      if (known.length === 0) throw new Error('no entity to filter: highlight a file or scan the workspace first.');
      const picked = await vscode.window.showQuickPick(
        known.map(({ label, count }) => ({ label, description: `${count} mention${count === 1 ? '' : 's'}`, picked: !this.filter.types || this.filter.types.has(label) })),
        { title: 'BANER: entity types to show', placeHolder: 'Pick the types to list (none: all)', canPickMany: true },
      );
      if (!picked) return this.filter.types && [...this.filter.types];
      types = picked.length === 0 || picked.length === known.length ? undefined : picked.map((p) => p.label);
    }
    this.filter = { ...this.filter, types: types && new Set(types) };
    this.filtered();
    return types;
  }

  /** Hides mentions below a confidence (args.min, or typed in); 0 or null shows them all. */
  async filterByConfidence(args?: { min?: number | null }): Promise<number | undefined> {
    let min: number;
    if (args && 'min' in args) {
      min = args.min ?? 0;
      if (typeof min !== 'number' || !Number.isFinite(min) || min < 0 || min > 1) throw new Error('the minimum confidence is a number from 0 to 1.');
    } else {
      const typed = await vscode.window.showInputBox({
        title: 'BANER: minimum confidence of the entities listed',
        prompt: 'A number from 0 to 1 (empty or 0: all)',
        value: this.filter.minScore > 0 ? String(this.filter.minScore) : '',
        validateInput: (v) => (v.trim() === '' || (Number.isFinite(Number(v)) && Number(v) >= 0 && Number(v) <= 1) ? undefined : 'A number from 0 to 1, e.g. 0.8'),
      });
      if (typed === undefined) return this.filter.minScore;
      min = typed.trim() === '' ? 0 : Number(typed);
    }
    this.filter = { ...this.filter, minScore: min };
    this.filtered();
    return min;
  }

  /** Types of what the view lists (before filtering), with their counts. */
  private knownTypes(): Array<{ label: string; count: number }> {
    const counts = new Map<string, number>();
    for (const m of [...(this.documentMentions() ?? []), ...(this.workspace?.mentions ?? [])]) counts.set(m.label, (counts.get(m.label) ?? 0) + 1);
    for (const t of this.filter.types ?? []) if (!counts.has(t)) counts.set(t, 0);
    return [...counts].map(([label, count]) => ({ label, count })).sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
  }

  private filtered(): void {
    this.showFilter();
    this.changed.fire(undefined);
  }

  private showFilter(): void {
    if (!this.view) return;
    const { description, message } = this.filterText();
    this.view.description = description;
    this.view.message = message;
  }

  private filterText(): { description?: string; message?: string } {
    const parts: string[] = [];
    if (this.filter.types) parts.push([...this.filter.types].join(', '));
    if (this.filter.minScore > 0) parts.push(`≥ ${this.filter.minScore.toFixed(2)}`);
    if (parts.length === 0) return {};
    const types = this.filter.types ? `types ${[...this.filter.types].join(', ')}` : undefined;
    const score = this.filter.minScore > 0 ? `confidence ≥ ${this.filter.minScore.toFixed(2)}` : undefined;
    return { description: parts.join(' · '), message: `Filtered: ${[types, score].filter(Boolean).join('; ')}` };
  }

  private workspaceDescription(): string {
    const scan = this.workspace;
    if (!scan) return 'not scanned';
    const files = scan.cancelledAfter !== undefined ? `${scan.files} of ${scan.total} files (cancelled)` : `${scan.files} file${scan.files === 1 ? '' : 's'}`;
    return `${files}${scan.stale ? ' · out of date: scan again' : ''}`;
  }

  private refreshSoon(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.changed.fire(undefined);
    }, REFRESH_DEBOUNCE_MS);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.scanning?.abort();
    this.changed.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}

/** "clinic-notes.md:7 (0.93)". */
export function mentionDescription(m: Pick<Mention, 'path' | 'line' | 'score'>): string {
  return `${m.path}:${m.line + 1} (${m.score.toFixed(2)})`;
}

function toMention(uri: vscode.Uri, path: string, e: Entity, line: number): Mention {
  return { uri, path, line, start: e.start, end: e.end, text: e.text, label: e.label, score: e.score };
}

/** Documents whose entities the view lists: files and untitled text, not output channels or settings. */
function usable(document: vscode.TextDocument | undefined): vscode.TextDocument | undefined {
  return document && (document.uri.scheme === 'file' || document.uri.scheme === 'untitled') ? document : undefined;
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!<>&|~]/g, (c) => `\\${c}`);
}
