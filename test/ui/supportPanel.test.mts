// The support panel's page in headless Chromium, outside VS Code: the HTML from panelHtml (its strict CSP
// enforced), dist/webview.js and dist/webview.css served from a local origin standing in for the webview's
// cspSource, and a stand-in for acquireVsCodeApi that records what the page posts. Checks that the page loads
// with no CSP violation and no request elsewhere, renders a state (user content as text, never as HTML), posts
// each action, keeps a rename draft across progress updates, and shows errors and empty states.
// Screenshot: test-results/support-panel.png. Run: node --import tsx --test test/ui/supportPanel.test.mts
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { REPO, launchChromium } from '../vscode/runner/codeServer.mjs';
import { panelHtml } from '../../src/extension/panel/panelHtml.js';
import type { PanelRequest, PanelState } from '../../src/extension/panel/panelProtocol.js';

// The page's globals: this file is typechecked with the Node libraries only, and these run in the page.
declare const window: any, document: any, customElements: any, getComputedStyle: any;

const NONCE = 'dGVzdC1ub25jZS0xMjM0NQ==';
const HOSTILE = '<img src=x onerror="window.__pwned=1">';

let server: Server;
let origin: string;
let browser: Browser;
let page: Page;
const requests: string[] = [];
const problems: string[] = [];

const STATE: PanelState = {
  model: { id: 'baner-default-conll03', provider: 'cpu', activeAdapter: 'clinic' },
  types: [
    { label: 'DRUG', color: '#e51e4f', count: 3, heldOutF1: 0.8 },
    { label: 'PER', color: '#3b7dd8', count: 1, warning: 'only 1 example: label at least one more' },
  ],
  examples: [
    { id: '0123456789abcdef', text: 'She takes Glucophage for diabetes and Norvasc for blood pressure.', spans: [{ start: 10, end: 20, label: 'DRUG' }, { start: 38, end: 45, label: 'DRUG' }], rejected: [], suggested: [{ start: 25, end: 33, label: 'DISEASE' }], source: { path: 'clinic-notes.md', offset: 420, line: 9 } },
    { id: 'fedcba9876543210', text: `Dr. Hart added Jardiance ${HOSTILE} and Advil.`, spans: [{ start: 0, end: 8, label: 'PER' }, { start: 15, end: 24, label: 'DRUG' }], rejected: [{ start: 25 + HOSTILE.length + 5, end: 25 + HOSTILE.length + 10 }], suggested: [] },
  ],
  unconfirmed: 1,
  adapters: [
    { name: 'clinic', active: true, baseModel: 'baner-default-conll03', created: '2026-11-24T21:08:29.000Z', types: ['DRUG'], supportSentences: 2, supportMentions: 4, supportF1: 0.8333 },
    { name: '<b>bold</b>', active: false, baseModel: 'baner-default-conll03', created: 'not a date', types: [], supportSentences: 1, supportMentions: 1 },
  ],
};

/** VS Code's webview sets these on <html>; a dark theme, so the screenshot looks like the panel in VS Code. */
const THEME: Record<string, string> = {
  '--vscode-foreground': '#cccccc',
  '--vscode-editor-background': '#1f1f1f',
  '--vscode-descriptionForeground': '#9d9d9d',
  '--vscode-font-family': 'system-ui, sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-textLink-foreground': '#4daafc',
  '--vscode-widget-border': '#313131',
  '--vscode-focusBorder': '#0078d4',
  '--vscode-list-inactiveSelectionBackground': '#37373d',
  '--vscode-inputValidation-errorBorder': '#be1100',
  '--vscode-inputValidation-errorBackground': '#5a1d1d',
  '--vscode-badge-background': '#616161',
  '--vscode-badge-foreground': '#f8f8f8',
};

before(async () => {
  execFileSync(process.execPath, [join(REPO, 'scripts', 'build-extension.mjs')], { stdio: 'ignore' });
  mkdirSync(join(REPO, 'test-results'), { recursive: true });
  server = createServer((request, response) => {
    requests.push(request.url ?? '');
    const files: Record<string, [string, string]> = { '/dist/webview.js': ['webview.js', 'text/javascript'], '/dist/webview.css': ['webview.css', 'text/css'] };
    if (request.url === '/') {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(panelHtml({ cspSource: origin, nonce: NONCE, scriptUri: `${origin}/dist/webview.js`, styleUri: `${origin}/dist/webview.css` }));
    } else if (request.url === '/favicon.ico') {
      response.writeHead(204).end();
    } else if (request.url && files[request.url]) {
      const [file, type] = files[request.url];
      response.writeHead(200, { 'content-type': type });
      response.end(readFileSync(join(REPO, 'dist', file)));
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 560, height: 900 } });
  page.on('request', (r) => {
    if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) problems.push(`request elsewhere: ${r.url()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  // Init scripts are not subject to the page's CSP: the stand-in for VS Code's API and a violation recorder.
  // (A string: tsx would add helper calls to a function's source that the page does not have.)
  await page.addInitScript(`
    window.__posted = [];
    window.__violations = [];
    window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), getState: () => undefined, setState: () => {} });
    document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sample));
  `);
  await page.goto(`${origin}/`);
  await page.evaluate((theme) => {
    for (const [name, value] of Object.entries(theme)) document.documentElement.style.setProperty(name, value);
  }, THEME);
});

after(async () => {
  await browser?.close().catch(() => {});
  server?.close();
});

async function posted(): Promise<PanelRequest[]> {
  return page.evaluate(() => (window as unknown as { __posted: PanelRequest[] }).__posted.splice(0));
}

async function send(message: unknown): Promise<void> {
  await page.evaluate((m) => window.postMessage(m, '*'), message);
}

async function click(locator: ReturnType<Page['locator']>): Promise<PanelRequest> {
  await locator.click();
  await page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0, undefined, { timeout: 5000 });
  const [request, ...more] = await posted();
  assert.deepEqual(more, []);
  return request;
}

test('the page loads under its CSP, says ready and renders the state with user content as text', async () => {
  await page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0, undefined, { timeout: 10_000 });
  assert.deepEqual(await posted(), [{ type: 'ready' }]);
  await send({ type: 'state', state: STATE });
  await page.locator('#adapters li.adapter').first().waitFor();

  const header = await page.locator('header').innerText();
  for (const text of ['baner-default-conll03', 'cpu', 'clinic']) assert.ok(header.includes(text), header);
  assert.equal(await page.locator('#types li').count(), 2);
  assert.match(await page.locator('#types').innerText(), /DRUG\s*3 mentions · held-out F1 80%/);
  assert.match(await page.locator('#types li').nth(1).innerText(), /1 mention · held-out F1 –\s*⚠ only 1 example: label at least one more/);
  assert.equal(await page.locator('#types .type-warning').count(), 1, 'one type warned about');

  // Marks: one per span, coloured with the type's colour; the unconfirmed suggestion dashed and counted; the
  // rejected span struck through.
  assert.equal(await page.locator('#examples mark').count(), 5);
  const suggestion = page.locator('#examples mark.suggested');
  assert.equal(await suggestion.count(), 1);
  assert.equal(await suggestion.evaluate((m) => m.firstChild?.textContent), 'diabetes');
  assert.equal(await suggestion.evaluate((m) => getComputedStyle(m).borderTopStyle), 'dashed');
  assert.equal(await page.locator('#examples mark:not(.suggested)').first().evaluate((m) => getComputedStyle(m).borderTopStyle), 'solid');
  assert.match(await page.locator('#examples p.unconfirmed').innerText(), /^1 unconfirmed suggestion \(dashed\): not trained on/);
  const border = await page.locator('#examples mark').first().evaluate((m) => getComputedStyle(m).borderTopColor as string);
  assert.equal(border, 'rgb(229, 30, 79)');
  assert.equal(await page.locator('#examples mark').first().evaluate((m) => m.firstChild?.textContent), 'Glucophage');
  assert.equal(await page.locator('#examples s.rejected').innerText(), 'Advil');
  assert.equal(await page.locator('#examples a.source').innerText(), 'clinic-notes.md:9');
  assert.match(await page.locator('#examples li').nth(1).innerText(), /source not recorded/);

  // User content stays text: no element was made from it, no script ran.
  assert.ok((await page.locator('#examples').innerText()).includes(HOSTILE));
  assert.equal(await page.locator('#app img, #app b').count(), 0);
  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);

  const adapters = page.locator('#adapters li.adapter');
  assert.equal(await adapters.count(), 2);
  const active = await adapters.nth(0).innerText();
  assert.match(active, /active/);
  assert.match(active, /83\.3%/);
  assert.match(active, /2 sentences, 4 mentions/);
  assert.equal(await adapters.nth(0).locator('vscode-button', { hasText: 'Activate' }).count(), 0, 'the active adapter has no Activate');
  const other = await adapters.nth(1).innerText();
  assert.match(other, /<b>bold<\/b>/);
  assert.match(other, /Support F1\s*–/);
  assert.match(other, /not a date/);
  assert.equal(await page.locator('vscode-progress-bar').count(), 0);

  // The elements are defined (bundled) and drew their shadow DOM.
  assert.equal(await page.evaluate(() => ['vscode-button', 'vscode-badge', 'vscode-textfield', 'vscode-progress-bar', 'vscode-divider'].filter((n) => !customElements.get(n)).join(',')), '');
  assert.ok(await page.locator('vscode-button').first().evaluate((b) => (b.shadowRoot?.childElementCount ?? 0) > 0));
});

test('each control posts its request', async () => {
  assert.deepEqual(await click(page.locator('#examples a.source')), { type: 'reveal', id: '0123456789abcdef' });
  const remove = page.locator('#examples li').nth(1).locator('vscode-button', { hasText: 'Remove' });
  assert.deepEqual(await click(remove), { type: 'removeExample', id: 'fedcba9876543210' });
  // Until a state without that sentence arrives, its button is disabled: a second click asks nothing.
  assert.equal(await remove.getAttribute('disabled'), '');
  await remove.click({ force: true });
  await send({ type: 'state', state: STATE }); // a state sent before the removal: still waiting
  assert.equal(await remove.getAttribute('disabled'), '');
  assert.deepEqual(await posted(), []);
  await send({ type: 'state', state: { ...STATE, examples: STATE.examples.slice(0, 1) } });
  await page.locator('#examples li').nth(1).waitFor({ state: 'detached' });
  await send({ type: 'state', state: STATE });
  await page.locator('#examples li').nth(1).waitFor();
  assert.equal(await remove.getAttribute('disabled'), null, 'usable again once the removal is done');
  const other = page.locator('#adapters li.adapter').nth(1);
  assert.deepEqual(await click(other.locator('vscode-button', { hasText: 'Activate' })), { type: 'activate', name: '<b>bold</b>' });
  assert.deepEqual(await click(other.locator('vscode-button', { hasText: 'Delete' })), { type: 'delete', name: '<b>bold</b>' });
  assert.deepEqual(await click(page.locator('vscode-button', { hasText: 'Use base model' })), { type: 'activate', name: null });
  assert.deepEqual(await click(page.locator('vscode-button', { hasText: 'Adapt to this domain' })), { type: 'adapt' });
});

test('rename: the draft survives progress updates; OK posts it; the field closes once the adapter is renamed', async () => {
  await page.locator('#adapters li.adapter').nth(0).locator('vscode-button', { hasText: 'Rename' }).click();
  const field = page.locator('vscode-textfield');
  await field.waitFor();
  await page.waitForFunction(() => document.activeElement?.tagName === 'VSCODE-TEXTFIELD', undefined, { timeout: 5000 });
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type('cardio');

  // Progress ticks while typing: only the progress is redrawn; the draft and the focus stay.
  for (const percent of [10, 45]) await send({ type: 'state', state: { ...STATE, adapting: { phase: 'training', percent } } });
  await page.locator('vscode-progress-bar').waitFor();
  assert.equal(await page.locator('vscode-progress-bar').getAttribute('value'), '45');
  assert.match(await page.locator('.progress-label').innerText(), /training \(45%\)/);
  assert.equal(await page.locator('vscode-button', { hasText: 'Adapt to this domain' }).getAttribute('disabled'), '');
  await page.keyboard.type('logy');
  assert.equal(await field.evaluate((f) => (f as unknown as { value: string }).value), 'cardiology');
  await page.screenshot({ path: join(REPO, 'test-results', 'support-panel.png'), fullPage: true });

  await page.keyboard.press('Enter');
  await page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0, undefined, { timeout: 5000 });
  assert.deepEqual(await posted(), [{ type: 'rename', name: 'clinic', newName: 'cardiology' }]);

  // The host refuses: the error shows, the field stays with the draft.
  await send({ type: 'error', message: 'not a valid adapter name: cardiology' });
  await send({ type: 'state', state: STATE });
  assert.match(await page.locator('[role=alert]').innerText(), /not a valid adapter name/);
  assert.equal(await field.evaluate((f) => (f as unknown as { value: string }).value), 'cardiology');

  // It accepts: the adapter is listed under its new name and the field is gone.
  const renamed = { ...STATE, model: { ...STATE.model, activeAdapter: 'cardiology' }, adapters: STATE.adapters.map((a) => (a.name === 'clinic' ? { ...a, name: 'cardiology' } : a)) };
  await send({ type: 'state', state: renamed });
  await page.locator('.adapter-name', { hasText: 'cardiology' }).waitFor();
  assert.equal(await page.locator('vscode-textfield').count(), 0);
});

test('empty states explain what to do', async () => {
  await send({ type: 'state', state: { model: { id: 'baner-default-conll03', provider: 'cpu' }, types: [], examples: [], unconfirmed: 0, adapters: [] } });
  await page.locator('#adapters .empty').waitFor();
  assert.match(await page.locator('#types').innerText(), /Label as Support Example/);
  assert.match(await page.locator('#examples').innerText(), /sentences you label appear here/);
  assert.match(await page.locator('header').innerText(), /none \(base model\)/);
  assert.equal(await page.locator('vscode-button', { hasText: 'Use base model' }).getAttribute('disabled'), '');
});

test('nothing was blocked by the CSP, requested elsewhere or logged as an error', async () => {
  assert.deepEqual(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations), []);
  assert.deepEqual(problems, []);
  assert.deepEqual(requests.filter((r) => !['/', '/dist/webview.js', '/dist/webview.css', '/favicon.ico'].includes(r)), []);
  // The control: the CSP is in force and the recorder sees what it blocks (an inline style and script).
  await page.evaluate(() => {
    const probe = document.createElement('div');
    probe.innerHTML = '<span style="color: red"></span>';
    const script = document.createElement('script');
    script.textContent = 'window.__inline = 1';
    document.body.append(probe, script);
  });
  await page.waitForFunction(() => (window as unknown as { __violations: string[] }).__violations.length >= 2, undefined, { timeout: 5000 });
  const violations = await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations.join('\n'));
  assert.match(violations, /^style-src/m);
  assert.match(violations, /^script-src/m);
  assert.equal(await page.evaluate(() => (window as unknown as { __inline?: number }).__inline), undefined);
});
