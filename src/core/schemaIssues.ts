// valibot's issues in words that name the field and what it should be, never the value found: the files these
// describe (a model's manifest, a workspace's adapters) may hold anything, and a message must not echo it.
import type { BaseIssue } from 'valibot';

/** `architecture.spanDims`, `labels[3]`, or `the file` for the top level. */
function fieldOf(issue: BaseIssue<unknown>): string {
  const keys = issue.path?.map((item) => item.key) ?? [];
  if (keys.length === 0) return 'the file';
  return keys.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`)).join('');
}

/** One issue: "field labels[3] should be string", "field architecture.spanDims is missing". */
export function describeIssue(issue: BaseIssue<unknown>): string {
  const field = fieldOf(issue);
  const where = field === 'the file' ? field : `field ${field}`;
  if (issue.received === 'undefined' && field !== 'the file') return `${where} is missing`;
  // Custom messages (given in the schemas) are written to be shown; valibot's defaults quote the value received.
  if (issue.message && !issue.message.startsWith('Invalid ')) return `${where} ${issue.message}`;
  return `${where} should be ${issue.expected ?? 'valid'}`;
}

/** The first few issues, joined: enough to find the problem without flooding a notification. */
export function describeIssues(issues: readonly BaseIssue<unknown>[], most = 3): string {
  const shown = issues.slice(0, most).map(describeIssue);
  const more = issues.length > most ? ` (and ${issues.length - most} more)` : '';
  return shown.join('; ') + more;
}
