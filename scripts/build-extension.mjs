// Bundles the extension host entry and the model worker into dist/ with esbuild.
// Usage: node scripts/build-extension.mjs [--production] [--watch]
import * as esbuild from 'esbuild';
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
  external: ['vscode', 'onnxruntime-node'],
  sourcemap: production ? false : 'linked',
  minify: production,
  metafile: true,
  logLevel: 'warning',
};

const entries = [
  { entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js' },
  { entryPoints: ['src/worker/modelWorker.ts'], outfile: 'dist/modelWorker.js' },
];

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
