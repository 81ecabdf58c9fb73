// Typed view of the `baner.*` settings.
import * as vscode from 'vscode';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { ExecutionPreference } from '../core/model/onnxSessions';
import { TRAINING_BACKENDS, type TrainingBackendPreference } from '../core/model/trainingBackendChoice';
import { BUNDLED_MODELS } from '../core/model/modelDirectory';

export const SECTION = 'baner';

export interface BanerConfig {
  /** Model directory; '' = the bundled transformer, `models/cnn` = the bundled CNN (relative to the extension). */
  modelPath: string;
  /** Entities scoring below this are not shown (0..1). */
  confidenceThreshold: number;
  /** Globs (`*.md`, `docs/**`) or language ids (`markdown`) of documents highlighted when opened. */
  autoHighlight: string[];
  /** Documents longer than this (characters) are not highlighted. */
  maxDocumentSize: number;
  /** Where the encoder runs: 'auto' tries CUDA, else the CPU; 'cuda' is CUDA or an error. */
  backend: ExecutionPreference;
  /** What adaptation trains on: 'auto' takes the fastest TensorFlow.js backend that starts; another is that one or an error. */
  trainingBackend: TrainingBackendPreference;
}

const BACKENDS: readonly ExecutionPreference[] = ['auto', 'cpu', 'cuda'];
const TRAINING_PREFERENCES: readonly TrainingBackendPreference[] = ['auto', ...TRAINING_BACKENDS];

export function readConfig(scope?: vscode.ConfigurationScope): BanerConfig {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  const threshold = c.get<number>('confidenceThreshold', 0.5);
  return {
    modelPath: c.get<string>('modelPath', '').trim(),
    confidenceThreshold: Number.isFinite(threshold) ? Math.min(1, Math.max(0, threshold)) : 0.5,
    autoHighlight: (c.get<unknown[]>('autoHighlight', []) ?? []).filter((p): p is string => typeof p === 'string' && p.trim() !== ''),
    maxDocumentSize: Math.max(1, c.get<number>('maxDocumentSize', 2_000_000)),
    backend: BACKENDS.find((b) => b === c.get<string>('backend', 'auto')) ?? 'auto',
    trainingBackend: TRAINING_PREFERENCES.find((b) => b === c.get<string>('trainingBackend', 'auto')) ?? 'auto',
  };
}

/** The model directory to load: the setting (with `~` expanded) or the bundled transformer. */
export function resolveModelDir(config: BanerConfig, extensionPath: string): string {
  return resolveModelPath(config.modelPath, extensionPath);
}

/**
 * A `baner.modelPath` value as a folder: '' is the default bundled model (models/transformer); a relative path
 * resolves against the extension folder, so `models/cnn` is the bundled fast CNN model.
 */
export function resolveModelPath(path: string, extensionPath: string): string {
  if (path === '') return join(extensionPath, BUNDLED_MODELS[0].folder);
  const expanded = path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
  return isAbsolute(expanded) ? expanded : resolve(extensionPath, expanded);
}

/** Whether `document` matches one of the `baner.autoHighlight` entries. */
export function wantsAutoHighlight(config: BanerConfig, document: vscode.TextDocument): boolean {
  return config.autoHighlight.some((entry) => vscode.languages.match(toFilter(entry), document) > 0);
}

/** A language id is a bare word; anything else is a glob, and a glob without `/` matches file names in any folder. */
function toFilter(entry: string): vscode.DocumentFilter {
  const e = entry.trim();
  if (/^[\w.+#-]+$/.test(e) && !e.includes('.')) return { language: e };
  return { pattern: e.includes('/') ? e : `**/${e}` };
}
