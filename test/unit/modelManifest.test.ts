// A model folder's manifest.json and types.json are checked against schemas of both families: a broken copy is a
// ModelLoadError naming the file and the field; fields the code does not read (evaluation...) may hold anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelLoadError, cnnModelDir, defaultModelDir, readManifest, readTypeVectors } from '../../src/core/model/modelDirectory';
import { tempDir } from './adapterFixtures';

type Json = Record<string, any>;

/** A copy of a bundled model's manifest.json and types.json, changed by `change`, with empty stand-ins for its other files. */
function brokenCopy(modelDir: string, change: (manifest: Json, types: Json) => void): string {
  const dir = tempDir('model');
  const manifest = JSON.parse(readFileSync(join(modelDir, 'manifest.json'), 'utf8'));
  const types = JSON.parse(readFileSync(join(modelDir, 'types.json'), 'utf8'));
  for (const file of manifest.files as string[]) writeFileSync(join(dir, file), '');
  change(manifest, types);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  writeFileSync(join(dir, 'types.json'), JSON.stringify(types));
  return dir;
}

function refused(read: () => unknown, file: 'manifest.json' | 'types.json', problem: RegExp): void {
  assert.throws(read, (error: unknown) => {
    assert.ok(error instanceof ModelLoadError, `a ModelLoadError, not ${(error as Error).name}: ${(error as Error).message}`);
    assert.match(error.message, new RegExp(file.replace('.', '\\.')));
    assert.match(error.message, problem);
    return true;
  });
}

for (const [family, modelDir] of [['cnn', cnnModelDir()], ['transformer', defaultModelDir()]] as const) {
  test(`the bundled ${family} model's files pass, and so does a copy with extra records`, () => {
    assert.equal(readManifest(modelDir).labels.length, 4);
    assert.equal(readTypeVectors(modelDir).labels.length, 4);
    const dir = brokenCopy(modelDir, (m) => {
      m.evaluation = 'anything at all';
      m.newRecord = { nested: [1, 'two'] };
    });
    assert.equal(readManifest(dir).evaluation, 'anything at all');
  });

  test(`a broken ${family} manifest.json names the field`, () => {
    refused(() => readManifest(brokenCopy(modelDir, (m) => delete m.architecture.spanDims)), 'manifest.json', /field architecture\.spanDims is missing/);
    refused(() => readManifest(brokenCopy(modelDir, (m) => (m.architecture.hiddenDims = '256'))), 'manifest.json', /field architecture\.hiddenDims should be a number/);
    refused(() => readManifest(brokenCopy(modelDir, (m) => (m.architecture.spanTags = 0))), 'manifest.json', /field architecture\.spanTags should be at least 1/);
    refused(() => readManifest(brokenCopy(modelDir, (m) => (m.labels = 'PER'))), 'manifest.json', /field labels should be a list/);
    refused(() => readManifest(brokenCopy(modelDir, (m) => (m.typing = 'nearest'))), 'manifest.json', /field typing should be "typeHead" or "prototypes"/);
    refused(() => readManifest(brokenCopy(modelDir, (m) => m.files.push('../../etc/passwd'))), 'manifest.json', /field files\[\d+\] should be a file inside the model folder/);
    refused(() => readManifest(brokenCopy(modelDir, (m) => (m.family = 'rnn'))), 'manifest.json', /field family should be "cnn" or "transformer"/);
    refused(() => readManifest(brokenCopy(modelDir, (m) => delete m.id)), 'manifest.json', /field id is missing/);
    const notJson = brokenCopy(modelDir, () => {});
    writeFileSync(join(notJson, 'manifest.json'), '{"id": ');
    refused(() => readManifest(notJson), 'manifest.json', /is not valid JSON/);
  });

  test(`a broken ${family} types.json names the field`, () => {
    refused(() => readTypeVectors(brokenCopy(modelDir, (_, t) => (t.labels = [1, 2]))), 'types.json', /field labels\[0\] should be a string/);
    refused(() => readTypeVectors(brokenCopy(modelDir, (_, t) => delete t.typeHead)), 'types.json', /field typeHead is missing/);
    refused(
      () => readTypeVectors(brokenCopy(modelDir, (_, t) => (t[t.typing] = t[t.typing].slice(0, 10)))),
      'types.json',
      /has 10 values, expected 4 labels x \d+/,
    );
  });
}

test('the transformer family needs its own architecture fields', () => {
  refused(() => readManifest(brokenCopy(defaultModelDir(), (m) => delete m.architecture.heads)), 'manifest.json', /transformer model manifest: field architecture\.heads is missing/);
  refused(() => readManifest(brokenCopy(defaultModelDir(), (m) => (m.weightsFile = '/etc/passwd'))), 'manifest.json', /field weightsFile should be a file inside the model folder/);
  refused(() => readManifest(brokenCopy(cnnModelDir(), (m) => (m.architecture.dilations = []))), 'manifest.json', /field architecture\.dilations should not be empty/);
});
