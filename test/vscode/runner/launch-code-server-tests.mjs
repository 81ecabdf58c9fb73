#!/usr/bin/env node
// @ts-check
// Runs VS Code extension tests (mocha in the extension host) in code-server + headless Chromium, taking
// the command line of a desktop VS Code, so that it also serves as `vscodeExecutablePath` of
// @vscode/test-electron's runTests (and `useInstallation.fromPath` of @vscode/test-cli):
//
//   launch-code-server-tests.mjs --extensionDevelopmentPath=DIR --extensionTestsPath=FILE
//       [--user-data-dir=DIR] [--extensions-dir=DIR] [--disable-extensions] [FOLDER]
//
// Other VS Code flags (--no-sandbox, --disable-updates, --skip-welcome, ...) are accepted and ignored.
// It starts code-server on 127.0.0.1 (a free port; its own user data, extensions, HOME and XDG folders
// in a temp folder unless given), opens the workbench in Chromium with the development options in the
// URL's payload (honoured once enableSmokeTestDriver is patched into the workbench configuration), prints
// the extension host's output, and exits with the code the workbench reports through codeAutomationExit
// (the tests' result). The server's whole process group is ended in every case.
//
// Environment: BANER_TEST_TIMEOUT_S (whole run, default 600), BANER_KEEP_TMP=1 (keep the temp folder),
// BANER_TEST_VERBOSE=1 (also print the workbench's own log), BANER_TEST_MACHINE_SETTINGS (a JSON object of
// machine settings, e.g. {"baner.modelPath": "models/cnn"}: settings of scope "machine" cannot come from the
// user or workspace settings of code-server's remote window), and those of codeServer.mjs (BANER_NODE24,
// BANER_CODE_SERVER_ENTRY, BANER_CHROMIUM).
import { mkdtempSync, rmSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launchChromium, startCodeServer, workbenchUrl, enableSmokeTestDriver, tail } from './codeServer.mjs';

/** The workbench's own log lines in every run (shown with BANER_TEST_VERBOSE=1, and always in workbench.log). */
const WORKBENCH_NOISE = [
  /^Resolv(ing|ed) connection token/,
  /^Creating a socket/,
  /^\[(reconnection-grace-time|Service Worker|AgentHost[^\]]*|AccountPolicyGate)\]/,
  /^Updating additional builtin extensions cache/,
  // No internet: the extension gallery and the GitHub sign-in are unreachable.
  /ENOTFOUND open-vsx\.org/,
  /Timed out waiting for authentication provider 'github'/,
];

const say = (/** @type {string} */ line) => process.stderr.write(`[code-server-tests] ${line}\n`);

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {{ extensionDevelopmentPath: string[], extensionTestsPath?: string, userDataDir?: string, extensionsDir?: string, disableExtensions: boolean, folder?: string, ignored: string[] }} */
  const args = { extensionDevelopmentPath: [], disableExtensions: false, ignored: [] };
  const withValue = new Set(['--extensionDevelopmentPath', '--extensionTestsPath', '--user-data-dir', '--extensions-dir']);
  for (let i = 0; i < argv.length; i++) {
    let flag = argv[i];
    let value;
    const eq = flag.indexOf('=');
    if (flag.startsWith('--') && eq > 0) {
      value = flag.slice(eq + 1);
      flag = flag.slice(0, eq);
    } else if (withValue.has(flag)) {
      value = argv[++i];
    }
    if (!flag.startsWith('-')) {
      args.folder = resolve(flag);
      continue;
    }
    if (withValue.has(flag) && (value === undefined || value === '')) throw new Error(`${flag} needs a value`);
    const v = /** @type {string} */ (value);
    if (flag === '--extensionDevelopmentPath') args.extensionDevelopmentPath.push(resolve(v));
    else if (flag === '--extensionTestsPath') args.extensionTestsPath = resolve(v);
    else if (flag === '--user-data-dir') args.userDataDir = resolve(v);
    else if (flag === '--extensions-dir') args.extensionsDir = resolve(v);
    else if (flag === '--disable-extensions') args.disableExtensions = true;
    else args.ignored.push(argv[i]);
  }
  return args;
}

/**
 * The machine settings of $BANER_TEST_MACHINE_SETTINGS, if set.
 * @returns {Record<string, unknown> | undefined}
 */
function machineSettingsFromEnv(value = process.env.BANER_TEST_MACHINE_SETTINGS) {
  if (value === undefined || value === '') return undefined;
  /** @type {unknown} */
  let parsed;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new Error(`BANER_TEST_MACHINE_SETTINGS is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('BANER_TEST_MACHINE_SETTINGS must be a JSON object of settings');
  return /** @type {Record<string, unknown>} */ (parsed);
}

/**
 * @param {string[]} argv
 * @returns {Promise<number>} the exit code
 */
async function main(argv) {
  const args = parseArgs(argv);
  const machineSettings = machineSettingsFromEnv();
  if (!args.extensionTestsPath) throw new Error('--extensionTestsPath=FILE is required (the compiled test index)');
  const timeoutS = Number(process.env.BANER_TEST_TIMEOUT_S ?? 600);
  const verbose = process.env.BANER_TEST_VERBOSE === '1';
  const dir = mkdtempSync(join(tmpdir(), 'baner-code-server-tests-'));
  const workbenchLog = join(dir, 'workbench.log');
  /** @type {import('./codeServer.mjs').CodeServer | undefined} */
  let server;
  /** @type {import('playwright-core').Browser | undefined} */
  let browser;
  /** @type {Promise<void> | undefined} */
  let cleaning;
  // Once, however many callers (the end of the run, a signal) ask; every caller waits for it to finish.
  const cleanup = () =>
    (cleaning ??= (async () => {
      await browser?.close().catch(() => {});
      await server?.stop();
      if (process.env.BANER_KEEP_TMP === '1') say(`kept ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
    })());
  let interrupted = false;
  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
    process.once(signal, () => {
      interrupted = true;
      say(`${signal}: stopping`);
      void cleanup().finally(() => process.exit(130));
    });
  }

  const started = Date.now();
  const seconds = () => ((Date.now() - started) / 1000).toFixed(1);
  // One deadline for the whole run, start-up included.
  const deadline = setTimeout(() => {
    say(`timed out after ${timeoutS} s`);
    if (server) say(`server log (last lines):\n${tail(server.logFile)}`);
    say(`workbench log (last lines):\n${tail(workbenchLog)}`);
    void cleanup().finally(() => process.exit(124));
  }, timeoutS * 1000);
  try {
    server = await startCodeServer({ dir, userDataDir: args.userDataDir, extensionsDir: args.extensionsDir, machineSettings });
    if (machineSettings) say(`machine settings: ${JSON.stringify(machineSettings)}`);
    say(`code-server ready on ${server.origin} in ${seconds()} s (pid ${server.pid})`);
    browser = await launchChromium({ handleSignals: false });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });

    /** @type {(code: number) => void} */
    let finish = () => {};
    /** @type {Promise<number>} */
    const exited = new Promise((resolve) => (finish = resolve));
    await page.exposeFunction('codeAutomationExit', (/** @type {number} */ code) => finish(code));
    // The workbench's log. In a test run it carries, unprefixed, what the extension host writes to its console
    // (mocha's report) among the workbench's own lines: print all of it but the workbench's known chatter.
    await page.exposeFunction('codeAutomationLog', (/** @type {string} */ level, /** @type {string} */ message) => {
      appendFileSync(workbenchLog, `${level} ${message}\n`);
      if (!verbose && WORKBENCH_NOISE.some((re) => re.test(message))) return;
      if (level === 'error' || level === 'warn') process.stderr.write(`[${level}] ${message}\n`);
      else process.stdout.write(`${message}\n`);
    });
    page.on('pageerror', (error) => appendFileSync(workbenchLog, `pageerror ${error.message}\n`));
    page.on('crash', () => {
      say('the page crashed');
      finish(3);
    });
    browser.on('disconnected', () => finish(4));
    await page.addInitScript(enableSmokeTestDriver);

    const url = workbenchUrl(server, {
      folder: args.folder,
      extensionDevelopmentPath: args.extensionDevelopmentPath,
      extensionTestsPath: args.extensionTestsPath,
      disableExtensions: args.disableExtensions,
    });
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    say(`workbench opened in ${seconds()} s; running the tests`);

    const code = await exited;
    if (interrupted) return 130;
    say(`tests finished with exit code ${code} after ${seconds()} s`);
    if (code !== 0) say(`workbench log (last lines):\n${tail(workbenchLog, 40)}`);
    return code;
  } catch (error) {
    if (server) say(`server log (last lines):\n${tail(server.logFile)}`);
    throw error;
  } finally {
    clearTimeout(deadline);
    await cleanup();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    say(`error: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    process.exit(2);
  },
);
