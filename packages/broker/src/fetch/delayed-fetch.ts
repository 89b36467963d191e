import type { CompletionReason, DelayedOperation } from "@samsa/replication";
import type { FetchIsolation, Partition } from "../replica/partition.js";

/** One partition a parked fetch watches. */
export interface FetchWatch {
  readonly partition: Partition;
  readonly fetchOffset: number;
  readonly maxBytes: number;
  readonly currentLeaderEpoch: number;
}

/**
 * Kafka's DelayedFetch: a long poll that completes once at least min_bytes are readable across its
 * partitions (each counted up to its own max bytes), when a partition changes under it (fenced
 * epoch, truncation below the fetch offset), or at max_wait_ms. Completion re-reads everything.
 */
export class DelayedFetch implements DelayedOperation {
  readonly #watches: readonly FetchWatch[];
  readonly #minBytes: number;
  readonly #isolation: FetchIsolation;
  readonly #isCurrent: (p: Partition) => boolean;
  readonly #done: (reason: CompletionReason) => void;

  constructor(
    watches: readonly FetchWatch[],
    minBytes: number,
    isolation: FetchIsolation,
    isCurrent: (p: Partition) => boolean,
    done: (reason: CompletionReason) => void,
  ) {
    this.#watches = watches;
    this.#minBytes = minBytes;
    this.#isolation = isolation;
    this.#isCurrent = isCurrent;
    this.#done = done;
  }

  isSatisfied(): boolean {
    let accumulated = 0;
    for (const w of this.#watches) {
      const p = w.partition;
      if (!this.#isCurrent(p) || p.state.checkLeaderEpoch(w.currentLeaderEpoch) !== undefined) return true;
      const end = p.fetchableEnd(this.#isolation);
      if (end < w.fetchOffset) return true;
      if (end > w.fetchOffset) accumulated += Math.min(p.bytesAvailable(w.fetchOffset, this.#isolation), w.maxBytes);
    }
    return accumulated >= this.#minBytes;
  }

  onComplete(reason: CompletionReason): void {
    this.#done(reason);
  }
}
