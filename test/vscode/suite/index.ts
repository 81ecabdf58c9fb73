// Entry of the extension tests: VS Code's extension host loads this file (--extensionTestsPath) and awaits
// run(). Runs every *.test.js beside it (bundled from test/vscode/suite/*.test.ts) with mocha, one after the
// other in file-name order, in the same extension host as the extension under test.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import Mocha from 'mocha';

// The workbench relays the extension host's console.log(format, ...args) without applying the format:
// hand it finished lines.
Mocha.reporters.Base.consoleLog = (...args: unknown[]) => console.log(format(...args));

export async function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'bdd',
    reporter: 'spec',
    color: false,
    // The first highlight loads the model; a CI machine may be busy with other work.
    timeout: 120_000,
    slow: 5_000,
    // BANER_TEST_GREP=<text or regexp>: run only the matching tests (the variable reaches the extension host).
    grep: process.env.BANER_TEST_GREP || undefined,
  });
  // File-name order, except the soak, which leaves the most behind (its documents, labels and adapter): last.
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .sort((a, b) => Number(a === 'soak.test.js') - Number(b === 'soak.test.js') || a.localeCompare(b));
  for (const file of files) mocha.addFile(join(__dirname, file));
  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  if (failures > 0) throw new Error(`${failures} extension test${failures === 1 ? '' : 's'} failed`);
}
