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
  // A ring of slots rather than a Map: every read records a new offset and forgets the oldest,
  // and a Map's table would be reallocated every few reads for that churn.
  readonly #offsets: number[] = new Array<number>(MAX_ENTRIES).fill(-1);
  readonly #reads: (NextRead | undefined)[] = new Array<NextRead | undefined>(MAX_ENTRIES).fill(undefined);
  /** The slot the next position goes to: the oldest (or an empty one). */
  #next = 0;
  #generation = 0;

  /** Changes on every clear: a read that began before a truncation must not record its end. */
  get generation(): number {
    return this.#generation;
  }

  /** Where the batch holding `offset` starts, if a read ended there. */
  get(offset: number): NextRead | undefined {
    const slot = this.#offsets.indexOf(offset);
    return slot < 0 ? undefined : this.#reads[slot];
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
    const known = this.#offsets.indexOf(nextOffset);
    if (known >= 0) this.#forget(known);
    const slot = this.#next;
    this.#forget(slot);
    this.#offsets[slot] = nextOffset;
    this.#reads[slot] = { position, ahead };
    this.#next = (slot + 1) % MAX_ENTRIES;
  }

  /** Forgets everything: truncation may have moved batches. */
  clear(): void {
    this.#generation++;
    for (let slot = 0; slot < MAX_ENTRIES; slot++) this.#forget(slot);
  }

  #forget(slot: number): void {
    this.#reads[slot]?.ahead?.drop();
    this.#reads[slot] = undefined;
    this.#offsets[slot] = -1;
  }

  get size(): number {
    let n = 0;
    for (const offset of this.#offsets) if (offset >= 0) n++;
    return n;
  }
}
