#!/usr/bin/env node
// @ts-check
// Runs test/vscode/bench/editorLatency.ts inside a real VS Code (code-server + Chromium, like the extension
// tests) and leaves its figures in the file named by argv[2] (default bench-results/editor.json).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { runTests } from '@vscode/test-electron';

const REPO = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
const OUT = join(REPO, 'out', 'test', 'vscode', 'bench');
const output = resolve(process.argv[2] ?? join(REPO, 'bench-results', 'editor.json'));

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
cpSync(join(REPO, 'samples', 'workspace'), workspace, { recursive: true });
mkdirSync(dirname(output), { recursive: true });
try {
  await runTests({
    vscodeExecutablePath: process.env.BANER_VSCODE_EXECUTABLE || join(REPO, 'test', 'vscode', 'runner', 'launch-code-server-tests.mjs'),
    extensionDevelopmentPath: REPO,
    extensionTestsPath: join(OUT, 'editorLatency.js'),
    launchArgs: [workspace, '--disable-extensions', `--user-data-dir=${join(tmp, 'user-data')}`, `--extensions-dir=${join(tmp, 'extensions')}`],
    extensionTestsEnv: { BANER_BENCH_OUT: output },
  });
  console.log(`[editor-bench] wrote ${output}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
