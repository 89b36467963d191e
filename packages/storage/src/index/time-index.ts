import { assert } from "@samsa/common";
import { readInt64, writeInt64 } from "@samsa/protocol";
import type { PooledFile } from "../file-pool.js";
import type { IndexCache } from "./index-cache.js";
import { SegmentIndex } from "./segment-index.js";

export const TIME_INDEX_ENTRY_SIZE = 12;

export interface TimestampOffset {
  timestamp: number;
  offset: number;
}

/**
 * Sparse map from max-timestamp-so-far to the offset where it was reached (timestamp int64,
 * relative offset int32). Timestamps strictly increase across entries.
 */
export class TimeIndex extends SegmentIndex {
  private last: TimestampOffset = { timestamp: -1, offset: -1 };

  constructor(file: PooledFile, baseOffset: number, maxIndexBytes: number, cache: IndexCache) {
    super(file, baseOffset, TIME_INDEX_ENTRY_SIZE, Math.floor(maxIndexBytes / TIME_INDEX_ENTRY_SIZE), cache);
  }

  /** The newest entry (timestamp -1 if empty). Always in memory. */
  get lastEntry(): TimestampOffset {
    return this.last;
  }

  /** Appends if `timestamp` is larger than the last entry's; `force` ignores the full check at roll. */
  maybeAppend(timestamp: number, offset: number): void {
    if (timestamp <= this.last.timestamp || this.isFull) return;
    const relative = offset - this.baseOffset;
    assert(relative >= 0 && relative <= 0x7fffffff, "offset outside the segment's range");
    assert(offset >= this.last.offset, "time index offsets must not decrease");
    this.appendEntry((buf, pos) => {
      writeInt64(buf, pos, timestamp);
      buf.writeInt32BE(relative, pos + 8);
    });
    this.last = { timestamp, offset };
  }

  /** The entry with the largest timestamp <= target, or (-1, baseOffset). */
  async lookup(target: number): Promise<TimestampOffset> {
    const buf = await this.entriesBuffer();
    const slot = SegmentIndex.floorSlot(this.entries, (i) => readInt64(buf, i * 12), target);
    if (slot < 0) return { timestamp: -1, offset: this.baseOffset };
    return { timestamp: readInt64(buf, slot * 12), offset: buf.readInt32BE(slot * 12 + 8) + this.baseOffset };
  }

  /** Drops entries for offsets >= `offset`. */
  async truncateTo(offset: number): Promise<void> {
    const buf = await this.entriesBuffer();
    const slot = SegmentIndex.floorSlot(this.entries, (i) => buf.readInt32BE(i * 12 + 8) + this.baseOffset, offset - 1);
    await this.truncateToSlots(slot + 1);
    this.last =
      slot >= 0
        ? { timestamp: readInt64(buf, slot * 12), offset: buf.readInt32BE(slot * 12 + 8) + this.baseOffset }
        : { timestamp: -1, offset: -1 };
  }

  override async reset(): Promise<void> {
    await super.reset();
    this.last = { timestamp: -1, offset: -1 };
  }

  protected onLastEntry(entry: Buffer): boolean {
    let timestamp: number;
    try {
      timestamp = readInt64(entry, 0);
    } catch {
      return false;
    }
    const rel = entry.readInt32BE(8);
    this.last = { timestamp, offset: rel + this.baseOffset };
    return rel >= 0;
  }

  protected sane(): boolean {
    const buf = this.loadedBuffer();
    let prevTs = -1;
    let prevRel = -1;
    for (let i = 0; i < this.entries; i++) {
      let ts: number;
      try {
        ts = readInt64(buf, i * 12);
      } catch {
        return false;
      }
      const rel = buf.readInt32BE(i * 12 + 8);
      if (ts <= prevTs || rel < prevRel || rel < 0) return false;
      prevTs = ts;
      prevRel = rel;
    }
    this.last = prevRel < 0 ? { timestamp: -1, offset: -1 } : { timestamp: prevTs, offset: prevRel + this.baseOffset };
    return true;
  }
}
