// The support panel's page and script: a strict CSP with a nonce, nothing remote, the elements bundled.
// (test/ui/supportPanel.test.mts loads the page in Chromium with the CSP enforced.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { panelHtml } from '../../src/extension/panel/panelHtml';

const REPO = resolve(__dirname, '../..');
const SOURCE = 'https://file+.vscode-resource.vscode-cdn.net';

function page(nonce = 'n0nce+/=') {
  return panelHtml({ cspSource: SOURCE, nonce, scriptUri: `${SOURCE}/ext/dist/webview.js`, styleUri: `${SOURCE}/ext/dist/webview.css` });
}

test('the panel page allows only its own resources and the nonce-carrying script', () => {
  const html = page();
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
  assert.ok(csp, 'a CSP meta tag');
  const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
  assert.deepEqual(directives.get('default-src'), ["'none'"]);
  assert.deepEqual(directives.get('script-src'), ["'nonce-n0nce+/='"]);
  assert.deepEqual(directives.get('style-src'), [SOURCE, "'nonce-n0nce+/='"]);
  assert.deepEqual(directives.get('font-src'), [SOURCE]);
  assert.deepEqual(directives.get('img-src'), [SOURCE, 'data:']);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
  // The CSP comes before anything it governs.
  assert.ok(html.indexOf('Content-Security-Policy') < html.indexOf('<link'));
  assert.ok(html.indexOf('Content-Security-Policy') < html.indexOf('<script'));

  const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.equal(scripts.length, 1, 'one script');
  assert.match(scripts[0][1], /nonce="n0nce\+\/="/);
  assert.match(scripts[0][1], new RegExp(`src="${SOURCE.replace(/[.+]/g, '\\$&')}/ext/dist/webview\\.js"`));
  assert.equal(scripts[0][2].trim(), '', 'no inline code');
  assert.doesNotMatch(html, /\son\w+=/i, 'no inline event handlers');
  assert.doesNotMatch(html, /<style|style="/, 'no inline styles');

  const urls = [...html.matchAll(/https?:\/\/[^"' ;]+/g)].map((m) => m[0]);
  assert.ok(urls.length >= 3);
  assert.ok(urls.every((u) => u.startsWith(SOURCE)), urls.join(' '));
});

test('the nonce is whatever the panel drew for this render, and attribute values cannot break out', () => {
  assert.notEqual(page('a'), page('b'));
  assert.match(page('a'), /script-src 'nonce-a'/);
  const html = panelHtml({ cspSource: SOURCE, nonce: 'n', scriptUri: `${SOURCE}/x".js`, styleUri: `${SOURCE}/y.css?a=1&b=2` });
  assert.ok(html.includes('/x&quot;.js"'));
  assert.ok(html.includes('y.css?a=1&amp;b=2"'));
});

test('the webview bundle contains the elements it uses and fetches nothing remote', () => {
  execFileSync(process.execPath, [join(REPO, 'scripts', 'build-extension.mjs')], { stdio: 'ignore' });
  const bundle = readFileSync(join(REPO, 'dist', 'webview.js'), 'utf8');
  for (const element of ['vscode-button', 'vscode-badge', 'vscode-textfield', 'vscode-progress-bar', 'vscode-divider']) {
    assert.ok(bundle.includes(`"${element}"`) || bundle.includes(`'${element}'`), `${element} is defined in the bundle`);
  }
  // An IIFE for the browser, not a module loading others.
  assert.doesNotMatch(bundle, /^\s*(import|export)\s/m);
  assert.doesNotMatch(bundle, /\brequire\(\s*["']/);
  // Nothing fetched from the network (URLs do appear in the elements' doc comments and one warning text).
  assert.doesNotMatch(bundle, /fetch\(\s*["'`]https?:|import\(\s*["'`]https?:|@import\s+(url\()?\s*["']?https?:|src\s*=\s*["'`]?https?:|href\s*=\s*["'`]?https?:|XMLHttpRequest|new WebSocket|sendBeacon/);
  // The CSP has no 'unsafe-eval'.
  assert.doesNotMatch(bundle, /\beval\(|new Function\(/);
  const css = readFileSync(join(REPO, 'dist', 'webview.css'), 'utf8');
  assert.ok(css.includes('--vscode-foreground'));
  assert.doesNotMatch(css, /@import|url\(/, 'the stylesheet loads nothing');
});
