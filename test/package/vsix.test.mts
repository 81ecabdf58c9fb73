// The packaged extension: builds the linux-x64 VSIX once (scripts/package-vsix.mjs, as `npm run package` does)
// and checks what it holds by reading the zip's central directory; then extracts it outside the repository and
// runs the packaged model worker in a plain Node process, which proves the bundles, the model and
// onnxruntime-node's native binaries load from the VSIX alone.
// Run: node --import tsx --test test/package/*.test.mts
// BANER_VSIX=<file.vsix> checks an existing linux-x64 VSIX instead of building one.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { extractZip, zipEntries, zipEntryData } from '../../scripts/package-vsix.mjs';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TARGET = 'linux-x64';
const MAX_BYTES = 80 * 1024 * 1024;

let dir: string;
let vsix: string;
let names: string[];

function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => relative(root, join(d.parentPath, d.name)).replace(/\\/g, '/'));
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'baner-vsix-test-'));
  if (process.env.BANER_VSIX) {
    vsix = process.env.BANER_VSIX;
  } else {
    vsix = join(dir, `baner-vscode-${TARGET}.vsix`);
    const started = performance.now();
    const run = spawnSync(process.execPath, [join(REPO, 'scripts', 'package-vsix.mjs'), '--target', TARGET, '--out', vsix], {
      cwd: REPO,
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, `package-vsix failed:\n${run.stdout}\n${run.stderr}`);
    console.log(`packaged in ${((performance.now() - started) / 1000).toFixed(1)} s: ${run.stdout.trim().split('\n').at(-1)}`);
  }
  names = zipEntries(readFileSync(vsix))
    .map((e) => e.name)
    .filter((n) => !n.endsWith('/'));
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the VSIX holds the bundles, the model with its adapters and one platform of onnxruntime-node, nothing else', () => {
  const has = (name: string) => assert.ok(names.includes(name), `${name} is missing from the VSIX`);
  const size = statSync(vsix).size;
  console.log(`${vsix}: ${(size / 1024 / 1024).toFixed(1)} MB, ${names.length} files`);
  assert.ok(size < MAX_BYTES, `the VSIX is ${(size / 1024 / 1024).toFixed(1)} MB (limit ${MAX_BYTES / 1024 / 1024} MB)`);

  for (const name of ['extension.vsixmanifest', 'extension/package.json', 'extension/readme.md', 'extension/LICENSE.txt']) has(name);
  const zip = readFileSync(vsix);
  const manifest = zipEntries(zip).find((e) => e.name === 'extension.vsixmanifest');
  assert.ok(manifest && /TargetPlatform="linux-x64"/.test(zipEntryData(zip, manifest).toString('utf8')), 'the manifest names the target platform');

  // The production bundles and the TensorFlow.js wasm binaries beside them.
  for (const bundle of ['extension.js', 'modelWorker.js', 'adaptWorker.js']) has(`extension/dist/${bundle}`);
  const wasm = readdirSync(join(REPO, 'node_modules/@tensorflow/tfjs-backend-wasm/dist')).filter((f) => f.endsWith('.wasm'));
  assert.ok(wasm.length >= 3, 'tfjs-backend-wasm ships its .wasm files');
  for (const file of wasm) has(`extension/dist/${file}`);

  // Every file of the default model, the shipped adapters included.
  const model = filesUnder(join(REPO, 'models/default'));
  for (const file of model) has(`extension/models/default/${file}`);
  for (const file of ['manifest.json', 'encoder.onnx', 'span-head.onnx']) has(`extension/models/default/${file}`);
  const adapters = names.filter((n) => /^extension\/models\/default\/adapters\/[^/]+\/adapter\.json$/.test(n));
  assert.ok(adapters.length >= 1, 'at least one shipped adapter');
  for (const a of adapters) has(a.replace(/adapter\.json$/, 'lora.bin'));

  // onnxruntime-node for linux/x64 only, with the JavaScript require('onnxruntime-node') needs.
  const ort = 'extension/node_modules/onnxruntime-node';
  for (const file of ['package.json', 'dist/index.js', 'dist/binding.js', 'dist/backend.js', 'bin/napi-v6/linux/x64/onnxruntime_binding.node', 'bin/napi-v6/linux/x64/libonnxruntime.so.1']) has(`${ort}/${file}`);
  for (const file of ['package.json', 'dist/cjs/package.json', 'dist/cjs/index.js']) has(`extension/node_modules/onnxruntime-common/${file}`);
  const binaries = names.filter((n) => n.startsWith(`${ort}/bin/`));
  assert.deepEqual(binaries.filter((n) => !n.startsWith(`${ort}/bin/napi-v6/linux/x64/`)), [], 'only linux/x64 binaries');
  assert.deepEqual(names.filter((n) => /\/napi-v6\/(darwin|win32)\/|\/linux\/arm64\//.test(n)), []);
  const packages = new Set(names.filter((n) => n.startsWith('extension/node_modules/')).map((n) => n.split('/')[2]));
  assert.deepEqual([...packages].sort(), ['onnxruntime-common', 'onnxruntime-node']);

  // No sources, tests, scripts, data, maps or local leftovers.
  const forbidden = [
    /\.ts$/, // sources and declarations (.ts, .mts, .d.ts)
    /\.m?tsx?$/,
    /\.map$/,
    /\.conll$/i,
    /(^|\/)(src|test|tests|scripts|data|shared|samples|docs|bench-results|\.cache|out)\//,
    /\.(vsix|log)$/,
  ];
  assert.deepEqual(names.filter((n) => forbidden.some((re) => re.test(n))), [], 'files that must not be shipped');
  const topLevel = new Set(names.filter((n) => n.startsWith('extension/')).map((n) => n.split('/')[1]));
  for (const entry of topLevel) assert.ok(['package.json', 'readme.md', 'LICENSE.txt', 'changelog.md', 'dist', 'models', 'media', 'node_modules'].includes(entry), `unexpected extension/${entry}`);
  const models = new Set(names.filter((n) => n.startsWith('extension/models/')).map((n) => n.split('/')[2]));
  assert.deepEqual([...models], ['default'], 'only the default model');
});

test('the packaged model worker loads onnxruntime-node and the model from the extracted VSIX and finds entities', { timeout: 180_000, skip: `${process.platform}-${process.arch}` !== TARGET && `the VSIX is for ${TARGET}` }, () => {
  const root = join(dir, 'unpacked');
  extractZip(vsix, root);
  const ext = join(root, 'extension');
  // A plain Node process (no tsx, no repository node_modules: the extracted tree is under the temp folder).
  const runner = join(root, 'run-worker.cjs');
  writeFileSync(
    runner,
    `const { Worker } = require('node:worker_threads');
const { join } = require('node:path');
const ext = ${JSON.stringify(ext)};
const fromDist = require.resolve('onnxruntime-node', { paths: [join(ext, 'dist')] });
if (!fromDist.startsWith(ext + '/node_modules/onnxruntime-node/')) throw new Error('onnxruntime-node resolves outside the VSIX: ' + fromDist);
const ort = require(join(ext, 'node_modules/onnxruntime-node'));
if (typeof ort.InferenceSession?.create !== 'function') throw new Error('onnxruntime-node has no InferenceSession');
const worker = new Worker(join(ext, 'dist/modelWorker.js'));
const out = { resolved: fromDist, events: [] };
const finish = (code) => { console.log(JSON.stringify(out)); worker.terminate().then(() => process.exit(code)); };
const timer = setTimeout(() => { out.timeout = true; finish(2); }, 120000);
worker.on('error', (e) => { out.workerError = String(e && e.stack || e); clearTimeout(timer); finish(1); });
worker.on('message', (event) => {
  out.events.push(event);
  if (event.type === 'ready') {
    worker.postMessage({ type: 'highlight', id: 1, text: 'Angela Merkel met Emmanuel Macron in Paris on Monday.', threshold: 0.5 });
  } else if (event.type === 'result' && event.id === 1) {
    worker.postMessage({ type: 'adapter', id: 2, dir: join(ext, 'models/default/adapters', ${JSON.stringify('news')}) });
  } else if (event.type === 'adapter' && event.id === 2) {
    worker.postMessage({ type: 'highlight', id: 3, text: 'Angela Merkel met Emmanuel Macron in Paris on Monday.', threshold: 0.5 });
  } else if (event.type === 'result' && event.id === 3) {
    clearTimeout(timer); finish(0);
  } else if (event.type === 'error') {
    clearTimeout(timer); finish(1);
  }
});
worker.postMessage({ type: 'load', modelDir: join(ext, 'models/default'), threads: 1 });
`,
  );
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  delete env.NODE_PATH;
  const run = spawnSync(process.execPath, [runner], { cwd: root, env, encoding: 'utf8', timeout: 170_000 });
  const line = run.stdout.trim().split('\n').at(-1) ?? '';
  assert.equal(run.status, 0, `the worker run failed (exit ${run.status}):\n${run.stdout}\n${run.stderr}`);
  const out = JSON.parse(line) as { resolved: string; events: Array<{ type: string; id?: number; entities?: Array<{ text?: string; label: string; start: number; end: number }>; provider?: string; adapter?: string | null }> };
  const ready = out.events.find((e) => e.type === 'ready');
  assert.ok(ready, 'the worker loaded the model');
  const result = out.events.find((e) => e.type === 'result' && e.id === 1);
  assert.ok(result?.entities && result.entities.length >= 1, `entities found: ${JSON.stringify(result)}`);
  const adapted = out.events.find((e) => e.type === 'adapter' && e.id === 2);
  assert.equal(adapted?.adapter, 'news', 'the shipped news adapter loads');
  const text = 'Angela Merkel met Emmanuel Macron in Paris on Monday.';
  console.log(`provider ${ready.provider}; entities: ${result.entities.map((e) => `${text.slice(e.start, e.end)}/${e.label}`).join(', ')}`);
});
