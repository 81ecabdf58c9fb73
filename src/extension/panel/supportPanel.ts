// The "Support Set & Adapters" webview panel: one at a time, strict CSP (a fresh nonce per render, only the
// extension's own dist/ as a resource root, nothing remote), state pushed on 'ready' and on every change.
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import type { PanelMessage, PanelRequest, PanelState } from './panelProtocol';
import { panelHtml } from './panelHtml';

/** What the panel shows and what its buttons do; wired to the support store and adapters by panelHost.ts. */
export interface PanelHost {
  getState(): Promise<PanelState>;
  onRequest(request: Exclude<PanelRequest, { type: 'ready' }>): Promise<void>;
  onDidChange(listener: () => void): vscode.Disposable;
}

const CHANGE_DEBOUNCE_MS = 100;

export class SupportPanel implements vscode.Disposable {
  /** The open panel, if any. */
  static current: SupportPanel | undefined;

  private readonly subscriptions: vscode.Disposable[] = [];
  private lastState: PanelState | undefined;
  private ready!: Promise<void>;
  private markReady!: () => void;
  private timer: NodeJS.Timeout | undefined;

  static show(context: vscode.ExtensionContext, host: PanelHost): SupportPanel {
    if (SupportPanel.current) {
      SupportPanel.current.panel.reveal();
      return SupportPanel.current;
    }
    const dist = vscode.Uri.joinPath(context.extensionUri, 'dist');
    const panel = vscode.window.createWebviewPanel('baner.supportPanel', 'BANER: Support Set & Adapters', vscode.ViewColumn.Beside, {
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
      panel.webview.onDidReceiveMessage((message: PanelRequest) => this.onMessage(message)),
      host.onDidChange(() => {
        clearTimeout(this.timer);
        this.timer = setTimeout(() => void this.sendState(), CHANGE_DEBOUNCE_MS);
      }),
    );
  }

  /** The state most recently posted to the webview. */
  lastStateSent(): PanelState | undefined {
    return this.lastState;
  }

  /** Resolves once the webview's script has started and asked for its state. */
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

  private async onMessage(message: PanelRequest): Promise<void> {
    if (message.type === 'ready') {
      await this.sendState();
      this.markReady();
      return;
    }
    try {
      await this.host.onRequest(message);
    } catch (error) {
      await this.post({ type: 'error', message: (error as Error).message });
    }
    await this.sendState();
  }

  private async sendState(): Promise<void> {
    try {
      const state = await this.host.getState();
      await this.post({ type: 'state', state });
      this.lastState = state;
    } catch (error) {
      await this.post({ type: 'error', message: `could not read the support set: ${(error as Error).message}` });
    }
  }

  private post(message: PanelMessage): Thenable<boolean> {
    return this.panel.webview.postMessage(message);
  }

  private disposed = false;

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (SupportPanel.current === this) SupportPanel.current = undefined;
    clearTimeout(this.timer);
    for (const s of this.subscriptions) s.dispose();
    this.panel.dispose();
  }
}
