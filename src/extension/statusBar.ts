// Status bar item: the model, the active adapter, what the engine is doing (idle / highlighting / adapting n%),
// and in its tooltip a legend of the entity types with their highlight colours.
import * as vscode from 'vscode';
import { basename } from 'node:path';
import type { EngineClient, EngineState } from './engineClient';
import type { Highlighter } from './highlights';
import type { AdaptCommand, AdaptingState } from './adapt/adaptCommand';
import { EntityDecorations } from './decorations';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('baner.status', vscode.StatusBarAlignment.Right, 100);
  private readonly subscriptions: vscode.Disposable[];
  private busy = 0;
  private progress: string | undefined;
  private adapting: AdaptingState | undefined;

  constructor(
    private readonly client: EngineClient,
    highlighter: Highlighter,
    adapt: AdaptCommand,
  ) {
    this.item.name = 'BANER';
    this.subscriptions = [
      client.onDidChangeState(() => this.render()),
      highlighter.onDidChangeBusy((busy, progress) => {
        this.busy = busy;
        this.progress = busy > 0 ? progress : undefined;
        this.render();
      }),
      adapt.onDidChange((state) => {
        const changed = state?.percent !== this.adapting?.percent || (state === undefined) !== (this.adapting === undefined);
        this.adapting = state;
        if (changed) this.render();
      }),
    ];
    this.render();
    this.item.show();
  }

  /** The text shown now (for tests). */
  get text(): string {
    return this.item.text;
  }

  private render(): void {
    const state: EngineState = this.client.state;
    const model = state.kind === 'ready' ? state.info.model : basename(this.client.modelDirectory);
    const adapter = state.kind === 'ready' ? state.info.adapter : undefined;
    const tooltip = new vscode.MarkdownString(`**BANER** — model \`${model}\`${adapter ? `, adapter \`${adapter}\`` : ''}\n\n`);
    tooltip.supportHtml = true;
    tooltip.isTrusted = { enabledCommands: ['baner.showSupportPanel', 'baner.cancelAdaptation'] };
    let icon = '$(tag)';
    let doing = 'idle';
    this.item.command = 'baner.highlightEntities';
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
      // The legend: each type in its highlight colour.
      const legend = info.labels.map((l) => `<span style="color:${EntityDecorations.hex(l)};">■</span>&nbsp;${escapeHtml(l)}`).join(' &nbsp; ');
      tooltip.appendMarkdown(`${legend}\n\nRuns on: ${info.provider}  \nLoaded from ${info.modelDir} in ${info.loadMs} ms`);
    } else {
      tooltip.appendText('The model loads on first use.');
    }
    if (this.busy > 0 && state.kind !== 'failed') {
      icon = '$(sync~spin)';
      doing = this.progress ? `highlighting ${this.progress}` : 'highlighting';
    }
    if (this.adapting) {
      icon = '$(sync~spin)';
      doing = `adapting ${this.adapting.percent}%`;
      this.item.command = 'baner.cancelAdaptation';
      tooltip.appendMarkdown('\n\nAdapting: [cancel](command:baner.cancelAdaptation)');
    } else {
      tooltip.appendMarkdown('\n\nClick to highlight entities in the current file; [support set & adapters](command:baner.showSupportPanel).');
    }
    this.item.text = `${icon} ${model}${adapter ? ` + ${adapter}` : ''}: ${doing}`;
    this.item.tooltip = tooltip;
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.item.dispose();
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
