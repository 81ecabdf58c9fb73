// End-to-end: a person's path through the workbench, driven in headless Chromium against code-server with
// the extension loaded from this repository (extensionDevelopmentPath). Opens harbour-report.txt with
// Ctrl+P, runs "BANER: Highlight Entities in File" from F1, and waits for the entity decorations; then, in
// clinic-notes.md, labels two drugs as a new type DRUG, adapts, sees DRUG highlighted elsewhere, and opens
// the support set panel. The screenshots (test-results/*.png) are the evidence to look at.
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
  for (const png of ['highlight.png', 'highlight-failure.png', 'label.png', 'adapted.png', 'panel.png']) rmSync(join(RESULTS, png), { force: true });
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

/** Selects the first match of `text` in the active editor (find widget, then Escape keeps the selection). */
async function selectText(text: string): Promise<void> {
  await page.keyboard.press('Control+F');
  const find = page.locator('.find-widget .input');
  await find.first().waitFor({ state: 'visible', timeout: 15_000 });
  await page.keyboard.press('Control+A');
  await page.keyboard.type(text, { delay: 20 });
  await page.waitForTimeout(300);
  await page.keyboard.press('Escape');
}

/** Runs a command from F1 that opens a quick pick or input, then answers it. */
async function runCommand(title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await page.keyboard.type(title, { delay: 20 });
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: title.replace(/^BANER: /, '') }).first().waitFor({ timeout: 30_000 });
  await page.keyboard.press('Enter');
}

/** The decoration classes drawn now, one per decorated range element. */
async function decorationClasses(): Promise<string[]> {
  return page.locator(DECORATIONS).evaluateAll((elements) => elements.map((e) => [...e.classList].find((c) => c.startsWith('ced-')) ?? ''));
}

test('labels two drugs as a new type, adapts, and sees the type elsewhere; then opens the support panel', { timeout: 600_000 }, async () => {
  await evidenceOnFailure(async () => {
    await quickPick('Control+P', 'clinic-notes.md', 'clinic-notes.md');
    await page.locator('.monaco-editor .view-lines', { hasText: 'Cardiology clinic' }).waitFor({ timeout: 30_000 });
    await quickPick('F1', 'BANER: Highlight Entities in File', 'Highlight Entities in File');
    await page.locator(DECORATIONS).first().waitFor({ timeout: 120_000 });
    await page.waitForTimeout(500);
    const typesBefore = new Set(await decorationClasses());

    // First label: a new type, named in the input box behind "New type...".
    await page.locator('.monaco-editor .view-lines').first().click();
    await selectText('Glucophage');
    await runCommand('BANER: Label as Support Example');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'New type...' }).first().click();
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    await page.keyboard.type('DRUG', { delay: 20 });
    await page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden', timeout: 15_000 });
    // Second label: DRUG is offered now.
    await selectText('Norvasc');
    await runCommand('BANER: Label as Support Example');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'in the support set' }).first().waitFor({ timeout: 15_000 });
    await page.keyboard.type('DRUG', { delay: 20 });
    await page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden', timeout: 15_000 });
    await page.waitForTimeout(800);
    mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, 'label.png') });

    // Confirm: the sentence's other highlights came in as unconfirmed suggestions (dashed); Accept Sentence
    // confirms them all with one key, with the cursor in the sentence.
    const dashed = () => page.locator('.monaco-editor .view-overlays div[class*="ced-"], .monaco-editor .view-lines span[class*="ced-"]').evaluateAll((elements) => elements.filter((e) => (globalThis as unknown as { getComputedStyle(e: unknown): { borderTopStyle: string } }).getComputedStyle(e).borderTopStyle === 'dashed').length);
    const unconfirmedBefore = await dashed();
    await page.screenshot({ path: join(RESULTS, 'suggestions.png') });
    await page.keyboard.press('Control+Alt+Shift+Y');
    await page.waitForTimeout(1000);
    await page.screenshot({ path: join(RESULTS, 'confirmed.png') });
    console.log(`      dashed (unconfirmed) suggestions before Accept Sentence: ${unconfirmedBefore}`);
    assert.equal(await dashed(), 0, 'no unconfirmed suggestion is left after accepting the only support sentence');

    // Adapt: the name input comes first (default accepted), then a progress notification; the status bar names the adapter after.
    await runCommand('BANER: Adapt to This Domain');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    await page.keyboard.press('Enter');
    await page.locator('.notifications-toasts', { hasText: 'adapting' }).first().waitFor({ timeout: 60_000 }).catch(() => {});
    await page.locator('.statusbar-item', { hasText: '+ my-domain' }).first().waitFor({ timeout: 240_000 });
    await page.waitForTimeout(1500); // the re-highlight with the adapter
    const typesAfter = new Set(await decorationClasses());
    await page.screenshot({ path: join(RESULTS, 'adapted.png') });
    const added = [...typesAfter].filter((c) => !typesBefore.has(c));
    assert.ok(added.length >= 1, `a new decoration type (DRUG) after adapting: before ${[...typesBefore].join(' ')}, after ${[...typesAfter].join(' ')}`);

    // The panel: a webview listing the type, the example and the adapter.
    await quickPick('F1', 'BANER: Show Support Set & Adapters', 'Show Support Set & Adapters');
    const webview = page.frameLocator('iframe.webview.ready').frameLocator('iframe');
    await webview.locator('body', { hasText: 'my-domain' }).waitFor({ timeout: 60_000 });
    await webview.locator('body', { hasText: 'DRUG' }).waitFor({ timeout: 10_000 });
    await page.waitForTimeout(800);
    await page.screenshot({ path: join(RESULTS, 'panel.png') });

    // Next: the unlabelled sentences the model is least sure about, in the Explorer's view.
    await quickPick('F1', 'BANER: Next Sentences to Label', 'Next Sentences to Label');
    const rows = page.locator('.pane', { hasText: 'Next Sentences to Label' }).locator('.monaco-list-row');
    await rows.first().waitFor({ timeout: 120_000 });
    await page.waitForTimeout(800);
    await page.screenshot({ path: join(RESULTS, 'next-sentences.png') });
    assert.match(await rows.first().innerText(), /score \d\.\d\d · margin \d\.\d\d/);
  });
});
