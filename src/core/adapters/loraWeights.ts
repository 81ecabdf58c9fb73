// An adapter's lora.bin, checked against its adapter.json before use: the float "BNWT" layout that saveWeights
// writes ("BNWT" | u32 headerBytes | header JSON [{name, shape, offset}] | float32 data), holding exactly an A
// [inDim, rank] and a B [rank, outDim] per declared target, nothing past or short of them, every value finite.
// Read from bytes already bounded (boundedRead), never from the path again.
import * as v from 'valibot';
import type { AdapterConfig, LoraModule } from './adapter';
import { AdapterError } from './adapterName';
import { describeIssues } from '../schemaIssues';

const MAX_DIM = 1 << 20;
const dim = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_DIM));

const headerSchema = v.array(
  v.looseObject({
    name: v.string(),
    shape: v.pipe(v.array(dim), v.length(2, 'should have two dimensions')),
    offset: v.pipe(v.number(), v.integer(), v.minValue(0)),
  }),
);

/** A tensor's name as it may appear in a message: a plain weight name, or nothing of what the file holds. */
function shown(name: string): string {
  return /^[\w.-]{1,64}$/.test(name) ? name : 'a tensor';
}

/** The modules of `config.targets` from the bytes of lora.bin; `label` names the adapter in errors. */
export function parseLoraWeights(bytes: Buffer, config: Pick<AdapterConfig, 'rank' | 'targets'>, label: string): Map<string, LoraModule> {
  const fail = (problem: string) => new AdapterError(`${label}: lora.bin ${problem}`);
  if (bytes.length < 8 || bytes.toString('latin1', 0, 4) !== 'BNWT') throw fail('is not a BANER weights file');
  const headerBytes = bytes.readUInt32LE(4);
  const start = 8 + headerBytes;
  if (start > bytes.length) throw fail(`is truncated (${bytes.length} bytes, its header alone says ${start})`);
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8', 8, start));
  } catch {
    throw fail('has an unreadable header');
  }
  const header = v.safeParse(headerSchema, json);
  if (!header.success) throw fail(`has an invalid header: ${describeIssues(header.issues)}`);
  if ((bytes.length - start) % 4 !== 0) throw fail(`is truncated (${bytes.length - start} data bytes is not a whole number of floats)`);
  const floats = (bytes.length - start) / 4;

  // Exactly the declared tensors: two per target, and no others.
  const expected = new Set(config.targets.flatMap((t) => [`${t}.A`, `${t}.B`]));
  const entries = new Map(header.output.map((e) => [e.name, e]));
  if (entries.size !== header.output.length) throw fail('names a tensor twice');
  for (const name of expected) if (!entries.has(name)) throw fail(`lacks the matrix ${shown(name)} of a declared target`);
  for (const name of entries.keys()) if (!expected.has(name)) throw fail('holds a tensor that adapter.json does not declare');

  // The tensors must tile the data, in order: no overlap, no gap, nothing missing at the end, nothing extra.
  let end = 0;
  for (const { name, shape, offset } of [...entries.values()].sort((a, b) => a.offset - b.offset)) {
    if (offset !== end) throw fail(`does not match its header (${shown(name)} starts at float ${offset}, expected ${end})`);
    end += shape[0] * shape[1];
    if (end > floats) throw fail(`is truncated: ${shown(name)} runs past the end of the file`);
  }
  if (end !== floats) throw fail(`does not match its header (${floats} floats stored, ${end} declared)`);

  // A copy, aligned whatever the header's length: Float32Array needs a 4-byte aligned offset.
  const data = new Float32Array(floats);
  Buffer.from(data.buffer).set(bytes.subarray(start));
  const bad = data.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) throw fail('holds a value that is not a finite number (NaN or infinite)');

  const modules = new Map<string, LoraModule>();
  for (const target of config.targets) {
    const A = entries.get(`${target}.A`)!;
    const B = entries.get(`${target}.B`)!;
    if (A.shape[1] !== config.rank || B.shape[0] !== config.rank) {
      throw fail(`has ${target} of rank ${A.shape[1]}/${B.shape[0]}, adapter.json says ${config.rank}`);
    }
    modules.set(target, {
      inDim: A.shape[0],
      outDim: B.shape[1],
      A: data.subarray(A.offset, A.offset + A.shape[0] * A.shape[1]),
      B: data.subarray(B.offset, B.offset + B.shape[0] * B.shape[1]),
    });
  }
  return modules;
}
