/**
 * Requests that may wait long for something outside the connection (Fetch long polls, group
 * rebalances) and carry little request memory. Kafka frees a request's queue slot and memory once
 * a handler took it, before it parks; these are not counted, so parked long polls can neither fill
 * the queue nor keep out the follower fetches that acks=all produces wait for.
 */
const PARKING_API_KEYS: ReadonlySet<number> = new Set([1, 11, 14]);

/** Whether a request frame (api key first) takes a share of the broker-wide budget. */
export function countsAgainstBudget(frame: Buffer): boolean {
  return frame.length < 2 || !PARKING_API_KEYS.has(frame.readInt16BE(0));
}

/**
 * The broker-wide bound on requests being processed, shared by all connections: Kafka's
 * `queued.max.requests` (count) and `queued.max.request.bytes` (request bytes). A connection that
 * finds the budget spent stops reading and waits; released budget wakes waiting connections in the
 * order they started waiting, so one busy producer can't starve the others.
 */
export class RequestBudget {
  readonly maxRequests: number;
  readonly maxBytes: number;
  #requests = 0;
  #bytes = 0;
  /** Wake-ups of connections waiting for budget; one entry per connection, so bounded by them. */
  readonly #waiters = new Set<() => void>();
  #waking = false;

  constructor(maxRequests: number, maxBytes: number) {
    if (!(maxRequests >= 1)) throw new RangeError(`maxRequests must be >= 1, got ${maxRequests}`);
    if (!(maxBytes >= 1)) throw new RangeError(`maxBytes must be >= 1, got ${maxBytes}`);
    this.maxRequests = maxRequests;
    this.maxBytes = maxBytes;
  }

  get requests(): number {
    return this.#requests;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get waiting(): number {
    return this.#waiters.size;
  }

  /**
   * Takes budget for one request of `bytes` if there is room. A request that alone exceeds the byte
   * bound is admitted when nothing else holds bytes, so it can't wait forever (the frame is already
   * read and bounded by socket.request.max.bytes).
   */
  tryAcquire(bytes: number): boolean {
    if (this.#requests >= this.maxRequests) return false;
    if (this.#bytes > 0 && this.#bytes + bytes > this.maxBytes) return false;
    this.#requests++;
    this.#bytes += bytes;
    return true;
  }

  release(bytes: number): void {
    this.#requests--;
    this.#bytes -= bytes;
    this.#wake();
  }

  /** Calls `wake` once after budget is released; waiting again replaces nothing (a set). */
  wait(wake: () => void): void {
    this.#waiters.add(wake);
  }

  cancel(wake: () => void): void {
    this.#waiters.delete(wake);
  }

  #wake(): void {
    // A woken connection admits requests (acquire) and may release synchronously: no recursion.
    if (this.#waking) return;
    this.#waking = true;
    try {
      // Each waiter is tried once per release; one that still finds no room waits again.
      for (const wake of [...this.#waiters]) {
        if (this.#requests >= this.maxRequests || this.#bytes >= this.maxBytes) break;
        this.#waiters.delete(wake);
        wake();
      }
    } finally {
      this.#waking = false;
    }
  }
}
