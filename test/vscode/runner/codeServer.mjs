// @ts-check
// A real VS Code without a desktop build: code-server (the VS Code workbench served to a browser, with a
// Node extension host) from the npm registry, driven by Chromium through playwright-core. Used by the
// extension-test launcher (launch-code-server-tests.mjs) and by the UI tests (test/ui).
// Facts behind it: /work/shared/docs/vscode-testing.md (payload URL, enableSmokeTestDriver, codeAutomationExit).
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');

/** User settings that keep the workbench quiet and deterministic (no welcome page, trust prompt, telemetry, updates). */
export const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  // No animations (progress spinners): less work for a headless renderer sharing the CPUs with the tests.
  'workbench.reduceMotion': 'on',
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
};

/** Chromium flags: headless, no sandbox (root in CI), nothing that reaches the network on its own. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/**
 * Node 24 and code-server's entry script: $BANER_NODE24 and $BANER_CODE_SERVER_ENTRY when both are set,
 * else those of scripts/install-code-server.sh (which installs them under .cache/launch the first time).
 * @returns {{ node: string, entry: string }}
 */
export function codeServerPaths() {
  const node = process.env.BANER_NODE24;
  const entry = process.env.BANER_CODE_SERVER_ENTRY;
  if (node && entry) return { node, entry };
  const printed = execFileSync('bash', [join(REPO, 'scripts', 'install-code-server.sh'), '--print-env'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  /** @type {Record<string, string>} */
  const vars = {};
  for (const line of printed.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) vars[line.slice(0, eq)] = line.slice(eq + 1);
  }
  if (!vars.NODE24 || !vars.CODE_SERVER_ENTRY) throw new Error(`install-code-server.sh printed no paths:\n${printed}`);
  return { node: vars.NODE24, entry: vars.CODE_SERVER_ENTRY };
}

/** The Chromium to drive: $BANER_CHROMIUM, else the first of the usual system paths. */
export function chromiumPath() {
  const candidates = [process.env.BANER_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  for (const c of candidates) if (c && existsSync(c)) return c;
  throw new Error('no Chromium found: install it (apt-get install chromium) or set BANER_CHROMIUM');
}

/** A TCP port free on 127.0.0.1 right now. @returns {Promise<number>} */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * @typedef {object} CodeServer
 * @property {number} port
 * @property {string} origin       http://127.0.0.1:PORT
 * @property {string} authority    127.0.0.1:PORT (the remote authority of vscode-remote:// URIs)
 * @property {number} pid          the server's pid, also its process group id
 * @property {string} logFile      the server's stdout and stderr
 * @property {() => Promise<void>} stop  ends the server and every process it started (extension hosts)
 */

/**
 * Starts code-server on a free port of 127.0.0.1, in its own process group, with its own user data,
 * extensions, HOME, XDG and temp folders under `dir`, and waits until it is healthy.
 * @param {object} options
 * @param {string} options.dir               a folder of this run (created if missing)
 * @param {string} [options.userDataDir]     default dir/user-data
 * @param {string} [options.extensionsDir]   default dir/extensions
 * @param {Record<string, unknown>} [options.settings]  user settings, on top of QUIET_SETTINGS
 * @param {Record<string, unknown>} [options.machineSettings]  machine settings (userDataDir/Machine/settings.json):
 *   the workbench is a remote window of the server, so settings of scope "machine" (e.g. baner.modelPath) are
 *   read from there and ignored in the user settings
 * @param {Record<string, string>} [options.env]        more environment for the server and its extension hosts
 * @param {number} [options.timeoutMs]       how long to wait for /healthz (default 60 s)
 * @returns {Promise<CodeServer>}
 */
export async function startCodeServer(options) {
  const { node, entry } = codeServerPaths();
  const dir = options.dir;
  const userDataDir = options.userDataDir ?? join(dir, 'user-data');
  const extensionsDir = options.extensionsDir ?? join(dir, 'extensions');
  const home = join(dir, 'home');
  const xdg = join(dir, 'xdg');
  const tmp = join(dir, 'tmp');
  for (const d of [join(userDataDir, 'User'), join(userDataDir, 'Machine'), extensionsDir, home, tmp, join(xdg, 'config'), join(xdg, 'data'), join(xdg, 'cache'), join(xdg, 'state')]) {
    mkdirSync(d, { recursive: true });
  }
  mergeSettings(join(userDataDir, 'User', 'settings.json'), { ...QUIET_SETTINGS, ...options.settings });
  if (options.machineSettings) mergeSettings(join(userDataDir, 'Machine', 'settings.json'), options.machineSettings);

  /** @type {NodeJS.ProcessEnv} */
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    // VSCODE_IPC_HOOK_CLI and friends (a terminal inside VS Code) would make code-server open the folder in
    // that VS Code instead of serving; npm_* describe the outer npm run.
    // XDG_RUNTIME_DIR would be used for sockets instead of TMPDIR (below).
    if (!k.startsWith('VSCODE_') && !k.startsWith('npm_') && k !== 'ELECTRON_RUN_AS_NODE' && k !== 'XDG_RUNTIME_DIR') env[k] = v;
  }
  Object.assign(env, options.env, {
    HOME: home,
    // The server and extension hosts leave vscode-ipc-*.sock files in the temp folder: keep them in ours.
    TMPDIR: tmp,
    XDG_CONFIG_HOME: join(xdg, 'config'),
    XDG_DATA_HOME: join(xdg, 'data'),
    XDG_CACHE_HOME: join(xdg, 'cache'),
    XDG_STATE_HOME: join(xdg, 'state'),
  });

  const logFile = join(dir, 'code-server.log');
  const timeoutMs = options.timeoutMs ?? 60_000;
  let lastError = '';
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    const log = openSync(logFile, 'a');
    const child = spawn(
      node,
      [
        entry,
        '--bind-addr', `127.0.0.1:${port}`,
        '--auth', 'none',
        '--user-data-dir', userDataDir,
        '--extensions-dir', extensionsDir,
        '--config', join(userDataDir, 'config.yaml'),
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-workspace-trust',
        '--disable-getting-started-override',
        '--disable-file-downloads',
        '--ignore-last-opened',
      ],
      // detached: its own process group, so that stop() also ends the extension hosts it forks.
      { env, detached: true, stdio: ['ignore', log, log] },
    );
    closeSync(log);
    let exited = false;
    child.once('exit', () => (exited = true));
    child.once('error', () => (exited = true));
    if (child.pid === undefined) throw new Error(`could not start ${node} ${entry}`);
    const pid = child.pid;
    const killGroup = () => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    // Last resort if the caller dies without calling stop().
    process.once('exit', killGroup);
    const server = {
      port,
      origin: `http://127.0.0.1:${port}`,
      authority: `127.0.0.1:${port}`,
      pid,
      logFile,
      stop: async () => {
        process.removeListener('exit', killGroup);
        try {
          process.kill(-pid, 'SIGTERM');
        } catch {
          return;
        }
        const deadline = Date.now() + 5000;
        while (Date.now() < deadline && groupAlive(pid)) await sleep(100);
        killGroup();
      },
    };
    const started = Date.now();
    while (!exited && Date.now() - started < timeoutMs) {
      if (await healthy(server.origin)) return server;
      await sleep(250);
    }
    await server.stop();
    lastError = exited ? `code-server exited at start (attempt ${attempt}); log: ${logFile}\n${tail(logFile)}` : `code-server not healthy after ${timeoutMs} ms; log: ${logFile}\n${tail(logFile)}`;
    if (!exited) break; // not a port race: do not retry
  }
  throw new Error(lastError);
}

/**
 * The workbench URL that opens `folder` and passes VS Code's development options (extensionDevelopmentPath,
 * extensionTestsPath, ...) as the payload; a built workbench only honours them with enableSmokeTestDriver.
 * @param {CodeServer} server
 * @param {{ folder?: string, extensionDevelopmentPath?: string[], extensionTestsPath?: string, disableExtensions?: boolean }} options
 */
export function workbenchUrl(server, options) {
  const remote = (/** @type {string} */ path) => `vscode-remote://${server.authority}${encodeURI(path)}`;
  /** @type {Array<[string, string]>} */
  const payload = [];
  for (const p of options.extensionDevelopmentPath ?? []) payload.push(['extensionDevelopmentPath', remote(p)]);
  if (options.extensionTestsPath) payload.push(['extensionTestsPath', remote(options.extensionTestsPath)]);
  if (options.disableExtensions) payload.push(['disableExtensions', 'true']);
  payload.push(['skipWelcome', 'true'], ['skipReleaseNotes', 'true']);
  const query = [];
  if (options.folder) query.push(`folder=${encodeURIComponent(options.folder)}`);
  query.push(`payload=${encodeURIComponent(JSON.stringify(payload))}`);
  return `${server.origin}/?${query.join('&')}`;
}

/**
 * Runs in the page before the workbench: turns on developmentOptions.enableSmokeTestDriver in the
 * configuration the workbench reads from #vscode-workbench-web-configuration's data-settings attribute.
 * (Passed to addInitScript as a function, so it must not use anything from this module.)
 */
export function enableSmokeTestDriver() {
  /** @type {{ prototype: { getAttribute(this: { id: string }, name: string): string | null } }} */
  const Element = /** @type {any} */ (globalThis).Element; // a DOM global: this runs in the page
  const getAttribute = Element.prototype.getAttribute;
  /** @this {{ id: string }} @param {string} name */
  Element.prototype.getAttribute = function (name) {
    const value = getAttribute.call(this, name);
    if (name !== 'data-settings' || this.id !== 'vscode-workbench-web-configuration' || !value) return value;
    try {
      const config = JSON.parse(value);
      config.developmentOptions = { ...config.developmentOptions, enableSmokeTestDriver: true };
      return JSON.stringify(config);
    } catch {
      return value;
    }
  };
}

/**
 * Headless Chromium (the system one) through playwright-core, with a fresh profile.
 * @param {{ handleSignals?: boolean }} [options]  handleSignals (default true): Playwright closes the browser
 *   on SIGINT/SIGTERM/SIGHUP; false for callers that handle signals (and close the browser) themselves.
 * @returns {Promise<import('playwright-core').Browser>}
 */
export async function launchChromium(options = {}) {
  const { chromium } = await import('playwright-core');
  const handle = options.handleSignals ?? true;
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 60_000,
    handleSIGINT: handle,
    handleSIGTERM: handle,
    handleSIGHUP: handle,
  });
}

/**
 * Writes `settings` into a settings.json, over what it holds already.
 * @param {string} file
 * @param {Record<string, unknown>} settings
 */
function mergeSettings(file, settings) {
  /** @type {Record<string, unknown>} */
  let existing = {};
  try {
    existing = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // none yet (or with comments: replaced)
  }
  writeFileSync(file, JSON.stringify({ ...existing, ...settings }, null, 2));
}

/** @param {number} ms */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** @param {string} origin */
async function healthy(origin) {
  try {
    const response = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(2000) });
    return response.ok;
  } catch {
    return false;
  }
}

/** @param {number} pgid */
function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The last lines of a log file. @param {string} file */
export function tail(file, lines = 30) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
