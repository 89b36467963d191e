import { assert } from "@samsa/common";
import type { PooledFile } from "../file-pool.js";
import type { IndexCache } from "./index-cache.js";
import { SegmentIndex } from "./segment-index.js";

export const OFFSET_INDEX_ENTRY_SIZE = 8;

export interface OffsetPosition {
  offset: number;
  position: number;
}

/**
 * Sparse map from offset to file position (relative offset int32, position int32), one entry per
 * index.interval.bytes. Each entry names a batch's last offset and the batch's position.
 */
export class OffsetIndex extends SegmentIndex {
  constructor(file: PooledFile, baseOffset: number, maxIndexBytes: number, cache: IndexCache) {
    super(file, baseOffset, OFFSET_INDEX_ENTRY_SIZE, Math.floor(maxIndexBytes / OFFSET_INDEX_ENTRY_SIZE), cache);
  }

  private lastOffset = -1;

  append(offset: number, position: number): void {
    const relative = offset - this.baseOffset;
    assert(relative >= 0 && relative <= 0x7fffffff, "offset outside the segment's range");
    assert(offset > this.lastOffset || this.entries === 0, "offset index entries must increase");
    this.appendEntry((buf, pos) => {
      buf.writeInt32BE(relative, pos);
      buf.writeInt32BE(position, pos + 4);
    });
    this.lastOffset = offset;
  }

  /** The entry with the largest offset <= target, or the segment start. */
  async lookup(target: number): Promise<OffsetPosition> {
    const buf = await this.entriesBuffer();
    const slot = SegmentIndex.floorSlot(this.entries, (i) => buf.readInt32BE(i * 8) + this.baseOffset, target);
    if (slot < 0) return { offset: this.baseOffset, position: 0 };
    return { offset: buf.readInt32BE(slot * 8) + this.baseOffset, position: buf.readInt32BE(slot * 8 + 4) };
  }

  /** Last entry, or the segment start. */
  async lastEntry(): Promise<OffsetPosition> {
    if (this.entries === 0) return { offset: this.baseOffset, position: 0 };
    const buf = await this.entriesBuffer();
    const i = this.entries - 1;
    return { offset: buf.readInt32BE(i * 8) + this.baseOffset, position: buf.readInt32BE(i * 8 + 4) };
  }

  /** Drops entries for offsets >= `offset`. */
  async truncateTo(offset: number): Promise<void> {
    const buf = await this.entriesBuffer();
    const slot = SegmentIndex.floorSlot(this.entries, (i) => buf.readInt32BE(i * 8) + this.baseOffset, offset - 1);
    await this.truncateToSlots(slot + 1);
    this.lastOffset = slot >= 0 ? buf.readInt32BE(slot * 8) + this.baseOffset : -1;
  }

  override async reset(): Promise<void> {
    await super.reset();
    this.lastOffset = -1;
  }

  /** Position of the last entry, known without loading entries. */
  lastPosition = 0;

  protected onLastEntry(entry: Buffer): boolean {
    const rel = entry.readInt32BE(0);
    this.lastPosition = entry.readInt32BE(4);
    this.lastOffset = rel + this.baseOffset;
    return rel >= 0 && this.lastPosition >= 0;
  }

  protected sane(): boolean {
    const buf = this.loadedBuffer();
    let prevOffset = -1;
    let prevPos = -1;
    for (let i = 0; i < this.entries; i++) {
      const rel = buf.readInt32BE(i * 8);
      const pos = buf.readInt32BE(i * 8 + 4);
      if (rel < 0 || pos < 0 || rel <= prevOffset || pos <= prevPos) return false;
      prevOffset = rel;
      prevPos = pos;
    }
    this.lastOffset = prevOffset < 0 ? -1 : prevOffset + this.baseOffset;
    return true;
  }
}
