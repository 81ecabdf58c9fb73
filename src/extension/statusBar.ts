// Status bar item: the model and what the engine is doing.
import * as vscode from 'vscode';
import { basename } from 'node:path';
import type { EngineClient, EngineState } from './engineClient';
import type { Highlighter } from './highlights';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('baner.status', vscode.StatusBarAlignment.Right, 100);
  private readonly subscriptions: vscode.Disposable[];
  private busy = 0;
  private progress: string | undefined;

  constructor(private readonly client: EngineClient, highlighter: Highlighter) {
    this.item.name = 'BANER';
    this.item.command = 'baner.highlightEntities';
    this.subscriptions = [
      client.onDidChangeState(() => this.render()),
      highlighter.onDidChangeBusy((busy, progress) => {
        this.busy = busy;
        this.progress = busy > 0 ? progress : undefined;
        this.render();
      }),
    ];
    this.render();
    this.item.show();
  }

  private render(): void {
    const state: EngineState = this.client.state;
    const model = state.kind === 'ready' ? state.info.model : basename(this.client.modelDirectory);
    const tooltip = new vscode.MarkdownString(`**BANER** — model \`${model}\`\n\n`);
    let icon = '$(tag)';
    let doing = 'idle';
    this.item.backgroundColor = undefined;
    if (state.kind === 'loading') {
      icon = '$(loading~spin)';
      doing = 'loading';
      tooltip.appendText(`Loading ${state.modelDir}`);
    } else if (state.kind === 'failed') {
      icon = '$(error)';
      doing = 'error';
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
      tooltip.appendText(state.message);
    } else if (state.kind === 'ready') {
      const { info } = state;
      tooltip.appendMarkdown(`Types: ${info.labels.join(', ')}  \nRuns on: ${info.provider}  \nLoaded from ${info.modelDir} in ${info.loadMs} ms`);
    } else {
      tooltip.appendText('The model loads on first use.');
    }
    if (this.busy > 0 && state.kind !== 'failed') {
      icon = '$(sync~spin)';
      doing = this.progress ? `highlighting ${this.progress}` : 'highlighting';
    }
    tooltip.appendMarkdown('\n\nClick to highlight entities in the current file.');
    this.item.text = `${icon} ${model}: ${doing}`;
    this.item.tooltip = tooltip;
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.item.dispose();
  }
}
