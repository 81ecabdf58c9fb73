// What an adapter's adapter.json and types.json must hold, checked before anything uses them: a file of the
// wrong shape is an AdapterError naming the adapter, the file and the field, never a TypeError later on.
import * as v from 'valibot';
import { ADAPTER_FORMAT, type AdapterConfig } from './adapter';
import { AdapterError } from './adapterName';
import { describeIssues } from '../schemaIssues';

/** Far more than any adapter has (BANER's have 4 targets, tens of types, rank 8). */
const MAX_TARGETS = 256;
const MAX_TYPES = 10_000;
const MAX_RANK = 1024;

const text = v.pipe(v.string('should be a string'), v.maxLength(10_000, 'is too long'));
const finiteNumber = v.pipe(v.number('should be a number'), v.finite('should be a finite number'));

const adapterConfigSchema = v.looseObject({
  // Checked on its own first, for a message that says "another format" rather than "wrong field".
  format: v.literal(ADAPTER_FORMAT, `should be "${ADAPTER_FORMAT}"`),
  name: text,
  baseModel: v.looseObject({ id: text, hash: text }, 'should be an object with id and hash'),
  rank: v.pipe(v.number('should be a number'), v.integer('should be a whole number'), v.minValue(1, 'should be at least 1'), v.maxValue(MAX_RANK, `should be at most ${MAX_RANK}`)),
  alpha: finiteNumber,
  targets: v.pipe(
    v.array(v.pipe(text, v.nonEmpty('should not be empty')), 'should be a list of weight names'),
    v.maxLength(MAX_TARGETS, `should have at most ${MAX_TARGETS} entries`),
    v.check((targets) => new Set(targets).size === targets.length, 'should not name a weight twice'),
  ),
  types: v.pipe(v.array(text, 'should be a list of type names'), v.maxLength(MAX_TYPES, `should have at most ${MAX_TYPES} entries`)),
  created: text,
  training: v.optional(v.record(v.string(), v.unknown(), 'should be an object'), {}),
});

const typeVectorsSchema = v.looseObject({
  labels: v.pipe(
    v.array(v.pipe(text, v.nonEmpty('should not be empty')), 'should be a list of type names'),
    v.minLength(1, 'should name at least one type'),
    v.maxLength(MAX_TYPES, `should have at most ${MAX_TYPES} entries`),
  ),
  // Finiteness is checked by hand below: one message for the whole list rather than one per number.
  vectors: v.array(v.number('should be a number'), 'should be a list of numbers'),
});

/** adapter.json of the adapter `label` (e.g. `adapter "mine"`), checked. */
export function parseAdapterConfig(json: unknown, label: string): AdapterConfig {
  if (typeof json === 'object' && json !== null && 'format' in json && json.format !== ADAPTER_FORMAT) {
    throw new AdapterError(`${label}: adapter.json is of an unknown adapter format (expected ${ADAPTER_FORMAT})`);
  }
  const parsed = v.safeParse(adapterConfigSchema, json);
  if (!parsed.success) throw new AdapterError(`${label}: adapter.json is not a valid adapter config: ${describeIssues(parsed.issues)}`);
  return parsed.output as AdapterConfig;
}

/**
 * types.json of an adapter: one unit vector per label, `spanDims` numbers each (when the base model's width is
 * known; otherwise the vectors must at least split evenly). Too few vectors, or one not finite, would make every
 * score NaN.
 */
export function parseAdapterTypes(json: unknown, label: string, spanDims?: number): { labels: string[]; vectors: Float32Array } {
  const parsed = v.safeParse(typeVectorsSchema, json);
  if (!parsed.success) throw new AdapterError(`${label}: types.json is not valid: ${describeIssues(parsed.issues)}`);
  const { labels, vectors } = parsed.output;
  const dims = spanDims ?? vectors.length / labels.length;
  if (!Number.isInteger(dims) || dims < 1 || vectors.length !== labels.length * dims) {
    const expected = spanDims === undefined ? `a whole number of values per type` : `${labels.length} x ${spanDims} = ${labels.length * spanDims} values`;
    throw new AdapterError(`${label}: types.json has ${vectors.length} vector values for ${labels.length} types (expected ${expected})`);
  }
  const data = Float32Array.from(vectors);
  // A value beyond float32's range becomes Infinity only now.
  const bad = data.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) throw new AdapterError(`${label}: types.json has a value that is not a finite number (vectors[${bad}])`);
  return { labels, vectors: data };
}
