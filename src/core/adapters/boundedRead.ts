// Reading one file of an adapter folder, which may come from anyone (a cloned repository): only a plain file,
// never through a symbolic link (a link could lead out of the workspace, or to /dev/zero), and never more than
// a limit, checked on the open file so that it cannot grow between the check and the read.
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync } from 'node:fs';
import { AdapterError } from './adapterName';

/** Far above any adapter BANER writes (the transformer's are about 130 KB), far below what would hurt the editor. */
export const MAX_LORA_BYTES = 64 * 1024 * 1024;
export const MAX_JSON_BYTES = 4 * 1024 * 1024;

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(bytes < 1024 * 1024 ? 2 : 0)} MB`;
}

/**
 * The bytes of `path`, or an AdapterError starting with `what` (e.g. `adapter "mine": lora.bin`) when it is
 * missing, a link, not a plain file, or larger than `maxBytes`.
 */
export function readBoundedFile(path: string, maxBytes: number, what: string): Buffer {
  let fd: number;
  try {
    // O_NOFOLLOW refuses a link in the last component; lstat covers systems without the flag (Windows).
    if (!constants.O_NOFOLLOW && lstatSync(path).isSymbolicLink()) throw Object.assign(new Error('link'), { code: 'ELOOP' });
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new AdapterError(`${what} is missing`);
    if (code === 'ELOOP') throw new AdapterError(`${what} is a symbolic link; adapter files must be plain files`);
    throw new AdapterError(`${what} cannot be opened (${code ?? 'error'})`);
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw new AdapterError(`${what} is not a plain file`);
    if (info.size > maxBytes) throw new AdapterError(`${what} is too large (${megabytes(info.size)}; at most ${megabytes(maxBytes)})`);
    // Read at most one byte past the limit: a file growing meanwhile is caught, not read to its end.
    const buffer = Buffer.alloc(Math.min(info.size, maxBytes) + 1);
    let length = 0;
    for (let n; length < buffer.length && (n = readSync(fd, buffer, length, buffer.length - length, null)) > 0; ) length += n;
    if (length > maxBytes) throw new AdapterError(`${what} is too large (more than ${megabytes(maxBytes)})`);
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

/** The file as JSON; an AdapterError (that does not quote the text) when it is not. */
export function readBoundedJson(path: string, maxBytes: number, what: string): unknown {
  const text = readBoundedFile(path, maxBytes, what).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // JSON.parse's message quotes the text around the error: left out.
    throw new AdapterError(`${what} is not valid JSON`);
  }
}
