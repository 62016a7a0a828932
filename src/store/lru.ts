/**
 * A small least-recently-used cache bounded by weight (an estimate of bytes), for immutable values
 * read from storage: a stored report's pages never change, so a cached copy is never stale.
 */

/** A weight-bounded LRU map. */
export class WeightedLru<K, V> {
  readonly #max: number;
  readonly #entries = new Map<K, { value: V; weight: number }>();
  #total = 0;

  /** @param maxWeight - Total weight kept; a single value heavier than this is not cached at all. */
  constructor(maxWeight: number) {
    this.#max = maxWeight;
  }

  /** The value, marked most recently used; undefined when absent. */
  get(key: K): V | undefined {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    // Map keeps insertion order: re-inserting makes it the newest.
    this.#entries.delete(key);
    this.#entries.set(key, e);
    return e.value;
  }

  /** Stores a value, evicting the least recently used ones until the total fits. */
  set(key: K, value: V, weight: number): void {
    const old = this.#entries.get(key);
    if (old) {
      this.#entries.delete(key);
      this.#total -= old.weight;
    }
    if (weight > this.#max) return;
    this.#entries.set(key, { value, weight });
    this.#total += weight;
    for (const [k, e] of this.#entries) {
      if (this.#total <= this.#max) break;
      this.#entries.delete(k);
      this.#total -= e.weight;
    }
  }

  /** Entries held (tests). */
  get size(): number {
    return this.#entries.size;
  }
}
