// The webview's messages, checked field by field with valibot before anything acts on them: a message of an
// unknown type, with a field missing, of the wrong kind, too long, or with fields no request has, is dropped
// (the caller logs why). No `vscode` import: unit-tested in plain Node.
import * as v from 'valibot';
import type { PanelRequest } from './panelProtocol';

/** Adapter names are folder names; anything longer is not one. */
const MAX_NAME_LENGTH = 200;

const ExampleId = v.pipe(v.string(), v.regex(/^[0-9a-f]{16}$/, 'an example id is 16 hex digits'));
const AdapterName = v.pipe(v.string(), v.minLength(1, 'an adapter name is not empty'), v.maxLength(MAX_NAME_LENGTH, `an adapter name has at most ${MAX_NAME_LENGTH} characters`));

export const PanelRequestSchema = v.variant('type', [
  v.strictObject({ type: v.literal('ready') }),
  v.strictObject({ type: v.literal('reveal'), id: ExampleId }),
  v.strictObject({ type: v.literal('removeExample'), id: ExampleId }),
  v.strictObject({ type: v.literal('activate'), name: v.nullable(AdapterName) }),
  v.strictObject({ type: v.literal('delete'), name: AdapterName }),
  v.strictObject({ type: v.literal('rename'), name: AdapterName, newName: AdapterName }),
  v.strictObject({ type: v.literal('adapt') }),
]);

// The schema and the protocol's type are one: a request added to one and not the other does not compile.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesProtocol: Same<v.InferOutput<typeof PanelRequestSchema>, PanelRequest> = true;
void schemaMatchesProtocol;

export type CheckedPanelRequest = { ok: true; request: PanelRequest } | { ok: false; problem: string };

/** The request, or why `raw` is none (for the log: its type, cut short, and the fields at fault, not their values). */
export function checkPanelRequest(raw: unknown): CheckedPanelRequest {
  const result = v.safeParse(PanelRequestSchema, raw);
  if (result.success) return { ok: true, request: result.output };
  const type = typeof raw === 'object' && raw !== null && typeof (raw as { type?: unknown }).type === 'string' ? ((raw as { type: string }).type.slice(0, 40)) : undefined;
  const problems = result.issues.slice(0, 3).map((issue) => {
    const path = v.getDotPath(issue);
    return `${path ? `${path}: ` : ''}${issue.message.replace(/ but received .*$/, '')}`;
  });
  return { ok: false, problem: `${type === undefined ? 'a message without a type' : `a message of type "${JSON.stringify(type).slice(1, -1)}"`}: ${problems.join('; ')}` };
}
