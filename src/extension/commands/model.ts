// Select Model and Show Compute Devices.
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { availableParallelism, cpus } from 'node:os';
import { SECTION, readConfig, resolveModelPath } from '../config';
import { BUNDLED_MODELS, readManifest } from '../../core/model/modelDirectory';
import type { EngineClient } from '../engineClient';
import { probeTrainingBackendChoice } from '../adapt/adaptRunner';
import type { TrainingBackendChoice } from '../../core/model/trainingBackendChoice';
import { gpuHint, inferenceLine, trainingLine, type Outcome } from '../computeDevicesReport';

/**
 * `baner.selectModel` (optional argument: a `baner.modelPath` value, '' for the bundled transformer, `models/cnn`
 * for the bundled CNN). Resolves to the stored value.
 */
export function selectModel(engine: EngineClient, extensionPath: string): (path?: string) => Promise<string | undefined> {
  return async (path?: string) => {
    let chosen = path;
    if (chosen === undefined) {
      const current = resolve(engine.modelDirectory);
      // The default model is stored as '' so that it follows the extension's default across updates.
      const bundled = BUNDLED_MODELS.map((model, i) => {
        const value = i === 0 ? '' : model.folder;
        const isCurrent = resolve(resolveModelPath(value, extensionPath)) === current;
        return { label: `${isCurrent ? '$(check) ' : ''}Bundled ${model.name} model`, description: `${model.folder}${isCurrent ? ' (current)' : ''}`, detail: model.description, path: value as string | undefined };
      });
      const browse = { label: '$(folder-opened) Choose a model folder...', description: 'a folder with manifest.json', path: undefined };
      const picked = await vscode.window.showQuickPick([...bundled, browse], { title: 'BANER: model', placeHolder: `now: ${engine.modelDirectory}` });
      if (!picked) return undefined;
      chosen = picked.path;
      if (chosen === undefined) {
        const folders = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Use this model' });
        if (!folders?.[0]) return undefined;
        chosen = folders[0].fsPath;
      }
    }
    if (chosen !== '' && !existsSync(join(resolveModelPath(chosen, extensionPath), 'manifest.json'))) {
      void vscode.window.showErrorMessage(`BANER: ${chosen} is not a model folder (it has no manifest.json). Build one with "npm run train:model -- --out <dir>".`);
      return undefined;
    }
    if (chosen !== '') {
      // Checked here, so that a damaged manifest is refused with the field at fault before the setting changes.
      try {
        readManifest(resolveModelPath(chosen, extensionPath));
      } catch (error) {
        void vscode.window.showErrorMessage(`BANER: ${chosen} is not a usable model folder: ${(error as Error).message}`);
        return undefined;
      }
    }
    // The setting is machine-scoped (a path on this machine): it lives in the user settings.
    await vscode.workspace.getConfiguration(SECTION).update('modelPath', chosen, vscode.ConfigurationTarget.Global);
    return chosen;
  };
}

/** `baner.showComputeDevices`: what runs the model and the training, and why not something faster. Resolves to the report. */
export function showComputeDevices(engine: EngineClient, adaptWorkerPath: string, log: (line: string) => void, showLog: () => void): () => Promise<string> {
  return async () => {
    const config = readConfig();
    let inference: Outcome<{ provider: string; reason: string }>;
    try {
      const info = await engine.ready();
      inference = { ok: { provider: info.provider, reason: info.providerReason } };
    } catch (error) {
      inference = { error: (error as Error).message };
    }
    let training: Outcome<TrainingBackendChoice>;
    try {
      training = { ok: await probeTrainingBackendChoice(adaptWorkerPath, config.trainingBackend) };
    } catch (error) {
      training = { error: (error as Error).message };
    }
    const lines = [inferenceLine(inference, config.backend), trainingLine(training, config.trainingBackend)];
    const hint = gpuHint(inference, config.backend, training, config.trainingBackend);
    if (hint) lines.push(hint);
    lines.push(`CPU: ${cpus()[0]?.model ?? 'unknown'}, ${availableParallelism()} logical cores; the model worker runs the transformer model on all of them at a lower priority than the editor's threads, and the CNN model on half of them.`);
    const report = lines.join('\n');
    for (const line of lines) log(line);
    const provider = 'ok' in inference ? inference.ok.provider.toUpperCase() : 'no model';
    const trainer = 'ok' in training ? `TensorFlow.js ${training.ok.backend} (${training.ok.device})` : 'no TensorFlow.js backend';
    void vscode.window.showInformationMessage(`BANER: inference on ${provider} (onnxruntime-node), adaptation on ${trainer}.`, 'Details').then((choice) => {
      if (choice) showLog();
    });
    return report;
  };
}
