import { performance } from "node:perf_hooks";
import type { BufferPool } from "./buffer-pool.js";

/**
 * A read-ahead not taken for this long is given up when room is needed. Younger ones are kept
 * and no new one starts: many partitions read at once would otherwise push each other's
 * read-aheads out before use, and every one would be read twice.
 */
export const STALE_READ_AHEAD_MS = 1000;

/**
 * A read issued before it is asked for: the bytes after what a sequential reader was just sent,
 * so its next fetch finds them in memory while this one is still being written to the socket.
 */
export class ReadAhead {
  constructor(
    private readonly owner: ReadAheads,
    readonly position: number,
    readonly pooled: Buffer,
    /** Bytes read into `pooled`, or -1 if the read failed. */
    readonly got: Promise<number>,
    readonly startedMs: number,
  ) {}

  /** Hands `pooled` to the caller, who releases it to the pool; false if it was dropped meanwhile. */
  take(): boolean {
    return this.owner.take(this);
  }

  /** Gives the buffer back (once the read is done): nobody will ask for these bytes. */
  drop(): void {
    this.owner.drop(this);
  }
}

/**
 * The read-aheads not taken yet, holding at most `maxBytes` of pooled buffers. One that does not
 * fit drops the oldest if they are stale (their buffers return to the pool when their reads
 * finish); else it is not started.
 */
export class ReadAheads {
  /** In start order. */
  readonly #live = new Set<ReadAhead>();
  #bytes = 0;

  constructor(
    private readonly buffers: BufferPool,
    readonly maxBytes: number,
    private readonly nowMs: () => number = () => performance.now(),
  ) {}

  /** Reads `length` bytes ahead with `read` (into a pooled buffer); undefined if there is no room. */
  start(position: number, length: number, read: (into: Buffer) => Promise<number>): ReadAhead | undefined {
    if (length <= 0 || length > this.maxBytes) return undefined;
    const now = this.nowMs();
    for (const old of this.#live) {
      if (this.#bytes + length <= this.maxBytes) break;
      if (now - old.startedMs < STALE_READ_AHEAD_MS) return undefined;
      old.drop();
    }
    const pooled = this.buffers.acquire(length);
    let got: Promise<number>;
    try {
      got = read(pooled).catch(() => -1);
    } catch {
      got = Promise.resolve(-1);
    }
    const ahead = new ReadAhead(this, position, pooled, got, now);
    this.#live.add(ahead);
    this.#bytes += pooled.length;
    return ahead;
  }

  take(ahead: ReadAhead): boolean {
    if (!this.#live.delete(ahead)) return false;
    this.#bytes -= ahead.pooled.length;
    return true;
  }

  drop(ahead: ReadAhead): void {
    if (!this.take(ahead)) return;
    void ahead.got.then(() => this.buffers.release(ahead.pooled));
  }

  /** Bytes of pooled buffers held by read-aheads not taken yet. */
  get bytesHeld(): number {
    return this.#bytes;
  }
}
