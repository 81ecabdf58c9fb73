// Bundles the extension host entry and the worker threads (model, adaptation) into dist/ with esbuild.
// Usage: node scripts/build-extension.mjs [--production] [--watch]
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** @type {import('esbuild').BuildOptions} */
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // vscode is provided by the editor; onnxruntime-node carries native binaries and is loaded from node_modules.
  // The native TensorFlow.js packages are optional and installed by the user, if at all: never bundled, so that
  // one that is missing is an error the adapt worker catches and reports, not a build failure. Their loader
  // (src/core/model/tfModules.ts) requires them at run time already; listing them here keeps any other
  // require of them out of the bundle too.
  external: ['vscode', 'onnxruntime-node', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'],
  sourcemap: production ? false : 'linked',
  minify: production,
  metafile: true,
  logLevel: 'warning',
};

const entries = [
  { entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js' },
  { entryPoints: ['src/worker/modelWorker.ts'], outfile: 'dist/modelWorker.js' },
  { entryPoints: ['src/worker/adaptWorker.ts'], outfile: 'dist/adaptWorker.js' },
];

// The support panel's script runs in the webview (a browser): its own bundle, with the @vscode-elements
// components it uses; its CSS is copied beside it. Nothing is loaded from the network.
entries.push({ entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife', target: 'es2022', external: [] });

// The bundled TensorFlow.js wasm backend looks for its .wasm files beside the bundle (its __dirname).
const wasmDir = join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
mkdirSync(join(root, 'dist'), { recursive: true });
for (const file of readdirSync(wasmDir)) if (file.endsWith('.wasm')) copyFileSync(join(wasmDir, file), join(root, 'dist', file));
copyFileSync(join(root, 'webview', 'panel.css'), join(root, 'dist', 'webview.css'));

if (watch) {
  for (const entry of entries) await (await esbuild.context({ ...common, ...entry })).watch();
  console.log('watching src/ for changes');
} else {
  const started = performance.now();
  for (const entry of entries) {
    const result = await esbuild.build({ ...common, ...entry });
    const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + (o.entryPoint ? o.bytes : 0), 0);
    console.log(`${relative(root, join(root, entry.outfile))}  ${(bytes / 1024).toFixed(0)} KiB`);
  }
  console.log(`built in ${Math.round(performance.now() - started)} ms`);
}
