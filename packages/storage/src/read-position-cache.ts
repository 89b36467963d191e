/** Positions remembered per segment: one per consumer reading it sequentially is enough. */
const MAX_ENTRIES = 16;

/**
 * Where the batch after a read starts: a consumer's next fetch offset is the last offset it was
 * sent plus one, and its batch starts where the bytes sent ended. Remembering that position lets
 * the next read start exactly there, with no index lookup landing on an earlier batch (batches
 * larger than the index interval) and no second read. Bounded: the oldest entry goes first.
 */
export class ReadPositionCache {
  readonly #positions = new Map<number, number>();
  #generation = 0;

  /** Changes on every clear: a read that began before a truncation must not record its end. */
  get generation(): number {
    return this.#generation;
  }

  /** The file position of the batch starting at `offset`, if a read ended there. */
  get(offset: number): number | undefined {
    return this.#positions.get(offset);
  }

  /** Records that the batch after offset `nextOffset - 1` begins at `position`, read in `generation`. */
  set(nextOffset: number, position: number, generation: number): void {
    if (generation !== this.#generation) return;
    this.#positions.delete(nextOffset);
    if (this.#positions.size >= MAX_ENTRIES) {
      const oldest = this.#positions.keys().next().value;
      if (oldest !== undefined) this.#positions.delete(oldest);
    }
    this.#positions.set(nextOffset, position);
  }

  /** Forgets everything: truncation may have moved batches. */
  clear(): void {
    this.#generation++;
    this.#positions.clear();
  }

  get size(): number {
    return this.#positions.size;
  }
}
