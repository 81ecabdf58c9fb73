// JSON Lines: one JSON object per line, blank lines skipped. Errors name the file and line and never quote it.
import { FormatError, jsonErrorColumn, type Fail } from './formatError';

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Calls `read` with the object on each non-blank line; `fail` throws a FormatError naming that line. */
export function forEachJsonLine(content: string, fileName: string, read: (value: JsonObject, fail: Fail, line: number) => void): void {
  content
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((text, index) => {
      const line = index + 1;
      const fail: Fail = (problem) => {
        throw FormatError.at(fileName, line, problem);
      };
      if (text.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        fail(`invalid JSON${jsonErrorColumn(error)}`);
      }
      if (!isJsonObject(value)) fail('expected a JSON object');
      read(value as JsonObject, fail, line);
    });
}

/** One object per line, keys in the order given. */
export function formatJsonLines(values: readonly JsonObject[]): string {
  return values.map((value) => JSON.stringify(value) + '\n').join('');
}
