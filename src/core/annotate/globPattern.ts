// Glob patterns as VS Code's search and POSIX shells read them, for `baner annotate 'docs/**/*.md'` (a quoted
// pattern the shell leaves alone) on Node 20, which has no fs.glob. Paths are matched with forward slashes,
// relative to the folder the pattern's fixed leading part names:
//   **      any number of folders, none included (a whole segment only: `a/**/b`, `**/*.md`)
//   *       any characters of one name (never "/"),  ?  one such character
//   {a,b}   either alternative (may nest, may hold "/"),  [abc] [a-z] [!abc]  one character of (not of) the class
// A name that starts with "." is matched like any other (as VS Code's findFiles does); BANER's own folder,
// dependencies and version control are left out by the caller that walks (documentFiles.ts).
import { isAbsolute, resolve } from 'node:path';

/** Characters that make a path segment a pattern rather than a name. */
const MAGIC = /[*?[\]{}]/;

export function isGlobPattern(text: string): boolean {
  return MAGIC.test(text);
}

export interface GlobParts {
  /** The folder the pattern starts from: its fixed leading segments resolved against `base`. */
  root: string;
  /** The rest, matched against paths relative to `root` ("" when the whole pattern is fixed). */
  pattern: string;
  /** How many folder levels below `root` a match can lie (Infinity with `**`). */
  maxDepth: number;
}

/** Splits `glob` into the folder it searches and the pattern matched below it. */
export function splitGlob(glob: string, base: string): GlobParts {
  const normalised = process.platform === 'win32' ? glob.replace(/\\/g, '/') : glob;
  const segments = normalised.split('/');
  let fixed = 0;
  // A "{" may hide a "/" ({a/b,c}): the fixed part stops at the first segment with any magic.
  while (fixed < segments.length - 1 && !MAGIC.test(segments[fixed])) fixed++;
  const prefix = segments.slice(0, fixed).join('/');
  const rest = segments.slice(fixed);
  const root = isAbsolute(normalised) ? resolve('/', prefix) : resolve(base, prefix);
  const maxDepth = rest.some((s) => s.includes('**')) || rest.some((s) => s.includes('{')) ? Infinity : rest.length;
  return { root, pattern: rest.join('/'), maxDepth };
}

/** A regular expression matching a whole relative path (forward slashes) that `pattern` matches. */
export function globToRegExp(pattern: string): RegExp {
  return new RegExp(`^${translate(pattern)}$`, 'u');
}

function escape(char: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(char) ? `\\${char}` : char;
}

function translate(pattern: string): string {
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        const atStart = i === 0 || pattern[i - 1] === '/';
        const atEnd = i + 2 === pattern.length || pattern[i + 2] === '/';
        if (atStart && atEnd) {
          // "**/" any folders (none included); "**" at the end: anything below.
          if (i + 2 === pattern.length) out += '.*';
          else out += '(?:[^/]*(?:/[^/]*)*/)?';
          i += i + 2 === pattern.length ? 2 : 3;
          continue;
        }
        // "a**b" inside a name: as "*".
        out += '[^/]*';
        i += 2;
        continue;
      }
      out += '[^/]*';
      i++;
    } else if (c === '?') {
      out += '[^/]';
      i++;
    } else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) {
        out += '\\[';
        i++;
        continue;
      }
      let body = pattern.slice(i + 1, close);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      const cls = [...body].map((ch) => (ch === '-' ? '-' : /[\\\]^[]/.test(ch) ? `\\${ch}` : ch)).join('');
      out += negate ? `[^/${cls}]` : `[${cls}]`;
      i = close + 1;
    } else if (c === '{') {
      const close = matchingBrace(pattern, i);
      if (close < 0) {
        out += '\\{';
        i++;
        continue;
      }
      const alternatives = splitTopLevel(pattern.slice(i + 1, close));
      out += `(?:${alternatives.map(translate).join('|')})`;
      i = close + 1;
    } else {
      out += escape(c);
      i++;
    }
  }
  return out;
}

function matchingBrace(pattern: string, open: number): number {
  let depth = 0;
  for (let i = open; i < pattern.length; i++) {
    if (pattern[i] === '{') depth++;
    else if (pattern[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

/** "a,{b,c},d" -> ["a", "{b,c}", "d"]. */
function splitTopLevel(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '{') depth++;
    else if (body[i] === '}') depth--;
    else if (body[i] === ',' && depth === 0) {
      parts.push(body.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(body.slice(start));
  return parts;
}
