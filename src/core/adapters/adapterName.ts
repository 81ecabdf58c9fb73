// The one gate for adapter names. A name becomes a folder under an adapters root, so anything that could
// climb out of it ("..", "/"), hide (a leading dot) or pass for one of BANER's own temporary folders is refused;
// every operation that takes a name (activate, rename, delete, load, save, the remembered active adapter) calls it.

/** Every problem with an adapter: a bad name, a missing or damaged file, another base model. */
export class AdapterError extends Error {
  override name = 'AdapterError';
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Suffixes of the folders a save, a delete or an older version of BANER leaves for a moment (`mine.1700000000000.old`):
 * never adapter names, so that such a leftover is never listed or loaded as an adapter.
 */
const RESERVED = /\.(old|partial|backup|deleted|tmp)(-[A-Za-z0-9-]*)?$/i;

export function isAdapterName(name: unknown): name is string {
  return typeof name === 'string' && NAME.test(name) && !RESERVED.test(name);
}

export function checkAdapterName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    // The name is quoted only when short and printable: it may come from a file or a webview.
    const shown = typeof name === 'string' && name.length <= 80 && !/[\u0000-\u001f]/.test(name) ? `"${name}"` : 'the name given';
    throw new AdapterError(`${shown} is not a valid adapter name (letters, digits, . _ -, starting with a letter or digit; up to 64 characters)`);
  }
  if (RESERVED.test(name)) throw new AdapterError(`"${name}" is not a valid adapter name: names ending in .old, .partial, .backup, .deleted or .tmp are kept for BANER's temporary folders`);
}
