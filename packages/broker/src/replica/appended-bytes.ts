/**
 * Cumulative bytes appended to a partition, indexed by end offset, so a delayed fetch can tell how
 * many bytes lie between its fetch offset and the high watermark without touching the disk
 * (Kafka compares segment positions for this). Only the last `capacity` appends are remembered (a
 * few KB per partition); an older offset reads as "a lot" so the fetch completes and reads the
 * real bytes.
 */
export class AppendedBytes {
  readonly #endOffsets: number[] = [];
  readonly #cumulative: number[] = [];
  #total = 0;

  constructor(
    startOffset: number,
    private readonly capacity = 256,
  ) {
    this.#endOffsets.push(startOffset);
    this.#cumulative.push(0);
  }

  /** Batches ending just below `endOffset` took `bytes` bytes. */
  record(endOffset: number, bytes: number): void {
    this.#total += bytes;
    this.#endOffsets.push(endOffset);
    this.#cumulative.push(this.#total);
    if (this.#endOffsets.length > this.capacity) {
      this.#endOffsets.shift();
      this.#cumulative.shift();
    }
  }

  /** Bytes appended in [fromOffset, toOffset); Infinity when fromOffset is older than the window. */
  between(fromOffset: number, toOffset: number): number {
    if (toOffset <= fromOffset) return 0;
    const from = this.#at(fromOffset);
    const to = this.#at(toOffset);
    if (from === undefined) return Number.POSITIVE_INFINITY;
    return Math.max(0, (to ?? this.#total) - from);
  }

  /** Cumulative bytes below `offset` (taking the last append that ends at or before it). */
  #at(offset: number): number | undefined {
    const ends = this.#endOffsets;
    if (offset < ends[0]) return undefined;
    let lo = 0;
    let hi = ends.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (ends[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return this.#cumulative[lo];
  }
}
