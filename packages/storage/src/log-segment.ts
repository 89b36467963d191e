import { assert } from "@samsa/common";
import { LOG_OVERHEAD, RECORD_BATCH_OVERHEAD } from "@samsa/protocol";
import { type BatchInfo, batchInfoAt, type ScanStop, scanBatches } from "./batch-scanner.js";
import { StorageError } from "./errors.js";
import type { BufferPool } from "./buffer-pool.js";
import type { LogConfig } from "./config.js";
import type { FilePool, PooledFile } from "./file-pool.js";
import { readFully, readFullyNow, SYNC_IO_MAX_BYTES, writeFully, writeFullyNow } from "./fs/storage-fs.js";
import type { IndexCache } from "./index/index-cache.js";
import { OffsetIndex, type OffsetPosition } from "./index/offset-index.js";
import { TimeIndex, type TimestampOffset } from "./index/time-index.js";
import { DELETED_SUFFIX, INDEX_SUFFIX, LOG_SUFFIX, TIME_INDEX_SUFFIX, segmentPath } from "./log-files.js";
import { Preallocation, type ZeroFill, zeroBuffer } from "./preallocation.js";
import { type NextRead, ReadPositionCache } from "./read-position-cache.js";

/**
 * How far behind the end of the active segment a read counts as the tail: written within the last
 * moments, so still in the page cache, and read without the pool's hand-off.
 */
const RECENT_TAIL_BYTES = 16 * 1024 * 1024;

/** Recent appends whose first batch is remembered (see LogSegment.appendedBatches). */
const MAX_APPENDED_BATCHES = 16;

export interface SegmentContext {
  pool: FilePool;
  indexCache: IndexCache;
  config: LogConfig;
}

/** Bytes read from one segment: whole batches starting at `position`. */
export interface SegmentRead {
  /** Base offset of the first batch returned (may be below the fetch offset). */
  firstBatchOffset: number;
  position: number;
  records: Buffer;
  /** The pooled buffer behind `records`, to give back with BufferPool.release. */
  pooled: Buffer;
}

/** What a read needs to remember where it ended and to read on from there. */
interface NextReadBounds {
  /** The truncation generation when the read began. */
  readonly generation: number;
  readonly maxBytes: number;
  readonly maxPosition: number;
  readonly buffers: BufferPool;
}

/**
 * One segment: a .log file of record batches plus its sparse offset and time indexes, as Kafka's
 * LogSegment. Appends are serialized by the owning Log.
 */
export class LogSegment {
  size: number;
  /** Offset after the last batch; known for the active segment and after a scan. */
  nextOffset: number;
  /** Largest batch max timestamp in the segment, and the last offset of that batch. */
  maxTimestampSoFar = -1;
  offsetOfMaxTimestampSoFar = -1;
  /** Wall-clock time the segment was created or loaded, for segment.ms. */
  createdMs: number;
  private bytesSinceLastIndexEntry = 0;
  private rebuilding: Promise<void> | null = null;
  /** Written since the last fsync (data or indexes). */
  dirty = false;
  /**
   * Index entries written since their files were last fsynced: the per-round flush syncs only the
   * log file (recovery rebuilds the active segment's indexes); a roll or a clean close syncs them.
   */
  private indexesUnsynced = false;
  /** Where recent reads ended, so a consumer's next read starts at its batch exactly. */
  private readonly readPositions = new ReadPositionCache();
  /**
   * The first batch of each recent append, by base offset. The high watermark moves to the end of
   * an append (the log end offset a flush round began with), so a read bounded by it finds the
   * batch there without reading headers from the index entry on.
   */
  private readonly appendedBatches = new Map<number, BatchInfo>();
  /** Zeros written ahead of the end of the file (see Preallocation). */
  private readonly preallocation: Preallocation;

  private constructor(
    readonly baseOffset: number,
    readonly dir: string,
    readonly log: PooledFile,
    readonly offsetIndex: OffsetIndex,
    readonly timeIndex: TimeIndex,
    size: number,
    nowMs: number,
    private readonly ctx: SegmentContext,
  ) {
    this.size = size;
    this.nextOffset = baseOffset;
    this.createdMs = nowMs;
    this.preallocation = new Preallocation(size);
  }

  static async create(ctx: SegmentContext, dir: string, baseOffset: number, nowMs: number): Promise<LogSegment> {
    for (const suffix of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
      const path = segmentPath(dir, baseOffset, suffix);
      // A leftover from a crashed roll or a truncation of this segment would be stale.
      if (await ctx.pool.fs.exists(path)) await ctx.pool.fs.unlink(path);
      const handle = await ctx.pool.fs.open(path, "wx+");
      await handle.close();
    }
    return LogSegment.open(ctx, dir, baseOffset, 0, nowMs);
  }

  static open(ctx: SegmentContext, dir: string, baseOffset: number, size: number, nowMs: number): LogSegment {
    const { pool, indexCache, config } = ctx;
    return new LogSegment(
      baseOffset,
      dir,
      pool.file(segmentPath(dir, baseOffset, LOG_SUFFIX)),
      new OffsetIndex(
        pool.file(segmentPath(dir, baseOffset, INDEX_SUFFIX)),
        baseOffset,
        config.segmentIndexBytes,
        indexCache,
      ),
      new TimeIndex(
        pool.file(segmentPath(dir, baseOffset, TIME_INDEX_SUFFIX)),
        baseOffset,
        config.segmentIndexBytes,
        indexCache,
      ),
      size,
      nowMs,
      ctx,
    );
  }

  private get indexIntervalBytes(): number {
    return this.ctx.config.indexIntervalBytes;
  }

  /** Loads the index files; false if either is missing or not sane (the caller then recovers). */
  async loadIndexes(active: boolean): Promise<boolean> {
    const fs = this.log.fs();
    if (!(await fs.exists(this.offsetIndex.file.path)) || !(await fs.exists(this.timeIndex.file.path))) return false;
    if (active) {
      if (!(await this.offsetIndex.load(true)) || !(await this.timeIndex.load(true))) return false;
      if ((await this.offsetIndex.lastEntry()).position > this.size) return false;
    } else {
      if (!(await this.offsetIndex.loadLazily()) || !(await this.timeIndex.loadLazily())) return false;
      if (this.offsetIndex.lastPosition > this.size) return false;
    }
    const lastTime = this.timeIndex.lastEntry;
    this.maxTimestampSoFar = lastTime.timestamp;
    this.offsetOfMaxTimestampSoFar = lastTime.offset;
    return true;
  }

  /** Recreates missing index files (empty) before a rebuild. */
  async ensureIndexFiles(): Promise<void> {
    const fs = this.log.fs();
    for (const file of [this.offsetIndex.file, this.timeIndex.file]) {
      if (!(await fs.exists(file.path))) {
        const h = await fs.open(file.path, "wx+");
        await h.close();
      }
    }
  }

  get isIndexFull(): boolean {
    return this.offsetIndex.isFull || this.timeIndex.isFull;
  }

  /**
   * Appends batches already laid out in `records` (file position = this.size). `batches` gives
   * each batch's offsets and timestamp with positions relative to `records`.
   */
  /**
   * `onAppended` runs in the same turn as the size grows: the log moves its end offset there, since
   * readers take the active segment's size as the log end's position.
   */
  async append(
    records: Buffer,
    batches: readonly BatchInfo[],
    indexIntervalBytes: number,
    onAppended: () => void = () => {},
  ): Promise<number> {
    const physicalPosition = this.size;
    this.dirty = true;
    await this.write(records, physicalPosition);
    // Again after the write: a flush round that started meanwhile may have cleared the flag.
    this.dirty = true;
    await this.withIndexesLoaded(async () => this.indexBatches(batches, physicalPosition, indexIntervalBytes));
    this.rememberAppended(batches[0], physicalPosition);
    this.size += records.length;
    onAppended();
    return physicalPosition;
  }

  /**
   * `append` without an await, when it needs none: a small write (see SYNC_IO_MAX_BYTES), both
   * indexes in memory and the file open. Returns the position written at, or undefined having
   * changed nothing (the caller then uses `append`).
   */
  appendNow(
    records: Buffer,
    batches: readonly BatchInfo[],
    indexIntervalBytes: number,
    onAppended: () => void,
  ): number | undefined {
    if (records.length > SYNC_IO_MAX_BYTES || !this.offsetIndex.loaded || !this.timeIndex.loaded) return undefined;
    const physicalPosition = this.size;
    if (!this.log.useNow((h) => writeFullyNow(h, records, physicalPosition))) return undefined;
    this.dirty = true;
    this.indexBatches(batches, physicalPosition, indexIntervalBytes);
    this.rememberAppended(batches[0], physicalPosition);
    this.size += records.length;
    onAppended();
    return physicalPosition;
  }

  /**
   * A small write goes to the page cache on the event loop (see SYNC_IO_MAX_BYTES), a large one
   * through the pool. Writes stay ordered: the owning Log serializes appends and zero fills.
   */
  private async write(buf: Buffer, position: number): Promise<void> {
    if (buf.length <= SYNC_IO_MAX_BYTES && this.log.useNow((h) => writeFullyNow(h, buf, position))) return;
    await this.log.use((h) => writeFully(h, buf, position));
  }

  /**
   * Reads into `into`. A small read near the end of the active segment (the tail consumers follow,
   * just written, so in the page cache) runs on the event loop; others may wait for the disk and
   * go through the pool.
   */
  private async readInto(into: Buffer, length: number, position: number): Promise<number> {
    if (length <= SYNC_IO_MAX_BYTES && this.offsetIndex.isActive && position >= this.size - RECENT_TAIL_BYTES) {
      const got = this.log.useNow((h) => readFullyNow(h, into, 0, length, position));
      if (got !== undefined) return got;
    }
    return this.log.use((h) => readFully(h, into, 0, length, position));
  }

  private rememberAppended(first: BatchInfo | undefined, physicalPosition: number): void {
    if (first === undefined) return;
    if (this.appendedBatches.size >= MAX_APPENDED_BATCHES) {
      const oldest = this.appendedBatches.keys().next().value;
      if (oldest !== undefined) this.appendedBatches.delete(oldest);
    }
    this.appendedBatches.set(first.baseOffset, { ...first, position: physicalPosition + first.position });
  }

  /** Runs `fn` with both indexes loaded and safe from eviction (index appends are synchronous). */
  private async withIndexesLoaded<T>(fn: () => Promise<T>): Promise<T> {
    await this.offsetIndex.pin();
    try {
      await this.timeIndex.pin();
      try {
        return await fn();
      } finally {
        this.timeIndex.unpin();
      }
    } finally {
      this.offsetIndex.unpin();
    }
  }

  private indexBatches(batches: readonly BatchInfo[], physicalPosition: number, indexIntervalBytes: number): void {
    for (const b of batches) {
      if (b.maxTimestamp > this.maxTimestampSoFar) {
        this.maxTimestampSoFar = b.maxTimestamp;
        this.offsetOfMaxTimestampSoFar = b.lastOffset;
      }
      if (this.bytesSinceLastIndexEntry > indexIntervalBytes) {
        this.offsetIndex.append(b.lastOffset, physicalPosition + b.position);
        this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar);
        this.bytesSinceLastIndexEntry = 0;
      }
      this.bytesSinceLastIndexEntry += b.size;
      this.nextOffset = b.lastOffset + 1;
    }
  }

  /**
   * The first batch whose last offset is >= `offset`, searching from the index entry at or below
   * it, and not past `maxPosition`; undefined if there is none.
   */
  async translateOffset(offset: number, maxPosition = this.size): Promise<BatchInfo | undefined> {
    const appended = this.appendedBatches.get(offset);
    if (appended !== undefined && appended.position + appended.size <= maxPosition) return appended;
    const start = await this.lookupOffset(offset);
    return this.log.use(async (h) => {
      const scan = scanBatches(h, {
        start: start.position,
        end: maxPosition,
        verify: false,
        maxBatchBytes: 0x7fffffff,
      });
      for await (const b of scan) {
        if (b.lastOffset >= offset) return b;
      }
      return undefined;
    });
  }

  /**
   * Reads whole batches from the one holding `startOffset`, up to `maxBytes` (at least one batch
   * if `minOneMessage`) and not past `maxPosition`. Undefined if the segment has nothing at or
   * after `startOffset` below `maxPosition`. The common case is one positional read of exactly
   * the bytes to send, from where the previous read of this consumer ended; else from the index
   * entry, `maxBytes` plus the index interval, then the first batch is found in memory.
   */
  async read(
    startOffset: number,
    maxBytes: number,
    maxPosition: number,
    minOneMessage: boolean,
    buffers: BufferPool,
    indexIntervalBytes: number,
  ): Promise<SegmentRead | undefined> {
    const known = this.readPositions.get(startOffset);
    if (known !== undefined && known.position < maxPosition) {
      const read = await this.readAt(startOffset, known, maxBytes, maxPosition, minOneMessage, buffers);
      if (read) return read;
    }
    const generation = this.readPositions.generation;
    const entry = await this.lookupOffset(startOffset);
    if (entry.position >= maxPosition)
      return this.readAfterTranslate(startOffset, maxBytes, maxPosition, minOneMessage, buffers);
    const length = Math.min(maxPosition - entry.position, maxBytes + indexIntervalBytes + RECORD_BATCH_OVERHEAD);
    const pooled = buffers.acquire(length);
    const got = await this.readInto(pooled, length, entry.position);
    const data = pooled.subarray(0, got);
    let pos = 0;
    let first: BatchInfo | undefined;
    while (pos + RECORD_BATCH_OVERHEAD <= got) {
      const info = batchInfoAt(data, pos, entry.position + pos);
      if (typeof info === "string") {
        buffers.release(pooled);
        throw new StorageError(
          "KAFKA_STORAGE_ERROR",
          `corrupt batch at ${entry.position + pos} of ${this.log.path}: ${info}`,
        );
      }
      if (info.lastOffset >= startOffset) {
        first = info;
        break;
      }
      pos += info.size;
    }
    const readToEnd = entry.position + got >= maxPosition;
    if (!first) {
      buffers.release(pooled);
      // Nothing at or after startOffset below maxPosition, or the scan left the buffer.
      return readToEnd
        ? undefined
        : this.readAfterTranslate(startOffset, maxBytes, maxPosition, minOneMessage, buffers);
    }
    const limit = minOneMessage ? Math.max(maxBytes, first.size) : maxBytes;
    if (pos + first.size > got && first.size <= limit) {
      buffers.release(pooled);
      return this.readAfterTranslate(startOffset, maxBytes, maxPosition, minOneMessage, buffers);
    }
    return this.sent(first, data.subarray(pos), limit, pooled, { generation, maxBytes, maxPosition, buffers });
  }

  /**
   * One read from where a previous read ended (taken from its read-ahead when that covers it): the
   * batch there holds `startOffset` (checked). Reads at most `maxBytes`, so nothing is read twice;
   * undefined when the position no longer fits (the caller falls back to the index) or the first
   * batch needs a larger read.
   */
  private async readAt(
    startOffset: number,
    next: NextRead,
    maxBytes: number,
    maxPosition: number,
    minOneMessage: boolean,
    buffers: BufferPool,
  ): Promise<SegmentRead | undefined> {
    const generation = this.readPositions.generation;
    const { position } = next;
    const length = Math.min(maxPosition - position, Math.max(maxBytes, RECORD_BATCH_OVERHEAD));
    const ahead = next.ahead;
    next.ahead = undefined;
    let pooled: Buffer | undefined;
    if (ahead?.take()) {
      // Bytes below the bound do not change while the generation holds; a shorter read-ahead (the
      // bound moved on since) is not used, so the answer is what a read now would give.
      if ((await ahead.got) >= length && this.readPositions.generation === generation) pooled = ahead.pooled;
      else buffers.release(ahead.pooled);
    }
    let got = length;
    if (pooled === undefined) {
      pooled = buffers.acquire(length);
      const into = pooled;
      got = await this.readInto(into, length, position);
    }
    let data = pooled.subarray(0, got);
    const first = batchInfoAt(data, 0, position);
    if (typeof first === "string" || first.lastOffset < startOffset) {
      buffers.release(pooled);
      return undefined;
    }
    if (first.size > got && (minOneMessage || first.size <= maxBytes)) {
      // KIP-74: the first batch goes whole beyond the limit; its header gave its size, read just it.
      buffers.release(pooled);
      if (position + first.size > maxPosition) return undefined;
      pooled = buffers.acquire(first.size);
      const into = pooled;
      got = await this.readInto(into, first.size, position);
      if (got < first.size) {
        buffers.release(pooled);
        return undefined;
      }
      data = pooled.subarray(0, got);
    }
    const limit = minOneMessage ? Math.max(maxBytes, first.size) : maxBytes;
    return this.sent(first, data, limit, pooled, { generation, maxBytes, maxPosition, buffers });
  }

  /**
   * The whole batches of `data` (starting with `first`) within `limit`. Remembers where they end
   * unless the segment was truncated since the read began, and reads on from there if the bound
   * leaves more: a sequential reader's next read is then already done or under way.
   */
  private sent(first: BatchInfo, data: Buffer, limit: number, pooled: Buffer, next: NextReadBounds): SegmentRead {
    const { end, lastStart } = wholeBatchesWithin(data, limit);
    const last = end > 0 ? batchInfoAt(data, lastStart, first.position + lastStart) : undefined;
    if (last !== undefined && typeof last !== "string" && next.generation === this.readPositions.generation) {
      const position = first.position + end;
      const length = Math.min(next.maxPosition - position, Math.max(next.maxBytes, RECORD_BATCH_OVERHEAD));
      const ahead =
        length > 0
          ? next.buffers.readAheads.start(position, length, (into) => this.readInto(into, length, position))
          : undefined;
      this.readPositions.set(last.lastOffset + 1, position, next.generation, ahead);
    }
    return { firstBatchOffset: first.baseOffset, position: first.position, records: data.subarray(0, end), pooled };
  }

  /** The two-step read: find the first batch by scanning headers, then read from it. */
  private async readAfterTranslate(
    startOffset: number,
    maxBytes: number,
    maxPosition: number,
    minOneMessage: boolean,
    buffers: BufferPool,
  ): Promise<SegmentRead | undefined> {
    const generation = this.readPositions.generation;
    const first = await this.translateOffset(startOffset, maxPosition);
    if (!first) return undefined;
    const length = Math.min(minOneMessage ? Math.max(maxBytes, first.size) : maxBytes, maxPosition - first.position);
    if (length < first.size) {
      return {
        firstBatchOffset: first.baseOffset,
        position: first.position,
        records: Buffer.alloc(0),
        pooled: Buffer.alloc(0),
      };
    }
    const pooled = buffers.acquire(length);
    const got = await this.readInto(pooled, length, first.position);
    const read = this.sent(first, pooled.subarray(0, got), length, pooled, {
      generation,
      maxBytes,
      maxPosition,
      buffers,
    });
    assert(read.records.length >= first.size, "first batch shorter on disk than its header says");
    return read;
  }

  /**
   * Rebuilds indexes and statistics by scanning every batch, verifying CRCs, and truncates the
   * file at the first torn or corrupt batch. Returns the bytes truncated and why the scan stopped.
   */
  async recover(
    maxBatchBytes: number,
    indexIntervalBytes: number,
    onBatch: (b: BatchInfo) => void,
  ): Promise<{ truncatedBytes: number; stop: ScanStop }> {
    await this.ensureIndexFiles();
    // Reset before pinning: pinning loads entries, and the old ones may be corrupt.
    await this.offsetIndex.reset();
    await this.timeIndex.reset();
    return this.withIndexesLoaded(() => this.rebuild(maxBatchBytes, indexIntervalBytes, onBatch));
  }

  private async rebuild(
    maxBatchBytes: number,
    indexIntervalBytes: number,
    onBatch: (b: BatchInfo) => void,
  ): Promise<{ truncatedBytes: number; stop: ScanStop }> {
    this.maxTimestampSoFar = -1;
    this.offsetOfMaxTimestampSoFar = -1;
    this.bytesSinceLastIndexEntry = 0;
    this.nextOffset = this.baseOffset;
    this.appendedBatches.clear();
    const fileSize = await this.log.use(async (h) => (await h.stat()).size);
    let validBytes = 0;
    const stop = await this.log.use(async (h) => {
      const scan = scanBatches(h, { start: 0, end: fileSize, verify: true, maxBatchBytes });
      for (;;) {
        const r = await scan.next();
        if (r.done) return r.value;
        const b = r.value;
        if (b.baseOffset < this.nextOffset || b.lastOffset - this.baseOffset > 0x7fffffff) return "corrupt";
        if (b.maxTimestamp > this.maxTimestampSoFar) {
          this.maxTimestampSoFar = b.maxTimestamp;
          this.offsetOfMaxTimestampSoFar = b.lastOffset;
        }
        if (this.bytesSinceLastIndexEntry > indexIntervalBytes && !this.isIndexFull) {
          this.offsetIndex.append(b.lastOffset, b.position);
          this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar);
          this.bytesSinceLastIndexEntry = 0;
        }
        this.bytesSinceLastIndexEntry += b.size;
        this.nextOffset = b.lastOffset + 1;
        validBytes = b.position + b.size;
        onBatch(b);
      }
    });
    this.dirty = true;
    if (validBytes < fileSize) await this.log.use((h) => h.truncate(validBytes));
    this.size = validBytes;
    this.preallocation.reset(this.size);
    this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar);
    return { truncatedBytes: fileSize - validBytes, stop };
  }

  /** Offset index lookup; an inactive index found corrupt is rebuilt from the log. */
  async lookupOffset(target: number): Promise<OffsetPosition> {
    const found = await this.offsetIndex.lookup(target);
    await this.repairIfCorrupt();
    return found;
  }

  /** Time index lookup; an inactive index found corrupt is rebuilt from the log. */
  async lookupTimestamp(target: number): Promise<TimestampOffset> {
    const found = await this.timeIndex.lookup(target);
    await this.repairIfCorrupt();
    return found;
  }

  private async repairIfCorrupt(): Promise<void> {
    if (!(this.offsetIndex.corrupt || this.timeIndex.corrupt) || this.offsetIndex.isActive) return;
    this.rebuilding ??= this.rebuildInactiveIndexes().finally(() => {
      this.rebuilding = null;
    });
    await this.rebuilding;
  }

  /**
   * Rebuilds both indexes of an inactive segment from batch headers, without touching the log.
   * Readers meanwhile see a prefix of the new entries, which is still a valid sparse index.
   */
  private async rebuildInactiveIndexes(): Promise<void> {
    await this.offsetIndex.reset();
    await this.timeIndex.reset();
    let maxTimestamp = -1;
    let offsetOfMaxTimestamp = -1;
    await this.withIndexesLoaded(async () => {
      let since = 0;
      await this.log.use(async (h) => {
        for await (const b of scanBatches(h, { start: 0, end: this.size, verify: false, maxBatchBytes: 0x7fffffff })) {
          if (b.maxTimestamp > maxTimestamp) {
            maxTimestamp = b.maxTimestamp;
            offsetOfMaxTimestamp = b.lastOffset;
          }
          if (since > this.indexIntervalBytes && !this.isIndexFull) {
            this.offsetIndex.append(b.lastOffset, b.position);
            this.timeIndex.maybeAppend(maxTimestamp, offsetOfMaxTimestamp);
            since = 0;
          }
          since += b.size;
        }
      });
      this.timeIndex.maybeAppend(maxTimestamp, offsetOfMaxTimestamp);
    });
    await this.offsetIndex.deactivate();
    await this.timeIndex.deactivate();
    await this.offsetIndex.sync();
    await this.timeIndex.sync();
  }

  /** Scans from the last index entry to the end to learn nextOffset (clean open of the active segment). */
  /** False if the tail is not whole batches (the caller then recovers the segment). */
  async loadNextOffset(): Promise<boolean> {
    const start = await this.offsetIndex.lastEntry();
    let next = this.baseOffset;
    let pos = start.position;
    await this.log.use(async (h) => {
      const scan = scanBatches(h, { start: start.position, end: this.size, verify: false, maxBatchBytes: 0x7fffffff });
      for await (const b of scan) {
        next = b.lastOffset + 1;
        pos = b.position + b.size;
        if (b.maxTimestamp > this.maxTimestampSoFar) {
          this.maxTimestampSoFar = b.maxTimestamp;
          this.offsetOfMaxTimestampSoFar = b.lastOffset;
        }
      }
    });
    this.nextOffset = next;
    this.bytesSinceLastIndexEntry = this.size - start.position;
    return pos === this.size;
  }

  /**
   * Removes the batch holding `offset` and everything after it. Returns the bytes removed.
   */
  async truncateTo(offset: number): Promise<number> {
    const from = await this.translateOffset(offset);
    if (!from) return 0;
    await this.offsetIndex.truncateTo(offset);
    await this.timeIndex.truncateTo(offset);
    const removed = this.size - from.position;
    this.readPositions.clear();
    this.appendedBatches.clear();
    this.dirty = true;
    await this.log.use((h) => h.truncate(from.position));
    this.size = from.position;
    this.preallocation.reset(this.size);
    this.nextOffset = from.baseOffset;
    const lastIndexed = await this.offsetIndex.lastEntry();
    this.bytesSinceLastIndexEntry = this.size - lastIndexed.position;
    // Recompute the max timestamp over what remains from the time index plus the unindexed tail.
    this.maxTimestampSoFar = this.timeIndex.lastEntry.timestamp;
    this.offsetOfMaxTimestampSoFar = this.timeIndex.lastEntry.offset;
    await this.log.use(async (h) => {
      for await (const b of scanBatches(h, {
        start: lastIndexed.position,
        end: this.size,
        verify: false,
        maxBatchBytes: 0x7fffffff,
      })) {
        if (b.maxTimestamp > this.maxTimestampSoFar) {
          this.maxTimestampSoFar = b.maxTimestamp;
          this.offsetOfMaxTimestampSoFar = b.lastOffset;
        }
      }
    });
    return removed;
  }

  /** Writes index entries and fsyncs the log and both indexes. */
  async flush(): Promise<void> {
    this.dirty = false;
    this.indexesUnsynced = false;
    // Independent files: syncing them at once costs about one fsync rather than three in a row.
    await Promise.all([this.log.use((h) => h.sync()), this.offsetIndex.sync(), this.timeIndex.sync()]);
  }

  /**
   * The active segment's group-commit round: one fdatasync of the log file, since on a single node
   * every acks=-1 produce and every fetch of new data waits for it. Index entries are not synced,
   * and written only a page at a time (or when the index cache needs them evictable): after a
   * crash, recovery scans the segment holding the recovery point onwards and rebuilds its indexes,
   * and a roll or clean close writes and syncs them. Writing them every round cost two file writes
   * per fsync, as many as the appends of a busy partition.
   */
  async flushData(): Promise<void> {
    this.dirty = false;
    this.indexesUnsynced = true;
    this.preallocation.onRound();
    const writes = [this.log.use((h) => h.datasync())];
    for (const index of [this.offsetIndex, this.timeIndex]) {
      if (index.shouldPersist) writes.push(index.persist());
    }
    await Promise.all(writes);
  }

  /**
   * Writes zeros ahead of the end when Preallocation says so (the owning Log calls it after each
   * append, under its lock, so no append can land in the range while the zeros are written).
   */
  async preallocate(chunkBytes: number): Promise<void> {
    await this.writeZeros(this.preallocationDue(chunkBytes));
  }

  /** The zeros Preallocation wants written ahead of the end now, if any (it counts them as written). */
  preallocationDue(chunkBytes: number): ZeroFill | undefined {
    return this.preallocation.next(this.size, chunkBytes);
  }

  async writeZeros(fill: ZeroFill | undefined): Promise<void> {
    if (fill === undefined) return;
    this.dirty = true;
    await this.log.use((h) => writeFully(h, zeroBuffer(fill.length), fill.position));
  }

  /** Cuts the zeros ahead off and syncs that, so the file ends where the data does. */
  private async trimPreallocated(): Promise<void> {
    if (this.preallocation.allocated <= this.size) return;
    await this.log.use(async (h) => {
      await h.truncate(this.size);
      await h.datasync();
    });
    this.preallocation.reset(this.size);
  }

  /** Called when a newer segment becomes active: record the final max timestamp, persist indexes. */
  async onBecomeInactive(): Promise<void> {
    this.dirty = true;
    await this.trimPreallocated();
    await this.withIndexesLoaded(async () =>
      this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar),
    );
    await this.offsetIndex.deactivate();
    await this.timeIndex.deactivate();
  }

  /** Stops all new file uses of this segment object (it was replaced by a cleaned copy). */
  async retire(): Promise<void> {
    this.offsetIndex.forget();
    this.timeIndex.forget();
    await this.log.retire();
    await this.offsetIndex.file.retire();
    await this.timeIndex.file.retire();
  }

  /**
   * Persists indexes and closes handles (they reopen on demand). `syncIndexes`: also fsync index
   * entries the data-only flushes left unsynced (a clean shutdown skips recovery on restart).
   */
  async close(syncIndexes = false): Promise<void> {
    await this.trimPreallocated();
    if (this.timeIndex.isActive && this.maxTimestampSoFar > this.timeIndex.lastEntry.timestamp) {
      await this.withIndexesLoaded(async () =>
        this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar),
      );
    }
    if (syncIndexes && this.indexesUnsynced) {
      await Promise.all([this.offsetIndex.sync(), this.timeIndex.sync()]);
      this.indexesUnsynced = false;
    }
    await this.offsetIndex.persist();
    await this.timeIndex.persist();
    await this.log.close();
    await this.offsetIndex.file.close();
    await this.timeIndex.file.close();
  }

  /** Renames files to `.deleted` (so a crash mid-delete leaves nothing loadable), then removes them. */
  async delete(): Promise<void> {
    this.offsetIndex.forget();
    this.timeIndex.forget();
    const fs = this.log.fs();
    for (const file of [this.log, this.offsetIndex.file, this.timeIndex.file]) {
      await file.retire();
      if (!(await fs.exists(file.path))) continue;
      const deleted = file.path + DELETED_SUFFIX;
      await fs.rename(file.path, deleted);
      await fs.unlink(deleted);
    }
  }
}

/**
 * Length of the longest run of whole batches at the start of `data` that fits in `limit` bytes,
 * and where the last of them starts.
 */
function wholeBatchesWithin(data: Buffer, limit: number): { end: number; lastStart: number } {
  let end = 0;
  let lastStart = 0;
  while (end + LOG_OVERHEAD <= data.length) {
    const size = LOG_OVERHEAD + data.readInt32BE(end + 8);
    if (size < RECORD_BATCH_OVERHEAD || end + size > data.length || end + size > limit) break;
    lastStart = end;
    end += size;
  }
  return { end, lastStart };
}
