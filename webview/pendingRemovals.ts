// Examples whose removal the page has asked for and not yet seen done. Their Remove button stays disabled
// until then, so that a double click asks once. Done means: a state arrives without the example (removed,
// or gone by another way), or the host reports an error (it may not have happened: usable again).
// No DOM: unit-tested in plain Node.
export class PendingRemovals {
  private readonly ids = new Set<string>();

  /** Marks the removal of `id` as asked for; false when it was already (the click is to be ignored). */
  request(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    return true;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** A state listing the examples `listed` arrived; true when a removal finished (its button is gone). */
  settle(listed: Iterable<string>): boolean {
    const shown = new Set(listed);
    let finished = false;
    for (const id of this.ids) {
      if (shown.has(id)) continue; // a state sent before the removal, or still under way
      this.ids.delete(id);
      finished = true;
    }
    return finished;
  }

  /** The host reported an error; true when buttons were waiting (they are usable again). */
  clear(): boolean {
    const waiting = this.ids.size > 0;
    this.ids.clear();
    return waiting;
  }
}
