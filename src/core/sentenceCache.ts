// Results per sentence text, so that re-highlighting an edited document only runs the model on the
// sentences that changed. Least recently used entries go first once the cache is full.

export class SentenceCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly capacity = 50_000) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    // Map keeps insertion order: re-inserting marks the entry as the most recently used.
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }

  clear(): void {
    this.entries.clear();
  }
}
