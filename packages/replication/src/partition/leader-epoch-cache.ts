import { assert } from "@samsa/common";

/** Kafka's sentinels for "no epoch known" in OffsetForLeaderEpoch answers. */
export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

export interface EpochEntry {
  readonly epoch: number;
  readonly startOffset: number;
}

export interface EpochEndOffset {
  readonly leaderEpoch: number;
  readonly endOffset: number;
}

/**
 * Leader epoch -> first offset written in that epoch (Kafka's LeaderEpochFileCache), rebuilt from
 * the partitionLeaderEpoch of batch headers. Followers use it to truncate; consumers to detect
 * divergence. Entries below the log start offset are dropped, so its size follows leader changes,
 * never the data; `maxEntries` bounds it anyway.
 */
export class LeaderEpochCache {
  private entries: EpochEntry[] = [];

  constructor(private readonly maxEntries = 10_000) {}

  get latestEpoch(): number {
    return this.entries.length === 0 ? UNDEFINED_EPOCH : this.entries[this.entries.length - 1].epoch;
  }

  get size(): number {
    return this.entries.length;
  }

  all(): readonly EpochEntry[] {
    return this.entries;
  }

  /**
   * Records that `epoch` starts at `startOffset`. A no-op for the latest epoch at or after its known
   * start (batches of the current epoch arrive all the time); otherwise entries the new one
   * contradicts (same or newer epoch, same or later start) are removed first, as after a truncation.
   */
  assign(epoch: number, startOffset: number): void {
    assert(epoch >= 0 && startOffset >= 0, "leader epoch entries are non-negative");
    const latest = this.entries[this.entries.length - 1];
    if (latest !== undefined && latest.epoch === epoch && latest.startOffset <= startOffset) return;
    this.entries = this.entries.filter((e) => e.epoch < epoch && e.startOffset < startOffset);
    this.entries.push({ epoch, startOffset });
    if (this.entries.length > this.maxEntries) this.entries.shift();
  }

  /** Removes entries whose start offset is at or beyond `endOffset` (log truncated to `endOffset`). */
  truncateFromEnd(endOffset: number): void {
    while (this.entries.length > 0 && this.entries[this.entries.length - 1].startOffset >= endOffset) {
      this.entries.pop();
    }
  }

  /**
   * The log now starts at `startOffset`: entries wholly below it go, and the one covering it is
   * moved up to start there.
   */
  truncateFromStart(startOffset: number): void {
    let covering = -1;
    for (let i = 0; i < this.entries.length && this.entries[i].startOffset <= startOffset; i++) covering = i;
    if (covering < 0) return;
    const kept = this.entries.slice(covering);
    kept[0] = { epoch: kept[0].epoch, startOffset };
    this.entries = kept;
  }

  /**
   * The end offset of `requestedEpoch` as Kafka's `endOffsetFor` answers it: the latest epoch ends at
   * the log end offset; an older epoch ends where the next newer one starts, reported with the
   * largest known epoch not above the requested one.
   */
  endOffsetFor(requestedEpoch: number, logEndOffset: number): EpochEndOffset {
    const undefinedAnswer = { leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (requestedEpoch === UNDEFINED_EPOCH || this.entries.length === 0) return undefinedAnswer;
    if (requestedEpoch === this.latestEpoch) return { leaderEpoch: requestedEpoch, endOffset: logEndOffset };
    const higherIndex = this.entries.findIndex((e) => e.epoch > requestedEpoch);
    if (higherIndex < 0) return undefinedAnswer;
    const higher = this.entries[higherIndex];
    if (higherIndex === 0) return { leaderEpoch: requestedEpoch, endOffset: higher.startOffset };
    const floor = this.entries[higherIndex - 1];
    assert(floor.epoch <= requestedEpoch, "epoch entries are sorted");
    return { leaderEpoch: floor.epoch, endOffset: higher.startOffset };
  }
}
