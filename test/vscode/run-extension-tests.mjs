#!/usr/bin/env node
// @ts-check
// The extension tests in a real VS Code (stage of `npm test`): builds the extension (dist/) and the mocha
// suite (test/vscode/suite -> out/test/vscode/suite), copies samples/workspace into a temp folder (the tests
// edit files and settings; the repository stays clean), and runs the suite with @vscode/test-electron's
// runTests in:
//   - code-server + headless Chromium, through test/vscode/runner/launch-code-server-tests.mjs given as
//     `vscodeExecutablePath` (the default: works offline on Linux x64, see docs in that file);
//   - a desktop VS Code with BANER_VSCODE=desktop or off Linux x64 (runTests downloads one: needs
//     update.code.visualstudio.com), or the one at BANER_VSCODE_EXECUTABLE=/path/to/code.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { runTests } from '@vscode/test-electron';

const REPO = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
const SUITE_SRC = join(REPO, 'test', 'vscode', 'suite');
const SUITE_OUT = join(REPO, 'out', 'test', 'vscode', 'suite');
const LAUNCHER = join(REPO, 'test', 'vscode', 'runner', 'launch-code-server-tests.mjs');

const say = (/** @type {string} */ line) => console.log(`[extension-tests] ${line}`);

async function buildSuite() {
  rmSync(SUITE_OUT, { recursive: true, force: true });
  const entryPoints = readdirSync(SUITE_SRC)
    .filter((f) => f === 'index.ts' || f.endsWith('.test.ts'))
    .map((f) => join(SUITE_SRC, f));
  await esbuild.build({
    absWorkingDir: REPO,
    entryPoints,
    outdir: SUITE_OUT,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // vscode comes from the extension host; mocha is loaded from node_modules (it requires its reporters by name).
    external: ['vscode', 'mocha'],
    sourcemap: 'inline',
    logLevel: 'warning',
  });
}

async function main() {
  const started = Date.now();
  execFileSync(process.execPath, [join(REPO, 'scripts', 'build-extension.mjs')], { stdio: 'inherit' });
  await buildSuite();
  say(`built the extension and the suite in ${Date.now() - started} ms`);

  const tmp = mkdtempSync(join(tmpdir(), 'baner-extension-tests-'));
  const workspace = join(tmp, 'workspace');
  cpSync(join(REPO, 'samples', 'workspace'), workspace, { recursive: true });
  // code-server from npm is installed on Linux x64 only (scripts/install-code-server.sh).
  const desktop = process.env.BANER_VSCODE === 'desktop' || !(process.platform === 'linux' && process.arch === 'x64');
  const executable = process.env.BANER_VSCODE_EXECUTABLE || (desktop ? undefined : LAUNCHER);
  say(`running in ${executable ?? 'a downloaded desktop VS Code'} with a copy of samples/workspace in ${workspace}`);
  try {
    await runTests({
      vscodeExecutablePath: executable,
      extensionDevelopmentPath: REPO,
      extensionTestsPath: join(SUITE_OUT, 'index.js'),
      launchArgs: [workspace, '--disable-extensions', `--user-data-dir=${join(tmp, 'user-data')}`, `--extensions-dir=${join(tmp, 'extensions')}`],
    });
    return 0;
  } catch (error) {
    console.error(`[extension-tests] ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    say(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

process.exitCode = await main();
