#!/usr/bin/env node
// @ts-check
// Runs test/vscode/bench/editorLatency.ts inside a real VS Code (code-server + Chromium, like the extension
// tests) and leaves its figures in a file:
//
//   run-editor-bench.mjs [OUTPUT] [--model-path VALUE]
//
// OUTPUT defaults to bench-results/editor.json. --model-path sets `baner.modelPath` for the run ('' = the
// bundled transformer, models/cnn = the CNN); without it the extension's default applies. The setting has
// scope "machine", so it cannot come from the workspace: it goes to the launcher as a machine setting
// (BANER_TEST_MACHINE_SETTINGS) and, for a desktop VS Code, into the run's user settings.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { runTests } from '@vscode/test-electron';

const REPO = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
const OUT = join(REPO, 'out', 'test', 'vscode', 'bench');
const USAGE = 'usage: run-editor-bench.mjs [OUTPUT] [--model-path VALUE]';

/**
 * @param {string[]} argv
 * @returns {{ output: string, modelPath?: string }}
 */
function parseArgs(argv) {
  /** @type {string | undefined} */
  let output;
  /** @type {string | undefined} */
  let modelPath;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--model-path' || a.startsWith('--model-path=')) {
      // '' is a value here (the bundled default model), so only a missing one is an error.
      modelPath = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (modelPath === undefined) throw new Error(`--model-path needs a value ('' for the default model)\n${USAGE}`);
    } else if (a.startsWith('-')) throw new Error(`unknown argument ${a}\n${USAGE}`);
    else if (output === undefined) output = a;
    else throw new Error(`one output file only, got ${output} and ${a}\n${USAGE}`);
  }
  return { output: resolve(output ?? join(REPO, 'bench-results', 'editor.json')), modelPath };
}

const { output, modelPath } = parseArgs(process.argv.slice(2));
const machineSettings = modelPath === undefined ? undefined : { 'baner.modelPath': modelPath };

execFileSync(process.execPath, [join(REPO, 'scripts', 'build-extension.mjs'), '--production'], { stdio: 'inherit' });
await esbuild.build({
  absWorkingDir: REPO,
  entryPoints: [join(REPO, 'test', 'vscode', 'bench', 'editorLatency.ts')],
  outdir: OUT,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode'],
  logLevel: 'warning',
});
const tmp = mkdtempSync(join(tmpdir(), 'baner-editor-bench-'));
const workspace = join(tmp, 'workspace');
const userData = join(tmp, 'user-data');
cpSync(join(REPO, 'samples', 'workspace'), workspace, { recursive: true });
mkdirSync(dirname(output), { recursive: true });
if (machineSettings) {
  // A desktop VS Code reads machine-scoped settings from the user settings. code-server's workbench is a remote
  // window, which ignores them there: its launcher writes them as machine settings (BANER_TEST_MACHINE_SETTINGS).
  mkdirSync(join(userData, 'User'), { recursive: true });
  writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify(machineSettings, null, 2));
  console.log(`[editor-bench] baner.modelPath = ${JSON.stringify(modelPath)}`);
}
try {
  await runTests({
    vscodeExecutablePath: process.env.BANER_VSCODE_EXECUTABLE || join(REPO, 'test', 'vscode', 'runner', 'launch-code-server-tests.mjs'),
    extensionDevelopmentPath: REPO,
    extensionTestsPath: join(OUT, 'editorLatency.js'),
    launchArgs: [workspace, '--disable-extensions', `--user-data-dir=${userData}`, `--extensions-dir=${join(tmp, 'extensions')}`],
    extensionTestsEnv: { BANER_BENCH_OUT: output, ...(machineSettings ? { BANER_TEST_MACHINE_SETTINGS: JSON.stringify(machineSettings) } : {}) },
  });
  console.log(`[editor-bench] wrote ${output}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
