import { performance } from "node:perf_hooks";

/**
 * SAMSA_FETCH_TRACE=1 prints one line per consumer Fetch to stderr, in ms from the request's
 * arrival at the handler: its first reads done, handler returned (after a long poll's wait and
 * re-read), socket write done; the bytes sent per partition; and the idle gap since the previous
 * traced write (the client's share of the round trip). For measuring the consume path.
 */
export const fetchTraceEnabled = process.env.SAMSA_FETCH_TRACE === "1";

export class FetchTrace {
  /** When the last traced response was written: the gap to the next request is the client's time. */
  static #lastWrittenAt = 0;
  readonly #start = performance.now();
  #readsDone = 0;
  #returned = 0;

  readsDone(): void {
    this.#readsDone = performance.now() - this.#start;
  }

  returned(): void {
    this.#returned = performance.now() - this.#start;
  }

  written(partitionBytes: readonly number[]): void {
    const now = performance.now();
    const w = now - this.#start;
    const idle = FetchTrace.#lastWrittenAt === 0 ? 0 : this.#start - FetchTrace.#lastWrittenAt;
    FetchTrace.#lastWrittenAt = now;
    process.stderr.write(
      `FT idle=${idle.toFixed(3)} reads=${this.#readsDone.toFixed(3)} ret=${this.#returned.toFixed(3)} written=${w.toFixed(3)} bytes=${partitionBytes.join(",")}\n`,
    );
  }
}
