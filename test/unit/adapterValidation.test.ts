// A damaged adapter is an AdapterError naming the adapter and the problem (never a raw SyntaxError, TypeError or
// RangeError, never echoing the file), before any of it is used; and a NaN score never passes a threshold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync, writeFileSync, ftruncateSync, symlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AdapterError, loadAdapter, readAdapterConfig, saveAdapter } from '../../src/core/adapters/adapterFiles';
import { MAX_JSON_BYTES, MAX_LORA_BYTES } from '../../src/core/adapters/boundedRead';
import { NerEngine } from '../../src/core/engine';
import { cnnModelDir } from '../../src/core/model/modelDirectory';
import { SPAN_DIMS, TEST_BASE, tempDir, testAdapter } from './adapterFixtures';

const SECRET = 'SECRET-TOKEN-1234';

/** A fresh, valid adapter "bad" to damage. */
function adapterDir(): string {
  return saveAdapter(tempDir('valid'), testAdapter('bad'));
}

function edit(dir: string, file: string, change: (json: Record<string, unknown>) => void): void {
  const json = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  change(json);
  writeFileSync(join(dir, file), JSON.stringify(json));
}

/** Loading `dir` fails with an AdapterError that names the adapter and matches `problem`, and quotes nothing of the files. */
function refused(dir: string, problem: RegExp, expect = { spanDims: SPAN_DIMS }): void {
  assert.throws(
    () => loadAdapter(dir, TEST_BASE, expect),
    (error: unknown) => {
      assert.ok(error instanceof AdapterError, `an AdapterError, not ${(error as Error).name}: ${(error as Error).message}`);
      assert.match(error.message, /adapter "bad"/);
      assert.match(error.message, problem);
      assert.doesNotMatch(error.message, new RegExp(SECRET));
      return true;
    },
  );
}

test('a valid adapter loads with its weights and types', () => {
  const adapter = loadAdapter(adapterDir(), TEST_BASE, { spanDims: SPAN_DIMS });
  assert.equal(adapter.modules.get('tags.W')!.A[0], 1);
  assert.deepEqual(adapter.types.labels, ['DRUG', 'O']);
});

test('adapter.json that is not JSON, or lacks a field, or has one of the wrong type', () => {
  let dir = adapterDir();
  writeFileSync(join(dir, 'adapter.json'), `{"format": "baner-lora/1", ${SECRET}`);
  refused(dir, /adapter\.json is not valid JSON/);
  assert.throws(() => readAdapterConfig(dir), AdapterError, 'listings read it through the same checks');

  dir = adapterDir();
  edit(dir, 'adapter.json', (c) => delete c.rank);
  refused(dir, /adapter\.json .*field rank is missing/);

  dir = adapterDir();
  edit(dir, 'adapter.json', (c) => (c.targets = SECRET));
  refused(dir, /field targets should be a list/);

  dir = adapterDir();
  edit(dir, 'adapter.json', (c) => (c.baseModel = { id: 3 }));
  refused(dir, /field baseModel\.id should be a string/);

  dir = adapterDir();
  edit(dir, 'adapter.json', (c) => (c.rank = 0));
  refused(dir, /field rank should be at least 1/);

  dir = adapterDir();
  edit(dir, 'adapter.json', (c) => (c.format = SECRET));
  refused(dir, /unknown adapter format/);

  dir = adapterDir();
  writeFileSync(join(dir, 'adapter.json'), '[1, 2]');
  refused(dir, /not a valid adapter config/);
});

test('lora.bin truncated, padded, with a NaN weight, or not matching the declared targets and rank', () => {
  let dir = adapterDir();
  const good = readFileSync(join(dir, 'lora.bin'));
  writeFileSync(join(dir, 'lora.bin'), good.subarray(0, good.length - 10));
  refused(dir, /lora\.bin is truncated/);
  writeFileSync(join(dir, 'lora.bin'), good.subarray(0, 6));
  refused(dir, /lora\.bin is not a BANER weights file/);
  writeFileSync(join(dir, 'lora.bin'), good.subarray(0, 40));
  refused(dir, /lora\.bin is truncated/);
  writeFileSync(join(dir, 'lora.bin'), Buffer.concat([good, Buffer.alloc(8)]));
  refused(dir, /lora\.bin does not match its header/);

  const nan = Buffer.from(good);
  nan.writeFloatLE(Number.NaN, nan.length - 4);
  writeFileSync(join(dir, 'lora.bin'), nan);
  refused(dir, /lora\.bin holds a value that is not a finite number/);

  dir = adapterDir();
  edit(dir, 'adapter.json', (c) => (c.targets = ['tags.W', 'span.W']));
  refused(dir, /lora\.bin lacks the matrix span\.W\.A/);
  edit(dir, 'adapter.json', (c) => (c.targets = []));
  refused(dir, /holds a tensor that adapter\.json does not declare/);
  edit(dir, 'adapter.json', (c) => {
    c.targets = ['tags.W'];
    c.rank = 3;
  });
  refused(dir, /rank .* adapter\.json says 3/);
});

test('types.json with too few vectors, a non-finite value, or no labels', () => {
  let dir = adapterDir();
  edit(dir, 'types.json', (t) => (t.vectors = (t.vectors as number[]).slice(0, SPAN_DIMS)));
  refused(dir, /types\.json has 4 vector values for 2 types \(expected 2 x 4 = 8/);
  // Without the model's width the count must at least split evenly between the labels.
  edit(dir, 'types.json', (t) => (t.vectors = (t.vectors as number[]).slice(0, 3)));
  refused(dir, /types\.json has 3 vector values for 2 types/, { spanDims: undefined as unknown as number });

  dir = adapterDir();
  writeFileSync(join(dir, 'types.json'), readFileSync(join(dir, 'types.json'), 'utf8').replace(/\[1,/, '[1e999,'));
  refused(dir, /types\.json has a value that is not a finite number/);

  dir = adapterDir();
  edit(dir, 'types.json', (t) => (t.labels = []));
  refused(dir, /field labels should name at least one type/);
  writeFileSync(join(dir, 'types.json'), SECRET);
  refused(dir, /types\.json is not valid JSON/);
});

test('files over the size limits are refused without being read', () => {
  const grow = (path: string, bytes: number) => {
    const fd = openSync(path, 'r+');
    ftruncateSync(fd, bytes); // sparse: costs no disk
    closeSync(fd);
  };
  let dir = adapterDir();
  grow(join(dir, 'lora.bin'), MAX_LORA_BYTES + 1);
  refused(dir, /lora\.bin is too large \(64 MB; at most 64 MB\)/);
  dir = adapterDir();
  grow(join(dir, 'adapter.json'), MAX_JSON_BYTES + 1);
  refused(dir, /adapter\.json is too large/);
  dir = adapterDir();
  grow(join(dir, 'types.json'), 300 * 1024 * 1024);
  refused(dir, /types\.json is too large \(300 MB/);
});

test('a missing file or one that is a symbolic link is refused', () => {
  let dir = adapterDir();
  rmSync(join(dir, 'types.json'));
  refused(dir, /types\.json is missing/);
  dir = adapterDir();
  const outside = join(tempDir('outside'), 'secret.json');
  writeFileSync(outside, JSON.stringify({ labels: ['X'], vectors: [1, 2, 3, 4] }));
  rmSync(join(dir, 'types.json'));
  symlinkSync(outside, join(dir, 'types.json'));
  refused(dir, /types\.json is a symbolic link/);
});

test('a NaN score never passes the threshold (types with NaN vectors highlight nothing)', async () => {
  const engine = await NerEngine.load(cnnModelDir(), { threads: 1 });
  try {
    const text = 'Angela Merkel met Emmanuel Macron in Berlin .';
    assert.ok((await engine.highlight(text, { threshold: 0.5 })).length > 0, 'the model finds entities here');
    const dims = engine.typeSpace.dims;
    engine.useTypes({ labels: ['PER', 'LOC'], dims, vectors: new Float32Array(2 * dims).fill(Number.NaN), scale: engine.typeSpace.scale });
    for (const threshold of [0.5, 0]) {
      const entities = await engine.highlight(text, { threshold });
      assert.deepEqual(entities.map((e) => e.score), [], `threshold ${threshold}: no entity with a NaN score`);
    }
  } finally {
    await engine.dispose();
  }
});
