/** An aborted transaction of one partition, as Fetch reports it (Kafka's AbortedTxn). */
export interface AbortedTxn {
  readonly producerId: number;
  readonly firstOffset: number;
  /** The offset of its ABORT marker. */
  readonly lastOffset: number;
}

/** Kafka keeps aborted transactions in per-segment files; in memory we keep the newest this many. */
const DEFAULT_MAX_ABORTED = 100_000;

/**
 * The transactions of one partition: which are open (for the last stable offset), which completed
 * with a marker not yet under the high watermark (still unstable), and which were aborted (for
 * read_committed fetches). Rebuilt from the log on open, kept in step by appends.
 */
export class PartitionTxns {
  /** Producer id -> first offset of its open transaction; bounded by the producer ids of the partition. */
  readonly #open = new Map<number, number>();
  /** Completed transactions whose marker is at or above the HW, in marker order. */
  #completing: { readonly firstOffset: number; readonly markerOffset: number }[] = [];
  /** In marker order, so lastOffset ascends. */
  #aborted: AbortedTxn[] = [];
  readonly #maxAborted: number;

  constructor(maxAborted = DEFAULT_MAX_ABORTED) {
    this.#maxAborted = maxAborted;
  }

  get openCount(): number {
    return this.#open.size;
  }

  /** A transactional data batch at `firstOffset`: opens the producer's transaction if none is open. */
  onData(producerId: number, firstOffset: number): void {
    if (!this.#open.has(producerId)) this.#open.set(producerId, firstOffset);
  }

  /**
   * A COMMIT/ABORT marker at `markerOffset` closes the producer's transaction; returns it if
   * aborted. A marker at or below `knownUpTo` is already in the aborted list (loaded from storage).
   */
  onMarker(producerId: number, markerOffset: number, commit: boolean, knownUpTo = -1): AbortedTxn | undefined {
    const firstOffset = this.#open.get(producerId) ?? markerOffset;
    this.#open.delete(producerId);
    this.#completing.push({ firstOffset, markerOffset });
    if (commit || markerOffset <= knownUpTo) return undefined;
    const aborted = { producerId, firstOffset, lastOffset: markerOffset };
    this.#aborted.push(aborted);
    if (this.#aborted.length > this.#maxAborted) this.#aborted.splice(0, this.#aborted.length - this.#maxAborted);
    return aborted;
  }

  /** Aborted transactions from storage's index (in marker order), before any marker is replayed. */
  loadAborted(entries: readonly AbortedTxn[]): void {
    this.#aborted = entries.slice(Math.max(0, entries.length - this.#maxAborted));
  }

  /**
   * The first offset a read_committed consumer must not pass: the start of the oldest open
   * transaction, or of a completed one whose marker is not yet under the HW.
   */
  firstUnstableOffset(highWatermark: number): number | undefined {
    if (this.#completing.length > 0 && this.#completing[0].markerOffset < highWatermark) {
      this.#completing = this.#completing.filter((c) => c.markerOffset >= highWatermark);
    }
    let first: number | undefined;
    for (const o of this.#open.values()) if (first === undefined || o < first) first = o;
    for (const c of this.#completing) if (first === undefined || c.firstOffset < first) first = c.firstOffset;
    return first;
  }

  /** Aborted transactions overlapping [fetchOffset, upperBoundOffset), for a read_committed fetch. */
  abortedBetween(fetchOffset: number, upperBoundOffset: number, limit = 10_000): AbortedTxn[] {
    const out: AbortedTxn[] = [];
    // Binary search for the first whose marker is at or after fetchOffset.
    let lo = 0;
    let hi = this.#aborted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#aborted[mid].lastOffset < fetchOffset) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.#aborted.length && out.length < limit; i++) {
      const a = this.#aborted[i];
      if (a.firstOffset < upperBoundOffset) out.push(a);
    }
    return out;
  }

  /** Forgets what lies wholly below the log start offset (retention, DeleteRecords). */
  retainFrom(logStartOffset: number): void {
    if (this.#aborted.length > 0 && this.#aborted[0].lastOffset < logStartOffset) {
      this.#aborted = this.#aborted.filter((a) => a.lastOffset >= logStartOffset);
    }
  }

  clear(): void {
    this.#open.clear();
    this.#completing = [];
    this.#aborted = [];
  }
}
