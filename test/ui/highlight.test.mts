// End-to-end: a person's path through the workbench, driven in headless Chromium against code-server with
// the extension loaded from this repository (extensionDevelopmentPath). Opens harbour-report.txt with
// Ctrl+P, runs "BANER: Highlight Entities in File" from F1, and waits for the entity decorations. The
// screenshot (test-results/highlight.png) is the evidence to look at.
// Run: node --import tsx --test test/ui/*.test.mts (needs code-server and Chromium: see .ci/run).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { REPO, enableSmokeTestDriver, launchChromium, startCodeServer, tail, workbenchUrl, type CodeServer } from '../vscode/runner/codeServer.mjs';

const RESULTS = join(REPO, 'test-results');
/** Decoration types' CSS classes: VS Code names them ced-<key>-<n> and draws ranges as elements with them. */
const DECORATIONS = '.monaco-editor .view-overlays [class*="ced-"]';

let dir: string;
let server: CodeServer | undefined;
let browser: Browser | undefined;
let page: Page;

before(async () => {
  for (const png of ['highlight.png', 'highlight-failure.png']) rmSync(join(RESULTS, png), { force: true });
  execFileSync(process.execPath, [join(REPO, 'scripts', 'build-extension.mjs')], { stdio: 'inherit' });
  dir = mkdtempSync(join(tmpdir(), 'baner-ui-test-'));
  const workspace = join(dir, 'workspace');
  cpSync(join(REPO, 'samples', 'workspace'), workspace, { recursive: true });
  // The sample highlights *.txt as soon as it is opened; here the decorations must come from the command.
  writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'baner.autoHighlight': [], 'editor.wordWrap': 'on' }, null, 2));
  server = await startCodeServer({ dir });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.addInitScript(enableSmokeTestDriver);
  await evidenceOnFailure(async () => {
    await page.goto(workbenchUrl(server!, { folder: workspace, extensionDevelopmentPath: [REPO] }), { waitUntil: 'domcontentloaded' });
    // The explorer lists the workspace once the workbench is up (about 10 s cold).
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'harbour-report.txt' }).waitFor({ timeout: 90_000 });
  });
});

after(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs `steps`; when they fail, saves a screenshot (test-results/highlight-failure.png) and prints the server's log. */
async function evidenceOnFailure(steps: () => Promise<void>): Promise<void> {
  try {
    await steps();
  } catch (error) {
    mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, 'highlight-failure.png') }).catch(() => {});
    if (server) console.error(`code-server log (last lines):\n${tail(server.logFile)}`);
    throw error;
  }
}

/** Types into the quick input (Ctrl+P or F1) and accepts the row showing `label`. */
async function quickPick(keys: string, text: string, label: string): Promise<void> {
  await page.keyboard.press(keys);
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await page.keyboard.type(text, { delay: 20 });
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: label }).first().waitFor({ timeout: 30_000 });
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden', timeout: 15_000 });
}

test('highlights the entities of harbour-report.txt from the command palette', { timeout: 300_000 }, async () => {
  await evidenceOnFailure(async () => {
    await quickPick('Control+P', 'harbour-report.txt', 'harbour-report.txt');
    await page.locator('.monaco-editor .view-lines', { hasText: 'Maritime engineer Sofia Andrade' }).waitFor({ timeout: 30_000 });
    assert.equal(await page.locator(DECORATIONS).count(), 0, 'no decorations before the command');

    await quickPick('F1', 'BANER: Highlight Entities in File', 'Highlight Entities in File');
    // The first highlight starts the model worker and loads the model.
    await page.locator(DECORATIONS).first().waitFor({ timeout: 120_000 });
    await page.waitForTimeout(500); // let every decoration type render
    const classes = await page.locator(DECORATIONS).evaluateAll((elements) =>
      elements.map((e) => [...e.classList].find((c) => c.startsWith('ced-')) ?? ''),
    );
    mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, 'highlight.png') });
    // 18 entities in the report at the default threshold; one element per range (more where a range wraps).
    assert.ok(classes.length >= 10, `${classes.length} decorated ranges`);
    assert.ok(new Set(classes).size >= 3, `decorations of ${new Set(classes).size} entity types: ${[...new Set(classes)].join(' ')}`);
  });
});
