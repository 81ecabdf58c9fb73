/// <reference types="mocha" />
// Adapter switches in a real VS Code are checked and all or nothing: a name that climbs out of .baner/adapters,
// a damaged adapter and an adapter folder that is a link to elsewhere are refused with a message, and the adapter
// in use stays. Uses a copy of the model's own shipped "news" adapter as the valid one.
import * as assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BanerApi, banerApi, waitFor, workspaceFile } from './helpers';

describe('Adapter safety', () => {
  let api: BanerApi;
  const made: string[] = [];
  const adapters = () => workspaceFile('.baner/adapters').fsPath;

  before(async () => {
    api = await banerApi();
    await api.activateAdapter(null); // loads the model
    const modelDir = await waitFor('the model to load', () => api.engineState()?.modelDir, 120_000);
    mkdirSync(adapters(), { recursive: true });
    for (const name of ['news', 'broken']) {
      cpSync(join(modelDir, 'adapters', 'news'), join(adapters(), name), { recursive: true });
      made.push(join(adapters(), name));
    }
    const lora = readFileSync(join(adapters(), 'broken', 'lora.bin'));
    writeFileSync(join(adapters(), 'broken', 'lora.bin'), lora.subarray(0, lora.length - 100));
    const outside = mkdtempSync(join(tmpdir(), 'baner-outside-'));
    cpSync(join(modelDir, 'adapters', 'news'), join(outside, 'planted'), { recursive: true });
    symlinkSync(join(outside, 'planted'), join(adapters(), 'linked'));
    made.push(join(adapters(), 'linked'), outside);
  });

  after(async () => {
    await api.activateAdapter(null);
    for (const path of made) rmSync(path, { recursive: true, force: true });
  });

  it('activates a valid adapter, and refuses bad names, damaged adapters and links while it stays active', async () => {
    await api.activateAdapter('news');
    assert.equal(api.engineState()?.adapter, 'news');
    await assert.rejects(api.activateAdapter('../../../x'), /not a valid adapter name/);
    await assert.rejects(api.activateAdapter('broken'), /adapter "broken": lora\.bin is truncated/);
    await assert.rejects(api.activateAdapter('linked'), /adapter "linked" is a symbolic link/);
    assert.equal(api.engineState()?.adapter, 'news', 'the adapter in use did not change');
    await waitFor('the status bar to name the adapter', () => /news/.test(api.statusText()), 10_000);
  });
});
