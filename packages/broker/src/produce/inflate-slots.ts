/**
 * A broker-wide bound on compressed batches being inflated (validated or recompressed) at once.
 * Each holds up to its whole uncompressed size (at most maxUncompressedBytes) until its records
 * are walked, and the codecs run on libuv's small thread pool anyway, so a few at a time keep
 * memory bounded without slowing the produce path. Waiters are requests already admitted by the
 * network's request queue (queued.max.requests), so the wait list is bounded by it.
 */
export class InflateSlots {
  readonly max: number;
  #busy = 0;
  readonly #waiters: (() => void)[] = [];

  constructor(max: number) {
    if (!(max >= 1)) throw new RangeError(`max must be >= 1, got ${max}`);
    this.max = max;
  }

  get busy(): number {
    return this.#busy;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  /** Runs `fn` once a slot is free; the slot is held until `fn` settles. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#busy >= this.max) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    else this.#busy++;
    try {
      return await fn();
    } finally {
      // The slot passes straight to the next waiter, so a newcomer can't take it first.
      const next = this.#waiters.shift();
      if (next === undefined) this.#busy--;
      else next();
    }
  }
}

/** Two: the machine's cores, and libuv's default pool of four threads is shared with file I/O. */
export const inflateSlots = new InflateSlots(2);
