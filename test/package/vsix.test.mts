// The packaged extension: builds the linux-x64 VSIX once (scripts/package-vsix.mjs, as `npm run package` does)
// and checks what it holds by reading the zip's central directory; then extracts it outside the repository and
// runs the packaged model worker in a plain Node process, which proves the bundles, both bundled models (the
// transformer, the default, and the CNN with a shipped adapter) and onnxruntime-node's native binaries load
// from the VSIX alone.
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
/** The bundled models and the files each cannot run without. */
const MODELS: Record<string, string[]> = {
  transformer: ['manifest.json', 'weights.bin', 'tokenizer.json', 'types.json', 'LICENSE-weights.txt'],
  cnn: ['manifest.json', 'encoder.onnx', 'span-head.onnx', 'encoder-weights.bin', 'word-vectors.bin', 'word-vocab.txt', 'ngram-vectors.bin', 'types.json'],
};

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

test('the VSIX holds the bundles, both models with their adapters and one platform of onnxruntime-node, nothing else', () => {
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

  // Every file of each bundled model, the shipped adapters included, and every file its manifest names.
  for (const [model, required] of Object.entries(MODELS)) {
    for (const file of filesUnder(join(REPO, 'models', model))) has(`extension/models/${model}/${file}`);
    const manifest = JSON.parse(readFileSync(join(REPO, 'models', model, 'manifest.json'), 'utf8')) as { files?: string[] };
    for (const file of [...required, ...(manifest.files ?? [])]) has(`extension/models/${model}/${file}`);
    const adapters = names.filter((n) => new RegExp(`^extension/models/${model}/adapters/[^/]+/adapter\\.json$`).test(n));
    for (const a of adapters) has(a.replace(/adapter\.json$/, 'lora.bin'));
    // The CNN's hub of domain adapters is committed; the transformer's may not be built yet.
    if (model === 'cnn') assert.ok(adapters.length >= 1, 'at least one shipped CNN adapter');
  }

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
  assert.deepEqual([...models].sort(), Object.keys(MODELS).sort(), 'the transformer and the CNN model, nothing else');
});

test('the packaged model worker loads onnxruntime-node and both models from the extracted VSIX and finds entities', { timeout: 180_000, skip: `${process.platform}-${process.arch}` !== TARGET && `the VSIX is for ${TARGET}` }, () => {
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
const text = 'Angela Merkel met Emmanuel Macron in Paris on Monday.';
worker.on('error', (e) => { out.workerError = String(e && e.stack || e); clearTimeout(timer); finish(1); });
// The transformer (the default) first, then the CNN with the shipped news adapter.
worker.on('message', (event) => {
  out.events.push(event);
  if (event.type === 'ready' && event.modelDir.endsWith('transformer')) {
    worker.postMessage({ type: 'highlight', id: 1, text, threshold: 0.5 });
  } else if (event.type === 'result' && event.id === 1) {
    worker.postMessage({ type: 'load', modelDir: join(ext, 'models/cnn'), threads: 1 });
  } else if (event.type === 'ready') {
    worker.postMessage({ type: 'highlight', id: 2, text, threshold: 0.5 });
  } else if (event.type === 'result' && event.id === 2) {
    worker.postMessage({ type: 'adapter', id: 3, dir: join(ext, 'models/cnn/adapters', ${JSON.stringify('news')}) });
  } else if (event.type === 'adapter' && event.id === 3) {
    worker.postMessage({ type: 'highlight', id: 4, text, threshold: 0.5 });
  } else if (event.type === 'result' && event.id === 4) {
    clearTimeout(timer); finish(0);
  } else if (event.type === 'error') {
    clearTimeout(timer); finish(1);
  }
});
worker.postMessage({ type: 'load', modelDir: join(ext, 'models/transformer'), threads: 1 });
`,
  );
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  delete env.NODE_PATH;
  const run = spawnSync(process.execPath, [runner], { cwd: root, env, encoding: 'utf8', timeout: 170_000 });
  const line = run.stdout.trim().split('\n').at(-1) ?? '';
  assert.equal(run.status, 0, `the worker run failed (exit ${run.status}):\n${run.stdout}\n${run.stderr}`);
  const out = JSON.parse(line) as { resolved: string; events: Array<{ type: string; id?: number; model?: string; entities?: Array<{ text?: string; label: string; start: number; end: number }>; provider?: string; adapter?: string | null }> };
  const idOf = (model: string) => (JSON.parse(readFileSync(join(REPO, 'models', model, 'manifest.json'), 'utf8')) as { id: string }).id;
  const ready = out.events.filter((e) => e.type === 'ready');
  assert.deepEqual(ready.map((e) => e.model), [idOf('transformer'), idOf('cnn')], 'the worker loaded the transformer, then the CNN');
  const text = 'Angela Merkel met Emmanuel Macron in Paris on Monday.';
  for (const [id, model] of [[1, 'transformer'], [2, 'cnn']] as const) {
    const result = out.events.find((e) => e.type === 'result' && e.id === id);
    assert.ok(result?.entities && result.entities.length >= 1, `${model}: entities found: ${JSON.stringify(result)}`);
    console.log(`${model}: provider ${ready[id - 1].provider}; entities: ${result.entities.map((e) => `${text.slice(e.start, e.end)}/${e.label}`).join(', ')}`);
  }
  const adapted = out.events.find((e) => e.type === 'adapter' && e.id === 3);
  assert.equal(adapted?.adapter, 'news', 'the shipped news adapter of the CNN loads');
  const result = out.events.find((e) => e.type === 'result' && e.id === 4);
  assert.ok(result?.entities && result.entities.length >= 1, `entities found with the news adapter: ${JSON.stringify(result)}`);
});
