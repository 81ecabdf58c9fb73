// The "Support Set & Adapters" webview panel: one at a time, strict CSP (a fresh nonce per render, only the
// extension's own dist/ as a resource root, nothing remote), state pushed on 'ready' and on every change.
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import type { PanelMessage, PanelRequest, PanelState } from './panelProtocol';
import { panelHtml } from './panelHtml';
import { checkPanelRequest } from './panelRequestSchema';

export { panelHtml };

/** What the panel shows and what its buttons do; wired to the support store and adapters by panelHost.ts. */
export interface PanelHost {
  getState(): Promise<PanelState>;
  onRequest(request: Exclude<PanelRequest, { type: 'ready' }>): Promise<void>;
  onDidChange(listener: () => void): vscode.Disposable;
  /** The extension's log (the BANER output channel). */
  log(line: string): void;
}

const CHANGE_DEBOUNCE_MS = 100;

export class SupportPanel implements vscode.Disposable {
  /** The open panel, if any. */
  static current: SupportPanel | undefined;

  static readonly viewType = 'baner.supportPanel';

  private readonly subscriptions: vscode.Disposable[] = [];
  private lastState: PanelState | undefined;
  private ready!: Promise<void>;
  private markReady!: () => void;
  private timer: NodeJS.Timeout | undefined;
  /** Numbers the state reads, so that a slow read never overwrites a newer one in the webview. */
  private stateSeq = 0;
  private disposed = false;

  /** Opens the panel beside the editor, or reveals the one already open. */
  static show(context: vscode.ExtensionContext, host: PanelHost): SupportPanel {
    if (SupportPanel.current) {
      SupportPanel.current.panel.reveal();
      return SupportPanel.current;
    }
    const dist = vscode.Uri.joinPath(context.extensionUri, 'dist');
    const panel = vscode.window.createWebviewPanel(SupportPanel.viewType, 'BANER: Support Set & Adapters', vscode.ViewColumn.Beside, {
      enableScripts: true,
      localResourceRoots: [dist],
      retainContextWhenHidden: false,
    });
    SupportPanel.current = new SupportPanel(panel, dist, host);
    return SupportPanel.current;
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly dist: vscode.Uri,
    private readonly host: PanelHost,
  ) {
    this.resetReady();
    this.render();
    this.subscriptions.push(
      panel.onDidDispose(() => this.dispose()),
      // A hidden webview is torn down (retainContextWhenHidden: false): it says 'ready' again when shown.
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.resetReady();
      }),
      panel.webview.onDidReceiveMessage((message: unknown) => void this.onMessage(message)),
      host.onDidChange(() => {
        clearTimeout(this.timer);
        this.timer = setTimeout(() => {
          // While hidden there is no page to update; it asks for the state when shown again.
          if (this.panel.visible) void this.sendState();
        }, CHANGE_DEBOUNCE_MS);
      }),
    );
  }

  /** The state most recently delivered to the webview. */
  lastStateSent(): PanelState | undefined {
    return this.lastState;
  }

  /** Resolves once the webview's script has started, asked for its state and been sent it. */
  whenReady(): Promise<void> {
    return this.ready;
  }

  private resetReady(): void {
    this.ready = new Promise((resolve) => (this.markReady = resolve));
  }

  private render(): void {
    const webview = this.panel.webview;
    webview.html = panelHtml({
      cspSource: webview.cspSource,
      nonce: randomBytes(16).toString('base64'),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.dist, 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.dist, 'webview.css')).toString(),
    });
  }

  private async onMessage(raw: unknown): Promise<void> {
    if (this.disposed) return;
    // Every field is checked: a malformed message is dropped, never acted on.
    const checked = checkPanelRequest(raw);
    if (!checked.ok) {
      this.host.log(`panel: dropped ${checked.problem}`);
      return;
    }
    const message: PanelRequest = checked.request;
    if (message.type === 'ready') {
      await this.sendState();
      this.markReady();
      return;
    }
    try {
      await this.host.onRequest(message);
    } catch (error) {
      await this.post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    }
    // The change usually fires too (debounced); answering at once keeps the page in step with the action.
    await this.sendState();
  }

  private async sendState(): Promise<void> {
    const seq = ++this.stateSeq;
    let state: PanelState;
    try {
      state = await this.host.getState();
    } catch (error) {
      await this.post({ type: 'error', message: `Could not read the support set: ${error instanceof Error ? error.message : String(error)}` });
      return;
    }
    if (seq !== this.stateSeq) return; // a newer read is under way
    if (await this.post({ type: 'state', state })) this.lastState = state;
  }

  /** Posts to the page; false when it is gone (hidden or disposed) and the message was dropped. */
  private async post(message: PanelMessage): Promise<boolean> {
    if (this.disposed) return false;
    try {
      return await this.panel.webview.postMessage(message);
    } catch {
      return false; // disposed meanwhile
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (SupportPanel.current === this) SupportPanel.current = undefined;
    clearTimeout(this.timer);
    for (const s of this.subscriptions) s.dispose();
    this.panel.dispose();
  }
}
