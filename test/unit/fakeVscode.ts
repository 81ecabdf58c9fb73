// A stand-in for the parts of the `vscode` module that the extension's editor-independent classes use
// (Highlighter, SupportStore), so that their logic is tested in plain Node, deterministically. Installed by
// requiring this file before the code under test (which must then be loaded with require(), not a hoisted import).
import Module from 'node:module';

type Listener<T> = (value: T) => void;

export class EventEmitter<T> {
  private readonly listeners = new Set<Listener<T>>();
  readonly event = (listener: Listener<T>) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };
  fire(value: T): void {
    for (const l of [...this.listeners]) l(value);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

class Disposable {
  constructor(private readonly onDispose: () => void) {}
  static from(...items: Array<{ dispose(): unknown }>): Disposable {
    return new Disposable(() => items.forEach((i) => i.dispose()));
  }
  dispose(): void {
    this.onDispose();
  }
}

class RelativePattern {
  constructor(
    readonly base: unknown,
    readonly pattern: string,
  ) {}
}

/** A file watcher whose events the test fires. */
export interface FakeWatcher {
  pattern: RelativePattern;
  change: EventEmitter<unknown>;
  create: EventEmitter<unknown>;
  remove: EventEmitter<unknown>;
}

export interface FakeDocument {
  uri: { scheme: string; fsPath?: string; toString(): string };
  version: number;
  isClosed: boolean;
  getText(): string;
}

/** What the tests drive and observe. */
export const fake = {
  documentChanges: new EventEmitter<unknown>(),
  visibleEditorChanges: new EventEmitter<unknown>(),
  editors: [] as Array<{ document: FakeDocument; visibleRanges: unknown[] }>,
  watchers: [] as FakeWatcher[],
  /** Messages shown, by kind, in order. */
  messages: { warning: [] as string[], error: [] as string[], information: [] as string[] },
};

const show = (kind: keyof typeof fake.messages) => (message: string) => {
  fake.messages[kind].push(message);
  return Promise.resolve(undefined);
};

export const vscode = {
  EventEmitter,
  Disposable,
  RelativePattern,
  workspace: {
    onDidChangeTextDocument: fake.documentChanges.event,
    onDidCloseTextDocument: new EventEmitter<unknown>().event,
    textDocuments: [] as FakeDocument[],
    asRelativePath: (uri: { toString(): string }) => uri.toString(),
    getConfiguration: () => ({ get: <T>(_key: string, fallback: T) => fallback }),
    createFileSystemWatcher: (pattern: RelativePattern) => {
      const watcher: FakeWatcher = { pattern, change: new EventEmitter(), create: new EventEmitter(), remove: new EventEmitter() };
      fake.watchers.push(watcher);
      return { onDidChange: watcher.change.event, onDidCreate: watcher.create.event, onDidDelete: watcher.remove.event, dispose: () => {} };
    },
  },
  window: {
    onDidChangeVisibleTextEditors: fake.visibleEditorChanges.event,
    visibleTextEditors: fake.editors,
    showWarningMessage: show('warning'),
    showErrorMessage: show('error'),
    showInformationMessage: show('information'),
  },
  languages: { match: () => 0 },
};

const internals = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
const load = internals._load;
internals._load = function (request: string, ...rest: unknown[]) {
  return request === 'vscode' ? vscode : load.call(this, request, ...rest);
};
