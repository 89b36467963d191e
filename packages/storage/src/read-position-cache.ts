import type { ReadAhead } from "./read-ahead.js";

/** Positions remembered per segment: one per consumer reading it sequentially is enough. */
const MAX_ENTRIES = 16;

/** Where the batch after a read starts, and the read already issued from there, if any. */
export interface NextRead {
  readonly position: number;
  ahead: ReadAhead | undefined;
}

/**
 * Where the batch after a read starts: a consumer's next fetch offset is the last offset it was
 * sent plus one, and its batch starts where the bytes sent ended. Remembering that position lets
 * the next read start exactly there, with no index lookup landing on an earlier batch (batches
 * larger than the index interval) and no second read. Bounded: the oldest entry goes first.
 */
export class ReadPositionCache {
  readonly #positions = new Map<number, NextRead>();
  #generation = 0;

  /** Changes on every clear: a read that began before a truncation must not record its end. */
  get generation(): number {
    return this.#generation;
  }

  /** Where the batch holding `offset` starts, if a read ended there. */
  get(offset: number): NextRead | undefined {
    return this.#positions.get(offset);
  }

  /**
   * Records that the batch after offset `nextOffset - 1` begins at `position` (and what was read
   * ahead from there), unless the segment was truncated since `generation`: then drops `ahead`.
   */
  set(nextOffset: number, position: number, generation: number, ahead?: ReadAhead): void {
    if (generation !== this.#generation) {
      ahead?.drop();
      return;
    }
    this.#forget(nextOffset);
    if (this.#positions.size >= MAX_ENTRIES) {
      const oldest = this.#positions.keys().next().value;
      if (oldest !== undefined) this.#forget(oldest);
    }
    this.#positions.set(nextOffset, { position, ahead });
  }

  /** Forgets everything: truncation may have moved batches. */
  clear(): void {
    this.#generation++;
    for (const next of this.#positions.values()) next.ahead?.drop();
    this.#positions.clear();
  }

  #forget(offset: number): void {
    this.#positions.get(offset)?.ahead?.drop();
    this.#positions.delete(offset);
  }

  get size(): number {
    return this.#positions.size;
  }
}
