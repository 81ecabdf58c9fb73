// Child process of adapterCrash.test.ts: saves adapter "mine" in the folder given, again and again, each version
// one higher than the last, and prints each version once saveAdapter has returned. The test kills it at random.
import { writeSync } from 'node:fs';
import { saveAdapter } from '../../src/core/adapters/adapterFiles';
import { testAdapter } from './adapterFixtures';

const [root, first] = process.argv.slice(2);
writeSync(1, 'ready\n');
for (let version = Number(first); ; version++) {
  saveAdapter(root, testAdapter('mine', version, { inDim: 256, outDim: 64 }));
  writeSync(1, `saved ${version}\n`);
}
