import { AbortedTxnIndex } from "./aborted-txn-index.js";
import { posix } from "node:path";
import { type Clock, assert } from "@samsa/common";
import {
  ATTRIBUTES_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  ProtocolError,
  readRecordBatchAsync,
  TimestampType,
  setBaseOffset,
  setPartitionLeaderEpoch,
  timestampType,
  writeBatchCrc,
  writeInt64,
} from "@samsa/protocol";
import { type BatchInfo, batchInfoAt, scanBatches } from "./batch-scanner.js";
import { readFully } from "./fs/storage-fs.js";
import type { BufferPool } from "./buffer-pool.js";
import type { LogConfig } from "./config.js";
import { StorageError, type StorageErrorName } from "./errors.js";
import { type FilePool, RetiredFileError } from "./file-pool.js";
import { CLEANED_SUFFIX, DELETE_DIR_SUFFIX } from "./log-files.js";
import type { IndexCache } from "./index/index-cache.js";
import { type EpochEntry, LeaderEpochCache } from "./leader-epoch-cache.js";
import { loadLog } from "./log-loader.js";
import { LogSegment, type SegmentContext } from "./log-segment.js";
import { Mutex } from "./mutex.js";

export interface LogOpenOptions {
  dir: string;
  config: LogConfig;
  pool: FilePool;
  indexCache: IndexCache;
  buffers: BufferPool;
  clock: Clock;
  /** From recovery-point-offset-checkpoint; 0 if unknown (scan everything). */
  recoveryPoint?: number;
  /** From log-start-offset-checkpoint. */
  logStartOffset?: number;
  /** True if the data dir was shut down cleanly: skip the CRC scan. */
  hadCleanShutdown?: boolean;
}

export interface AppendOptions {
  /** Leader appends assign offsets from the log end offset; follower appends keep theirs. */
  assignOffsets: boolean;
  /** Stamped into each batch on leader appends. */
  leaderEpoch: number;
}

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  /** Set when a batch uses LogAppendTime: the broker's time written into it. */
  logAppendTimeMs?: number;
  /** File position of the first batch in its segment. */
  position: number;
  segmentBaseOffset: number;
}

export interface ReadOptions {
  /** Return the first batch even if it is larger than maxBytes (KIP-74). */
  minOneMessage: boolean;
  /** Exclusive upper bound on offsets returned (the high watermark for consumers); defaults to the log end offset. */
  maxOffset?: number;
}

export interface LogReadResult {
  /** Whole batches; empty when nothing is available below maxOffset. */
  records: Buffer;
  /** Base offset of the first batch (may be below the fetch offset), or -1 if empty. */
  firstBatchOffset: number;
  logStartOffset: number;
  logEndOffset: number;
  highWatermark: number;
  /** Gives the read buffer back to the pool; call once, after the bytes are written out. */
  release(): void;
}

export interface TimestampAndOffset {
  timestamp: number;
  offset: number;
  leaderEpoch: number;
}

/** ListOffsets sentinels. */
export const LATEST_TIMESTAMP = -1;
export const EARLIEST_TIMESTAMP = -2;
export const MAX_TIMESTAMP = -3;

const MAX_RELATIVE_OFFSET = 0x7fffffff;
/** Errors that reject one request and leave the log as it was. */
const REQUEST_ERRORS: ReadonlySet<StorageErrorName> = new Set([
  "OFFSET_OUT_OF_RANGE",
  "CORRUPT_MESSAGE",
  "MESSAGE_TOO_LARGE",
  "RECORD_LIST_TOO_LARGE",
  "UNKNOWN_SERVER_ERROR",
]);
/** Bound on inflating one batch to answer ListOffsets by timestamp. */
const MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024;

/**
 * Unsynced bytes that start a group-commit round in the background. A roll syncs the old segment
 * before the next one exists (no hole after a power loss), and appends wait for it: with fsync
 * left to the OS (a flush.messages policy) that was the whole 1 GiB segment, 0.5-1 s without
 * appends (bench/optimisations-latency.md, "sync ahead"). Kafka flushes a rolled segment in the
 * background instead; here the rounds keep what a roll waits for small. Rounds hold no lock, so
 * appends go on meanwhile.
 */
export const SYNC_AHEAD_BYTES = 16 * 1024 * 1024;

const NO_RECORDS = Buffer.alloc(0);
const NOTHING_TO_RELEASE = (): void => {};

function emptyRead(logStartOffset: number, logEndOffset: number, highWatermark: number): LogReadResult {
  return {
    logStartOffset,
    logEndOffset,
    highWatermark,
    records: NO_RECORDS,
    firstBatchOffset: -1,
    release: NOTHING_TO_RELEASE,
  };
}

/**
 * A partition's log: an ordered list of segments, the last one active. Mutations run one at a
 * time under a mutex; reads run concurrently and see only fully appended batches.
 */
export class Log {
  private segments: LogSegment[];
  private lock = new Mutex();
  private leo: number;
  private startOffset: number;
  private flushedOffsetValue: number;
  private flushInFlight: Promise<void> | null = null;
  /** Bytes appended since the last round began (see SYNC_AHEAD_BYTES). */
  private unsyncedBytes = 0;
  /** Last translated read bound (see positionOf); dropped on truncation. */
  private boundCache: { segment: LogSegment; offset: number; position: number } | undefined;
  private closed = false;
  private failure: unknown;
  /** Set by the broker; single node: advanced only over flushed data. */
  highWatermark: number;
  /** Lowest offset truncated to since the cleaner last looked (its checkpoint must not exceed it). */
  truncatedSinceCleaning: number | undefined;
  /** Number of fsync rounds run (group commit shares one among concurrent flush callers). */
  flushRounds = 0;
  /** Figures from opening: segments CRC-scanned and bytes cut from torn tails. */
  readonly recovery: { recoveredSegments: number; truncatedBytes: number };

  private constructor(
    readonly dir: string,
    config: LogConfig,
    private readonly ctx: SegmentContext,
    private readonly buffers: BufferPool,
    private readonly clock: Clock,
    readonly leaderEpochCache: LeaderEpochCache,
    loaded: Awaited<ReturnType<typeof loadLog>>,
    /** Aborted transactions, for read_committed fetches; the broker appends to it. */
    readonly abortedTxns: AbortedTxnIndex,
  ) {
    assert(ctx.config === config, "the segment context carries the log's config");
    this.segments = loaded.segments;
    this.leo = loaded.logEndOffset;
    this.startOffset = loaded.logStartOffset;
    this.flushedOffsetValue = loaded.recoveryPoint;
    this.highWatermark = Math.min(loaded.recoveryPoint, loaded.logEndOffset);
    this.recovery = { recoveredSegments: loaded.recoveredSegments, truncatedBytes: loaded.truncatedBytes };
  }

  static async open(opts: LogOpenOptions): Promise<Log> {
    const fs = opts.pool.fs;
    await fs.mkdir(opts.dir);
    const ctx: SegmentContext = { pool: opts.pool, indexCache: opts.indexCache, config: opts.config };
    const loaded = await loadLog(ctx, {
      dir: opts.dir,
      recoveryPoint: opts.recoveryPoint ?? 0,
      logStartOffset: opts.logStartOffset ?? 0,
      hadCleanShutdown: opts.hadCleanShutdown ?? false,
      nowMs: opts.clock.nowMs(),
    });
    const epochs = await LeaderEpochCache.load(fs, opts.dir);
    let changed = false;
    for (const e of loaded.scannedEpochs) changed = epochs.assignInMemory(e.epoch, e.startOffset) || changed;
    if (changed) await epochs.persist();
    await epochs.truncateFromEnd(loaded.logEndOffset);
    await epochs.truncateFromStart(loaded.logStartOffset);
    const aborted = await AbortedTxnIndex.load(fs, opts.dir, loaded.logStartOffset, loaded.logEndOffset);
    return new Log(opts.dir, opts.config, ctx, opts.buffers, opts.clock, epochs, loaded, aborted);
  }

  /** Topic configs; setting them applies to later appends, rolls and retention. */
  get config(): LogConfig {
    return this.ctx.config;
  }

  set config(config: LogConfig) {
    this.ctx.config = config;
  }

  get logEndOffset(): number {
    return this.leo;
  }

  get logStartOffset(): number {
    return this.startOffset;
  }

  /** Offset below which everything is fsynced (Kafka's recovery point). */
  get recoveryPoint(): number {
    return this.flushedOffsetValue;
  }

  /** Alias of recoveryPoint: what a single-node broker may advance the high watermark to. */
  get flushedOffset(): number {
    return this.flushedOffsetValue;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  get sizeInBytes(): number {
    return this.segments.reduce((sum, s) => sum + s.size, 0);
  }

  get segmentBaseOffsets(): number[] {
    return this.segments.map((s) => s.baseOffset);
  }

  private get active(): LogSegment {
    return this.segments[this.segments.length - 1];
  }

  private checkOpen(): void {
    if (this.failure !== undefined) {
      throw new StorageError("KAFKA_STORAGE_ERROR", `log ${this.dir} failed earlier`, { cause: this.failure });
    }
    if (this.closed) throw new StorageError("KAFKA_STORAGE_ERROR", `log ${this.dir} is closed`);
  }

  /** True once an I/O error left the log in an unknown state; it then refuses all operations. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /**
   * Runs a mutation under the lock. An error other than a rejected request (bad input, offset out
   * of range) may have left files and memory apart, so the log fails as a whole, as Kafka takes a
   * log dir offline: a half-done append must never be followed by another at the same offsets.
   */
  private mutate<T>(fn: () => Promise<T>): Promise<T> {
    return this.lock.run(async () => {
      this.checkOpen();
      try {
        return await fn();
      } catch (err) {
        throw this.fail(err);
      }
    });
  }

  private fail(err: unknown): unknown {
    if (err instanceof StorageError && REQUEST_ERRORS.has(err.code)) return err;
    this.failure ??= err;
    return err instanceof StorageError && err.code === "KAFKA_STORAGE_ERROR"
      ? err
      : new StorageError("KAFKA_STORAGE_ERROR", `log ${this.dir} failed: ${String(err)}`, { cause: err });
  }

  /** The segment holding `offset`: the last with baseOffset <= offset. */
  private floorSegmentIndex(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segments[mid].baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /** Parses and checks the batches of an append; positions are relative to `records`. */
  private parseBatches(records: Buffer): BatchInfo[] {
    const batches: BatchInfo[] = [];
    let pos = 0;
    while (pos < records.length) {
      const info = batchInfoAt(records, pos, pos);
      if (typeof info === "string") throw new StorageError("CORRUPT_MESSAGE", `batch at ${pos}: ${info}`);
      if (info.size > this.config.maxMessageBytes) {
        throw new StorageError(
          "MESSAGE_TOO_LARGE",
          `batch of ${info.size} bytes exceeds max.message.bytes ${this.config.maxMessageBytes}`,
        );
      }
      if (pos + info.size > records.length) throw new StorageError("CORRUPT_MESSAGE", `batch at ${pos} is truncated`);
      batches.push(info);
      pos += info.size;
    }
    if (records.length > this.config.segmentBytes) {
      throw new StorageError(
        "RECORD_LIST_TOO_LARGE",
        `${records.length} bytes exceed segment.bytes ${this.config.segmentBytes}`,
      );
    }
    return batches;
  }

  /**
   * Appends validated batches. Leader appends patch base offsets and the partition leader epoch in
   * place (outside the CRC); LogAppendTime batches get the broker's time and a new CRC.
   */
  append(records: Buffer, opts: AppendOptions): Promise<AppendResult> {
    return this.mutate(async () => {
      const batches = this.parseBatches(records);
      const logAppendTimeMs = this.placeBatches(records, batches, opts);
      const first = batches[0];
      const last = batches[batches.length - 1];
      const segment = await this.maybeRoll(records.length, first.baseOffset, last.lastOffset);
      // The log end offset moves with the segment's size, in the same turn: a read between the two
      // would return batches past the log end.
      const position = await segment.append(records, batches, this.config.indexIntervalBytes, () => {
        this.leo = last.lastOffset + 1;
      });
      let epochChanged = false;
      for (const b of batches) {
        if (b.partitionLeaderEpoch >= 0) {
          epochChanged = this.leaderEpochCache.assignInMemory(b.partitionLeaderEpoch, b.baseOffset) || epochChanged;
        }
      }
      if (epochChanged) await this.leaderEpochCache.persist();
      await segment.preallocate(this.config.preallocateBytes ?? 0);
      this.syncAheadAfter(records.length);
      return appendResult(batches, logAppendTimeMs, position, segment);
    });
  }

  /**
   * Checks an append's batches against the log end and, for leader appends, gives them their
   * offsets and leader epoch (in place; the same again if the append is retried). Returns the
   * LogAppendTime stamped, if any.
   */
  private placeBatches(records: Buffer, batches: BatchInfo[], opts: AppendOptions): number | undefined {
    if (batches.length === 0) throw new StorageError("CORRUPT_MESSAGE", "append of no batches");
    let logAppendTimeMs: number | undefined;
    if (opts.assignOffsets) {
      let next = this.leo;
      for (const b of batches) {
        const delta = b.lastOffset - b.baseOffset;
        setBaseOffset(records, b.position, next);
        setPartitionLeaderEpoch(records, b.position, opts.leaderEpoch);
        if (timestampType(records.readInt16BE(b.position + ATTRIBUTES_OFFSET)) === TimestampType.LOG_APPEND_TIME) {
          logAppendTimeMs ??= this.clock.nowMs();
          writeInt64(records, b.position + MAX_TIMESTAMP_OFFSET, logAppendTimeMs);
          writeBatchCrc(records, b.position);
          b.maxTimestamp = logAppendTimeMs;
        }
        b.baseOffset = next;
        b.lastOffset = next + delta;
        b.partitionLeaderEpoch = opts.leaderEpoch;
        next = b.lastOffset + 1;
      }
    } else {
      let expected = this.leo;
      for (const b of batches) {
        if (b.baseOffset < expected) {
          throw new StorageError(
            "UNKNOWN_SERVER_ERROR",
            `out of order offsets: batch at ${b.baseOffset}, expected >= ${expected}`,
          );
        }
        expected = b.lastOffset + 1;
      }
    }
    return logAppendTimeMs;
  }

  /**
   * `append` in the caller's turn when it needs no await: no other mutation queued, no roll, no
   * new leader epoch, a small write, indexes in memory. Returns undefined having changed nothing
   * otherwise (the caller then uses `append`). Throws what `append` rejects with.
   */
  appendNow(records: Buffer, opts: AppendOptions): AppendResult | undefined {
    if (!this.lock.idle) return undefined;
    this.checkOpen();
    const segment = this.active;
    try {
      const batches = this.parseBatches(records);
      const logAppendTimeMs = this.placeBatches(records, batches, opts);
      const first = batches[0];
      const last = batches[batches.length - 1];
      if (this.rollDue(segment, records.length, first.baseOffset, last.lastOffset) || !this.sameEpoch(batches)) {
        return undefined;
      }
      const position = segment.appendNow(records, batches, this.config.indexIntervalBytes, () => {
        this.leo = last.lastOffset + 1;
      });
      if (position === undefined) return undefined;
      this.syncAheadAfter(records.length);
      const fill = segment.preallocationDue(this.config.preallocateBytes ?? 0);
      // Under the lock, so the next append waits for the zeros; a failure fails the log there.
      if (fill !== undefined) this.mutate(() => segment.writeZeros(fill)).catch(() => {});
      return appendResult(batches, logAppendTimeMs, position, segment);
    } catch (err) {
      throw this.fail(err);
    }
  }

  /** No batch starts a leader epoch the cache does not hold yet (that would need a persist). */
  private sameEpoch(batches: readonly BatchInfo[]): boolean {
    const latest = this.leaderEpochCache.latest;
    for (const b of batches) {
      if (b.partitionLeaderEpoch < 0) continue;
      if (latest === undefined || latest.epoch !== b.partitionLeaderEpoch || b.baseOffset < latest.startOffset) {
        return false;
      }
    }
    return true;
  }

  private async maybeRoll(bytes: number, firstOffset: number, lastOffset: number): Promise<LogSegment> {
    const segment = this.active;
    return this.rollDue(segment, bytes, firstOffset, lastOffset) ? this.roll(firstOffset) : segment;
  }

  private rollDue(segment: LogSegment, bytes: number, firstOffset: number, lastOffset: number): boolean {
    if (
      segment.size === 0 &&
      segment.baseOffset <= firstOffset &&
      lastOffset - segment.baseOffset <= MAX_RELATIVE_OFFSET
    ) {
      return false;
    }
    return (
      segment.size + bytes > this.config.segmentBytes ||
      (segment.size > 0 && this.clock.nowMs() - segment.createdMs > this.config.segmentMs) ||
      segment.isIndexFull ||
      lastOffset - segment.baseOffset > MAX_RELATIVE_OFFSET
    );
  }

  /** Starts a new active segment at `baseOffset` (at least the log end offset). */
  private async roll(baseOffset: number): Promise<LogSegment> {
    const old = this.active;
    const newBase = Math.max(baseOffset, this.leo);
    if (old.size === 0) {
      // An empty active segment is replaced rather than left behind.
      this.segments.pop();
      await old.delete();
    } else {
      await old.onBecomeInactive();
      // Synced before the next segment exists, so a power loss cannot leave a hole between them.
      await old.flush();
    }
    const segment = await LogSegment.create(this.ctx, this.dir, newBase, this.clock.nowMs());
    this.segments.push(segment);
    await this.ctx.pool.fs.syncDir(this.dir);
    return segment;
  }

  /** Forces a new segment (tests, retention of the active segment). */
  rollNow(): Promise<void> {
    return this.mutate(async () => {
      if (this.active.size > 0) await this.roll(this.leo);
    });
  }

  /**
   * Reads whole batches from the one holding `fetchOffset`, from a single segment. Throws
   * OFFSET_OUT_OF_RANGE below the log start offset or above the log end offset.
   */
  async read(fetchOffset: number, maxBytes: number, opts: ReadOptions): Promise<LogReadResult> {
    // The first attempt runs directly: no retry closure for the common read.
    try {
      return await this.readOnce(fetchOffset, maxBytes, opts);
    } catch (err) {
      if (!(err instanceof RetiredFileError)) throw err;
    }
    await this.lock.run(async () => {});
    return this.retryingOnRetired(() => this.readOnce(fetchOffset, maxBytes, opts), 2);
  }

  /**
   * Whether a read from `fetchOffset` bounded by `maxOffset` would return no records and no error:
   * the log is open and the offset lies within [log start, log end], at or past the bound. A
   * caller that only needs to know that nothing is there yet can skip the read.
   */
  readsNothingAt(fetchOffset: number, maxOffset: number): boolean {
    if (this.failure !== undefined || this.closed) return false;
    const leo = this.leo;
    return fetchOffset >= this.startOffset && fetchOffset <= leo && fetchOffset >= Math.min(maxOffset, leo);
  }

  /**
   * Runs a read again if a segment it held was replaced or deleted meanwhile. Replacements and
   * deletions run under the lock, so waiting for it first means the retry sees the new segments.
   */
  private async retryingOnRetired<T>(fn: () => Promise<T>, firstAttempt = 1): Promise<T> {
    for (let attempt = firstAttempt; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!(err instanceof RetiredFileError) || attempt >= 5) throw err;
        await this.lock.run(async () => {});
      }
    }
  }

  private async readOnce(fetchOffset: number, maxBytes: number, opts: ReadOptions): Promise<LogReadResult> {
    this.checkOpen();
    const leo = this.leo;
    const segments = this.segments;
    const logStartOffset = this.startOffset;
    const highWatermark = this.highWatermark;
    if (fetchOffset < logStartOffset || fetchOffset > leo) {
      throw new StorageError(
        "OFFSET_OUT_OF_RANGE",
        `fetch offset ${fetchOffset} outside [${logStartOffset}, ${leo}] of ${this.dir}`,
      );
    }
    const maxOffset = Math.min(opts.maxOffset ?? leo, leo);
    // Results are written out field by field: a spread plus fields costs ~1 KB per read on V8.
    if (fetchOffset >= maxOffset) return emptyRead(logStartOffset, leo, highWatermark);
    const maxOffsetSegment = this.floorSegmentIndex(maxOffset);
    for (let i = Math.max(0, this.floorSegmentIndex(fetchOffset)); i < segments.length; i++) {
      const segment = segments[i];
      let maxPosition = segment.size;
      if (i === maxOffsetSegment && maxOffset < leo) {
        maxPosition = await this.positionOf(segment, maxOffset, maxPosition);
      } else if (i > maxOffsetSegment) {
        break;
      }
      const read = await segment.read(
        fetchOffset,
        maxBytes,
        maxPosition,
        opts.minOneMessage,
        this.buffers,
        this.config.indexIntervalBytes,
      );
      if (!read) continue;
      const buffers = this.buffers;
      const pooled = read.pooled;
      return {
        logStartOffset,
        logEndOffset: leo,
        highWatermark,
        records: read.records,
        firstBatchOffset: read.records.length > 0 ? read.firstBatchOffset : -1,
        release: () => buffers.release(pooled),
      };
    }
    return emptyRead(logStartOffset, leo, highWatermark);
  }

  /**
   * File position of the batch holding `offset` (or `fallback`), cached for the latest offset
   * asked: consumers fetch up to the same high watermark many times between its moves.
   */
  private async positionOf(segment: LogSegment, offset: number, fallback: number): Promise<number> {
    const cached = this.boundCache;
    if (cached && cached.segment === segment && cached.offset === offset) return cached.position;
    const bound = await segment.translateOffset(offset, fallback);
    const position = bound ? bound.position : fallback;
    if (bound) this.boundCache = { segment, offset, position };
    return position;
  }

  /**
   * Fsyncs everything up to `upToOffset` (default: the log end offset) with group commit:
   * callers arriving while a round runs wait for it, then share the next one. Returns the flushed
   * offset (the new recovery point).
   */
  async flush(upToOffset?: number): Promise<number> {
    const target = Math.min(upToOffset ?? this.leo, this.leo);
    while (this.flushedOffsetValue < target) {
      this.flushInFlight ??= this.flushRound().finally(() => {
        this.flushInFlight = null;
      });
      await this.flushInFlight;
    }
    return this.flushedOffsetValue;
  }

  /** Starts a round without waiting for it once SYNC_AHEAD_BYTES are unsynced. */
  private syncAheadAfter(appendedBytes: number): void {
    this.unsyncedBytes += appendedBytes;
    if (this.unsyncedBytes < SYNC_AHEAD_BYTES || this.flushInFlight !== null) return;
    // A failed round fails the log (flushRound); the next append or flush reports it.
    this.flush().catch(() => {});
  }

  private async flushRound(): Promise<void> {
    this.checkOpen();
    this.unsyncedBytes = 0;
    try {
      await this.syncDirtySegments();
    } catch (err) {
      // After a failed fsync the page cache cannot be trusted (fsyncgate): fail the log.
      throw this.fail(err);
    }
  }

  private async syncDirtySegments(): Promise<void> {
    const target = this.leo;
    const active = this.active;
    for (const segment of this.segments.filter((s) => s.dirty)) {
      if (segment === active) await segment.flushData();
      else await segment.flush();
    }
    this.flushRounds++;
    this.flushedOffsetValue = Math.max(this.flushedOffsetValue, target);
  }

  /** ListOffsets: earliest/latest/max-timestamp sentinels, or the first batch with max timestamp >= ts. */
  offsetForTimestamp(timestamp: number): Promise<TimestampAndOffset | undefined> {
    return this.retryingOnRetired(() => this.offsetForTimestampOnce(timestamp));
  }

  private async offsetForTimestampOnce(timestamp: number): Promise<TimestampAndOffset | undefined> {
    this.checkOpen();
    const epochAt = (offset: number) => this.leaderEpochCache.all.findLast((e) => e.startOffset <= offset)?.epoch ?? -1;
    if (timestamp === EARLIEST_TIMESTAMP)
      return { timestamp: -1, offset: this.startOffset, leaderEpoch: epochAt(this.startOffset) };
    if (timestamp === LATEST_TIMESTAMP)
      return { timestamp: -1, offset: this.leo, leaderEpoch: this.leaderEpochCache.latest?.epoch ?? -1 };
    if (timestamp === MAX_TIMESTAMP) return this.maxTimestampRecord();
    for (const segment of this.segments) {
      if (segment.maxTimestampSoFar < timestamp) continue;
      const entry = await segment.lookupTimestamp(timestamp);
      const start = await segment.lookupOffset(entry.offset);
      const found = await segment.log.use(async (h) => {
        for await (const b of scanBatches(h, {
          start: start.position,
          end: segment.size,
          verify: false,
          maxBatchBytes: MAX_RELATIVE_OFFSET,
        })) {
          if (b.maxTimestamp >= timestamp && b.lastOffset >= this.startOffset) return b;
        }
        return undefined;
      });
      if (found) {
        const record = await this.recordWhere(
          segment,
          found,
          (ts, offset, best) => best === undefined && ts >= timestamp && offset >= this.startOffset,
        );
        if (record) return { ...record, leaderEpoch: found.partitionLeaderEpoch };
        const offset = Math.max(found.baseOffset, this.startOffset);
        return { timestamp: found.maxTimestamp, offset, leaderEpoch: found.partitionLeaderEpoch };
      }
    }
    return undefined;
  }

  /** The record of MAX_TIMESTAMP: first record carrying the log's largest timestamp. */
  private async maxTimestampRecord(): Promise<TimestampAndOffset | undefined> {
    const batchLevel = this.maxTimestampAndOffset();
    if (!batchLevel) return undefined;
    const segment = this.segments[this.floorSegmentIndex(batchLevel.offset)];
    const batch = segment ? await segment.translateOffset(batchLevel.offset) : undefined;
    if (!batch) return batchLevel;
    const record = await this.recordWhere(
      segment,
      batch,
      (ts, _offset, best) => best === undefined || ts > best.timestamp,
    );
    return record ? { ...record, leaderEpoch: batch.partitionLeaderEpoch } : batchLevel;
  }

  /**
   * Walks the records of one batch and returns the one `better` keeps choosing (given the best
   * so far), or undefined if the batch cannot be decoded (the caller answers at batch level).
   */
  private async recordWhere(
    segment: LogSegment,
    batch: BatchInfo,
    better: (timestamp: number, offset: number, best: { timestamp: number; offset: number } | undefined) => boolean,
  ): Promise<{ timestamp: number; offset: number } | undefined> {
    const bytes = Buffer.allocUnsafe(batch.size);
    await segment.log.use((h) => readFully(h, bytes, 0, batch.size, batch.position));
    try {
      const view = await readRecordBatchAsync(bytes, 0, MAX_UNCOMPRESSED_BYTES);
      const logAppendTime = timestampType(view.header.attributes) === TimestampType.LOG_APPEND_TIME;
      let best: { timestamp: number; offset: number } | undefined;
      for (const record of view) {
        const ts = logAppendTime ? view.header.maxTimestamp : view.header.baseTimestamp + record.timestampDelta;
        const offset = batch.baseOffset + record.offsetDelta;
        if (better(ts, offset, best)) best = { timestamp: ts, offset };
      }
      return best;
    } catch (err) {
      if (err instanceof ProtocolError) return undefined;
      throw err;
    }
  }

  /**
   * The largest batch max timestamp and the last offset of that batch, or undefined if empty;
   * from memory (offsetForTimestamp(MAX_TIMESTAMP) refines it to the record).
   */
  maxTimestampAndOffset(): TimestampAndOffset | undefined {
    let best: LogSegment | undefined;
    for (const s of this.segments)
      if (s.maxTimestampSoFar >= 0 && (!best || s.maxTimestampSoFar > best.maxTimestampSoFar)) best = s;
    if (!best) return undefined;
    const offset = best.offsetOfMaxTimestampSoFar;
    return {
      timestamp: best.maxTimestampSoFar,
      offset,
      leaderEpoch: this.leaderEpochCache.all.findLast((e) => e.startOffset <= offset)?.epoch ?? -1,
    };
  }

  /** OffsetForLeaderEpoch. */
  endOffsetForEpoch(epoch: number): EpochEntry & { endOffset: number } {
    return this.leaderEpochCache.endOffsetFor(epoch, this.leo);
  }

  /**
   * Removes everything from `offset` on (follower truncation). The batch holding `offset` goes
   * whole, so the new log end offset is a batch boundary <= offset. Returns true if anything went.
   */
  truncateTo(offset: number): Promise<boolean> {
    return this.mutate(async () => {
      assert(offset >= 0, "truncation offset must not be negative");
      if (offset >= this.leo) return false;
      if (offset <= this.segments[0].baseOffset) {
        await this.truncateFullyAndStartAtLocked(offset);
        return true;
      }
      this.truncatedSinceCleaning = Math.min(this.truncatedSinceCleaning ?? offset, offset);
      this.boundCache = undefined;
      const keep = this.floorSegmentIndex(offset);
      const dropped = this.segments.splice(keep + 1);
      for (const s of dropped.reverse()) await s.delete();
      const active = this.active;
      if (dropped.length > 0) {
        await active.offsetIndex.activate();
        await active.timeIndex.activate();
      }
      await active.truncateTo(offset);
      await this.ctx.pool.fs.syncDir(this.dir);
      this.leo = active.nextOffset;
      this.afterTruncation();
      await this.leaderEpochCache.truncateFromEnd(this.leo);
      return true;
    });
  }

  /** Deletes all segments and restarts the log empty at `offset` (also the new log start offset). */
  truncateFullyAndStartAt(offset: number): Promise<void> {
    return this.mutate(() => this.truncateFullyAndStartAtLocked(offset));
  }

  private async truncateFullyAndStartAtLocked(offset: number): Promise<void> {
    this.checkOpen();
    this.truncatedSinceCleaning = 0;
    const old = this.segments;
    this.segments = [];
    for (const s of old) await s.delete();
    this.segments.push(await LogSegment.create(this.ctx, this.dir, offset, this.clock.nowMs()));
    await this.ctx.pool.fs.syncDir(this.dir);
    this.leo = offset;
    this.startOffset = offset;
    this.flushedOffsetValue = offset;
    this.highWatermark = offset;
    await this.leaderEpochCache.clear();
  }

  private afterTruncation(): void {
    this.flushedOffsetValue = Math.min(this.flushedOffsetValue, this.leo);
    this.highWatermark = Math.min(this.highWatermark, this.leo);
    this.startOffset = Math.min(this.startOffset, this.leo);
  }

  /**
   * DeleteRecords: moves the log start offset to `offset` (at most the high watermark) and drops
   * segments wholly below it. Returns the new log start offset.
   */
  deleteRecordsBefore(offset: number): Promise<number> {
    return this.mutate(async () => {
      if (offset > this.highWatermark || offset < 0) {
        throw new StorageError(
          "OFFSET_OUT_OF_RANGE",
          `cannot move log start offset to ${offset}: high watermark is ${this.highWatermark}`,
        );
      }
      if (offset > this.startOffset) {
        this.startOffset = offset;
        await this.leaderEpochCache.truncateFromStart(offset);
        await this.deleteSegmentsLocked((_s, next) => next !== undefined && next.baseOffset <= this.startOffset);
      }
      return this.startOffset;
    });
  }

  /**
   * Retention at segment granularity: by time (retention.ms against each segment's largest
   * timestamp), by size (retention.bytes), and segments below the log start offset. Only segments
   * wholly below the high watermark go. Returns the number of segments deleted.
   */
  deleteOldSegments(): Promise<number> {
    return this.mutate(async () => {
      const nowMs = this.clock.nowMs();
      const { retentionMs, retentionBytes, cleanupPolicy } = this.config;
      let deleted = await this.deleteSegmentsLocked(
        (_s, next) => next !== undefined && next.baseOffset <= this.startOffset,
      );
      if (!cleanupPolicy.includes("delete")) return deleted;
      if (retentionMs >= 0) {
        deleted += await this.deleteSegmentsLocked((s) => {
          const largest = s.maxTimestampSoFar >= 0 ? s.maxTimestampSoFar : s.createdMs;
          return nowMs - largest > retentionMs;
        });
      }
      if (retentionBytes >= 0) {
        let excess = this.sizeInBytes - retentionBytes;
        deleted += await this.deleteSegmentsLocked((s) => {
          if (excess - s.size < 0) return false;
          excess -= s.size;
          return true;
        });
      }
      return deleted;
    });
  }

  /**
   * Deletes the longest prefix of segments matching `predicate` whose offsets are all below the
   * high watermark. If that would take the active segment, a new one is rolled first.
   */
  private async deleteSegmentsLocked(
    predicate: (s: LogSegment, next: LogSegment | undefined) => boolean,
  ): Promise<number> {
    let count = 0;
    while (count < this.segments.length) {
      const s = this.segments[count];
      const next = this.segments[count + 1];
      const upperBound = next ? next.baseOffset : this.leo;
      if (upperBound > this.highWatermark || !predicate(s, next)) break;
      if (!next && s.size === 0) break;
      count++;
    }
    if (count === 0) return 0;
    if (count === this.segments.length) await this.roll(this.leo);
    const victims = this.segments.splice(0, count);
    for (const s of victims) await s.delete();
    await this.ctx.pool.fs.syncDir(this.dir);
    if (this.segments[0].baseOffset > this.startOffset) {
      this.startOffset = this.segments[0].baseOffset;
      await this.leaderEpochCache.truncateFromStart(this.startOffset);
    }
    return count;
  }

  /** Flushes, persists indexes and closes file handles. */
  close(): Promise<void> {
    return this.lock.run(async () => {
      if (this.closed) return;
      try {
        if (!this.failed) await this.flush();
      } finally {
        this.closed = true;
        for (const s of this.segments) await s.close(!this.failed);
      }
    });
  }

  /**
   * Closes without flushing and removes the log's directory: renamed to `<dir>.<ms>-delete` and
   * made durable first, so a crash mid-removal leaves nothing that loads as a log (LogManager
   * removes such directories at start-up). Readers in flight finish on their open handles.
   */
  delete(): Promise<void> {
    return this.lock.run(async () => {
      this.closed = true;
      for (const s of this.segments) await s.retire();
      this.segments = [];
      const fs = this.ctx.pool.fs;
      if (!(await fs.exists(this.dir))) return;
      const doomed = `${this.dir}.${this.clock.nowMs()}${DELETE_DIR_SUFFIX}`;
      await fs.rename(this.dir, doomed);
      await fs.syncDir(posix.dirname(this.dir));
      await fs.rmdir(doomed);
    });
  }

  /** Segments the cleaner may rewrite: all but the active one. */
  cleanableSegments(): LogSegment[] {
    return this.segments.slice(0, -1);
  }

  get filePool(): FilePool {
    return this.ctx.pool;
  }

  /**
   * Replaces `old` with its cleaned copy (`<base>.log.cleaned` and index `.cleaned` files, all
   * fsynced). Crash-safe order: old indexes removed, the log renamed over the old one, then the
   * indexes renamed; a crash in between leaves indexes missing, which loading rebuilds. Returns
   * false (and removes the copy) if `old` is no longer in the log (truncated or deleted meanwhile).
   */
  swapCleanedSegment(old: LogSegment, cleanedSize: number): Promise<boolean> {
    return this.mutate(async () => {
      const fs = this.ctx.pool.fs;
      const paths = [old.log.path, old.offsetIndex.file.path, old.timeIndex.file.path];
      const at = this.segments.indexOf(old);
      if (at < 0 || at === this.segments.length - 1) {
        await this.discardCleanedFiles(old);
        return false;
      }
      await old.retire();
      await fs.unlink(paths[1]);
      await fs.unlink(paths[2]);
      await fs.syncDir(this.dir);
      await fs.rename(`${paths[0]}${CLEANED_SUFFIX}`, paths[0]);
      await fs.syncDir(this.dir);
      await fs.rename(`${paths[1]}${CLEANED_SUFFIX}`, paths[1]);
      await fs.rename(`${paths[2]}${CLEANED_SUFFIX}`, paths[2]);
      await fs.syncDir(this.dir);
      const cleaned = LogSegment.open(this.ctx, this.dir, old.baseOffset, cleanedSize, old.createdMs);
      const ok = await cleaned.loadIndexes(false);
      assert(ok, "cleaned segment indexes must load");
      cleaned.nextOffset = old.nextOffset;
      this.segments[at] = cleaned;
      return true;
    });
  }

  /** Removes the `.cleaned` copy of `old` without using it. */
  discardCleanedSegment(old: LogSegment): Promise<void> {
    return this.lock.run(() => this.discardCleanedFiles(old));
  }

  private async discardCleanedFiles(old: LogSegment): Promise<void> {
    const fs = this.ctx.pool.fs;
    for (const p of [old.log.path, old.offsetIndex.file.path, old.timeIndex.file.path]) {
      if (await fs.exists(`${p}${CLEANED_SUFFIX}`)) await fs.unlink(`${p}${CLEANED_SUFFIX}`);
    }
  }

  get segmentsForTesting(): readonly LogSegment[] {
    return this.segments;
  }
}

function appendResult(
  batches: readonly BatchInfo[],
  logAppendTimeMs: number | undefined,
  position: number,
  segment: LogSegment,
): AppendResult {
  return {
    baseOffset: batches[0].baseOffset,
    lastOffset: batches[batches.length - 1].lastOffset,
    logAppendTimeMs,
    position,
    segmentBaseOffset: segment.baseOffset,
  };
}
