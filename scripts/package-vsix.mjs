// Packages the extension as a platform VSIX: the production bundles (vsce runs `vscode:prepublish`), the bundled
// models (transformer and CNN) and their adapters, and onnxruntime-node with the native binaries of one platform only.
// What goes in is .vscodeignore (an allowlist); this script adds the target's onnxruntime-node binaries to it
// in a temporary ignore file and runs vsce with it.
// Usage: node scripts/package-vsix.mjs [--target <vsce target>] [--out <file.vsix>] [--gpu]
//   --target  linux-x64 (default: this machine's platform), linux-arm64, darwin-arm64, win32-x64, win32-arm64
//   --out     default: baner-vscode-<version>-<target>[-gpu].vsix at the repository root
//   --gpu     linux-x64 only: also carry onnxruntime-node's CUDA execution provider libraries, which must be in
//             node_modules (its install script downloads them; see gpuLibrariesMissing). Without --gpu the VSIX
//             carries the CPU build only, even when they are there.
// Also exports the small zip reader the packaging test uses (no dependencies).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { inflateRawSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ortBin = 'node_modules/onnxruntime-node/bin/napi-v6';

/** vsce target -> onnxruntime-node's bin/napi-v6/<os>/<arch> folder (the platforms onnxruntime-node ships binaries for). */
export const ORT_PLATFORMS = {
  'linux-x64': 'linux/x64',
  'linux-arm64': 'linux/arm64',
  'darwin-arm64': 'darwin/arm64',
  'win32-x64': 'win32/x64',
  'win32-arm64': 'win32/arm64',
};

export function hostTarget() {
  return `${process.platform}-${process.arch}`;
}

/** The CUDA execution provider of onnxruntime-node (linux-x64): the provider and the bridge it is loaded through. */
export const CUDA_PROVIDER_FILES = ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so'];

/** Execution providers onnxruntime-node's install script adds beside the CPU binaries (CUDA, TensorRT). */
const PROVIDER_LIBRARY = /^libonnxruntime_providers_/;

/**
 * Why `--gpu` cannot package, and how to fix it: the CUDA provider files that are not in `dir`.
 * @param {string[]} missing
 * @param {string} dir
 * @returns {string}
 */
export function gpuLibrariesMissing(missing, dir) {
  let version = '';
  try {
    version = `@${JSON.parse(readFileSync(join(root, 'node_modules/onnxruntime-node/package.json'), 'utf8')).version}`;
  } catch {
    // Not installed at all: the plain name will do.
  }
  return (
    `--gpu needs onnxruntime-node's CUDA provider libraries in ${dir}, and ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not there ` +
    `(onnxruntime-node was installed with ONNXRUNTIME_NODE_INSTALL=skip, or its download failed). They are not in the npm package: its install ` +
    `script downloads them (CUDA 12 build) from NuGet. On a machine that can reach api.nuget.org run ` +
    `\`ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node\` (or \`npm install onnxruntime-node${version} --onnxruntime-node-install=cuda12\`), then package again.`
  );
}

/**
 * The `!` lines that put the target's onnxruntime-node binaries into the VSIX. The macOS package carries the
 * runtime twice (libonnxruntime.1.dylib, which the binding loads, and a versioned copy): the copy stays out.
 * Execution provider libraries stay out too, unless `gpu`: then the CUDA provider goes in (it must be there;
 * TensorRT, which BANER never asks for, stays out).
 * @param {string} target
 * @param {{ gpu?: boolean, files?: string[] }} [options]  files: stands for the folder's listing (tests)
 * @returns {string[]}
 */
export function binaryIncludes(target, options = {}) {
  const folder = ORT_PLATFORMS[/** @type {keyof typeof ORT_PLATFORMS} */ (target)];
  if (!folder) throw new Error(`no onnxruntime-node binaries for target ${target}; supported: ${Object.keys(ORT_PLATFORMS).join(', ')}`);
  const dir = `${ortBin}/${folder}`;
  let files = options.files;
  try {
    files ??= readdirSync(join(root, dir));
  } catch {
    throw new Error(`${dir} is missing: is onnxruntime-node installed?`);
  }
  const runtime = files.filter((f) => !/^libonnxruntime\.\d+\.\d+\.\d+\.dylib$/.test(f) && !PROVIDER_LIBRARY.test(f));
  if (!options.gpu) return runtime.map((f) => `!${dir}/${f}`);
  if (target !== 'linux-x64') throw new Error(`--gpu: onnxruntime-node has a CUDA execution provider for linux-x64 only, not ${target}`);
  const missing = CUDA_PROVIDER_FILES.filter((f) => !files.includes(f));
  if (missing.length > 0) throw new Error(gpuLibrariesMissing(missing, dir));
  return [...runtime, ...CUDA_PROVIDER_FILES].map((f) => `!${dir}/${f}`);
}

/**
 * @typedef {{ name: string, method: number, compressedSize: number, size: number, localOffset: number }} ZipEntry
 */

/**
 * The entries of a zip file, from its central directory (no zip64: a VSIX stays far below 4 GB and 65535 files).
 * @param {Buffer} zip
 * @returns {ZipEntry[]}
 */
export function zipEntries(zip) {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip file (no end of central directory record)');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  /** @type {ZipEntry[]} */
  const entries = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`bad central directory entry ${i}`);
    const nameLength = zip.readUInt16LE(at + 28);
    entries.push({
      name: zip.toString('utf8', at + 46, at + 46 + nameLength),
      method: zip.readUInt16LE(at + 10),
      compressedSize: zip.readUInt32LE(at + 20),
      size: zip.readUInt32LE(at + 24),
      localOffset: zip.readUInt32LE(at + 42),
    });
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return entries;
}

/**
 * The content of one entry (stored or deflated).
 * @param {Buffer} zip
 * @param {ZipEntry} entry
 * @returns {Buffer}
 */
export function zipEntryData(zip, entry) {
  const at = entry.localOffset;
  if (zip.readUInt32LE(at) !== 0x04034b50) throw new Error(`bad local header for ${entry.name}`);
  const start = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
  const raw = zip.subarray(start, start + entry.compressedSize);
  const data = entry.method === 0 ? raw : entry.method === 8 ? inflateRawSync(raw) : undefined;
  if (!data) throw new Error(`unsupported compression method ${entry.method} for ${entry.name}`);
  if (data.length !== entry.size) throw new Error(`size mismatch for ${entry.name}`);
  return data;
}

/**
 * Extracts every file of a zip into `dest`.
 * @param {string} zipFile
 * @param {string} dest
 */
export function extractZip(zipFile, dest) {
  const zip = readFileSync(zipFile);
  for (const entry of zipEntries(zip)) {
    if (entry.name.endsWith('/')) continue;
    const target = resolve(dest, entry.name);
    if (relative(dest, target).startsWith('..')) throw new Error(`zip entry outside the destination: ${entry.name}`);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, zipEntryData(zip, entry));
  }
}

/** Entries that must never be in the VSIX (a last check; the packaging test asserts the same and more). */
const FORBIDDEN = [/\.conll$/i, /\.map$/, /\.ts$/, /^extension\/(src|test|scripts|data|bench-results|\.cache)\//, /(^|\/)shared\//];

/**
 * @param {{ target?: string, out?: string, gpu?: boolean }} [options]
 * @returns {{ file: string, bytes: number, files: number, seconds: number }}
 */
export function packageVsix(options = {}) {
  const started = performance.now();
  const target = options.target ?? hostTarget();
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const out = resolve(options.out ?? join(root, `${manifest.name}-${manifest.version}-${target}${options.gpu ? '-gpu' : ''}.vsix`));
  // Checked first: a --gpu build without the CUDA provider fails before minutes of bundling.
  const binaries = binaryIncludes(target, { gpu: options.gpu });

  const tmp = mkdtempSync(join(tmpdir(), 'baner-vsix-'));
  try {
    const ignoreFile = join(tmp, '.vscodeignore');
    const base = readFileSync(join(root, '.vscodeignore'), 'utf8');
    writeFileSync(ignoreFile, `${base}\n# onnxruntime-node binaries for ${target}${options.gpu ? ', with the CUDA provider' : ''} (scripts/package-vsix.mjs)\n${binaries.join('\n')}\n`);
    rmSync(out, { force: true });
    mkdirSync(dirname(out), { recursive: true });
    // The repository url is a placeholder (not GitHub): relative README links are rewritten against it.
    const repo = String(manifest.repository?.url ?? '').replace(/\.git$/, '');
    const args = [
      join(root, 'node_modules/@vscode/vsce/vsce'),
      'package',
      '--target', target,
      '--out', out,
      '--ignoreFile', ignoreFile,
      // npm lists the production dependencies (offline); the ignore file keeps all but onnxruntime-node's few files.
      '--dependencies',
      '--no-yarn',
      ...(repo ? ['--baseContentUrl', `${repo}/blob/HEAD/`, '--baseImagesUrl', `${repo}/raw/HEAD/`] : []),
    ];
    // stdout piped: vsce looks up its latest version on the registry only when stdout is a terminal.
    const run = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    process.stdout.write(run.stdout ?? '');
    if (run.status !== 0) throw new Error(`vsce package failed (exit ${run.status ?? run.signal})`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }

  const entries = zipEntries(readFileSync(out)).filter((e) => !e.name.endsWith('/'));
  const bad = entries.filter((e) => FORBIDDEN.some((re) => re.test(e.name)));
  const missing = binaries.map((line) => `extension/${line.slice(1)}`).filter((name) => !entries.some((e) => e.name === name));
  if (bad.length || missing.length) {
    rmSync(out, { force: true });
    if (bad.length) throw new Error(`the VSIX held files it must not (removed it): ${bad.map((e) => e.name).join(', ')}`);
    throw new Error(`the VSIX lacked ${missing.join(', ')} (removed it)`);
  }
  return { file: out, bytes: statSync(out).size, files: entries.length, seconds: (performance.now() - started) / 1000 };
}

function parseArgs(argv) {
  /** @type {{ target?: string, out?: string, gpu?: boolean }} */
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (!v) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--target' || arg.startsWith('--target=')) options.target = value();
    else if (arg === '--out' || arg.startsWith('--out=')) options.out = value();
    else if (arg === '--gpu') options.gpu = true;
    else throw new Error(`unknown argument ${arg}; usage: node scripts/package-vsix.mjs [--target <vsce target>] [--out <file.vsix>] [--gpu]`);
  }
  return options;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    const result = packageVsix(parseArgs(process.argv.slice(2)));
    console.log(`${relative(process.cwd(), result.file) || result.file}: ${(result.bytes / 1024 / 1024).toFixed(1)} MB, ${result.files} files (${result.seconds.toFixed(0)} s)`);
  } catch (error) {
    console.error(`package-vsix: ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  }
}
