// One unreadable adapter, shipped or the workspace's own, is left out of LoRAHub with its reason; the rest load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadHub, saveAdapter } from '../../src/core/adapters/adapterFiles';
import { TEST_BASE, tempDir, testAdapter } from './adapterFixtures';

test('damaged hub and workspace adapters are skipped with a reason; the others make the hub', () => {
  const shipped = tempDir('hub-shipped');
  const workspace = tempDir('hub-workspace');
  saveAdapter(shipped, testAdapter('news'));
  saveAdapter(shipped, testAdapter('music'));
  saveAdapter(workspace, testAdapter('clinic'));
  saveAdapter(workspace, testAdapter('legal'));
  saveAdapter(workspace, testAdapter('other-model'));
  // Shipped: adapter.json that is not JSON (a SyntaxError before). Workspace: a truncated lora.bin (a RangeError
  // before) and one made for another base model.
  writeFileSync(join(shipped, 'music', 'adapter.json'), '{"format": ');
  const lora = readFileSync(join(workspace, 'legal', 'lora.bin'));
  writeFileSync(join(workspace, 'legal', 'lora.bin'), lora.subarray(0, lora.length - 5));
  const config = JSON.parse(readFileSync(join(workspace, 'other-model', 'adapter.json'), 'utf8'));
  writeFileSync(join(workspace, 'other-model', 'adapter.json'), JSON.stringify({ ...config, baseModel: { id: 'another', hash: 'b'.repeat(64) } }));

  const skipped: Array<{ dir: string; reason: string }> = [];
  const hub = loadHub([shipped], TEST_BASE, undefined, [workspace], (dir, reason) => skipped.push({ dir, reason }));
  assert.deepEqual(hub.map((a) => a.config.name).sort(), ['clinic', 'news']);
  assert.deepEqual(skipped.map((s) => s.dir).sort(), [join(shipped, 'music'), join(workspace, 'legal'), join(workspace, 'other-model')].sort());
  const reason = (name: string) => skipped.find((s) => s.dir.endsWith(name))!.reason;
  assert.match(reason('music'), /adapter "music": adapter\.json is not valid JSON/);
  assert.match(reason('legal'), /adapter "legal": lora\.bin is truncated/);
  assert.match(reason('other-model'), /trained for base model another/);
});
