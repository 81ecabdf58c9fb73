// The support panel's page and script: a strict CSP with a nonce, nothing remote, the elements bundled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { panelHtml } from '../../src/extension/panel/panelHtml';

const REPO = resolve(__dirname, '../..');

test('the panel page allows only its own resources and the nonce-carrying script', () => {
  const html = panelHtml({ cspSource: 'https://file+.vscode-resource.vscode-cdn.net', nonce: 'n0nce+/=', scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.js', styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.css' });
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
  assert.ok(csp, 'a CSP meta tag');
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'nonce-n0nce\+\/='/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
  const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]);
  assert.equal(scripts.length, 1);
  assert.match(scripts[0], /nonce="n0nce\+\/="/);
  const urls = [...html.matchAll(/https?:\/\/[^"' ;]+/g)].map((m) => m[0]);
  assert.ok(urls.every((u) => u.startsWith('https://file+.vscode-resource.vscode-cdn.net')), urls.join(' '));
});

test('the webview bundle contains the elements it uses and fetches nothing remote', () => {
  execFileSync(process.execPath, [join(REPO, 'scripts', 'build-extension.mjs')], { stdio: 'ignore' });
  const bundle = readFileSync(join(REPO, 'dist', 'webview.js'), 'utf8');
  for (const element of ['vscode-button', 'vscode-badge', 'vscode-textfield', 'vscode-progress-bar']) assert.ok(bundle.includes(`"${element}"`) || bundle.includes(`'${element}'`), `${element} is defined in the bundle`);
  assert.doesNotMatch(bundle, /fetch\(\s*["'`]https?:|import\(\s*["'`]https?:|@import url\(\s*["']?https?:|src=["']https?:/);
  assert.ok(readFileSync(join(REPO, 'dist', 'webview.css'), 'utf8').includes('--vscode-foreground'));
});
