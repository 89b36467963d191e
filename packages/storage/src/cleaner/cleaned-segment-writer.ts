import { writeInt64 } from "@samsa/protocol";
import type { BatchInfo } from "../batch-scanner.js";
import type { StorageFile } from "../fs/storage-fs.js";
import { writeFully } from "../fs/storage-fs.js";

const WRITE_BUFFER_BYTES = 1024 * 1024;

/**
 * Writes a cleaned copy of a segment (`.cleaned` files) with its offset and time indexes built as
 * batches go by, using the same sparse-entry rule as LogSegment.append.
 */
export class CleanedSegmentWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private position = 0;
  private bytesSinceLastIndexEntry = 0;
  private maxTimestamp = -1;
  private offsetOfMaxTimestamp = -1;
  private lastTimeIndexed = -1;
  private readonly offsetEntries: Buffer[] = [];
  private readonly timeEntries: Buffer[] = [];

  constructor(
    private readonly log: StorageFile,
    private readonly baseOffset: number,
    private readonly indexIntervalBytes: number,
    private readonly maxIndexEntries: number,
  ) {}

  get size(): number {
    return this.position + this.pendingBytes;
  }

  async append(batch: Buffer, info: BatchInfo): Promise<void> {
    const position = this.size;
    if (info.maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = info.maxTimestamp;
      this.offsetOfMaxTimestamp = info.lastOffset;
    }
    if (this.bytesSinceLastIndexEntry > this.indexIntervalBytes && this.offsetEntries.length < this.maxIndexEntries) {
      const entry = Buffer.alloc(8);
      entry.writeInt32BE(info.lastOffset - this.baseOffset, 0);
      entry.writeInt32BE(position, 4);
      this.offsetEntries.push(entry);
      this.maybeTimeEntry();
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += batch.length;
    this.pending.push(batch);
    this.pendingBytes += batch.length;
    if (this.pendingBytes >= WRITE_BUFFER_BYTES) await this.drain();
  }

  private maybeTimeEntry(): void {
    if (this.maxTimestamp <= this.lastTimeIndexed || this.timeEntries.length >= this.maxIndexEntries) return;
    const entry = Buffer.alloc(12);
    writeInt64(entry, 0, this.maxTimestamp);
    entry.writeInt32BE(this.offsetOfMaxTimestamp - this.baseOffset, 8);
    this.timeEntries.push(entry);
    this.lastTimeIndexed = this.maxTimestamp;
  }

  private async drain(): Promise<void> {
    if (this.pendingBytes === 0) return;
    const data = Buffer.concat(this.pending);
    await writeFully(this.log, data, this.position);
    this.position += data.length;
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** Flushes the log data and writes both index files; all three are fsynced. */
  async finish(offsetIndex: StorageFile, timeIndex: StorageFile): Promise<void> {
    await this.drain();
    this.maybeTimeEntry();
    await writeFully(offsetIndex, Buffer.concat(this.offsetEntries), 0);
    await writeFully(timeIndex, Buffer.concat(this.timeEntries), 0);
    await this.log.sync();
    await offsetIndex.sync();
    await timeIndex.sync();
  }
}
