import { posix } from "node:path";
import { type Clock, assert } from "@samsa/common";
import { BufferPool } from "./buffer-pool.js";
import { type CleanResult, type CleanerLimits, cleanLog, defaultCleanerLimits } from "./cleaner/log-cleaner.js";
import { readOffsetCheckpoint, writeOffsetCheckpoint } from "./checkpoint-file.js";
import { type LogConfig, type StorageLimits, defaultLogConfig, defaultStorageLimits } from "./config.js";
import { StorageError } from "./errors.js";
import { FilePool, RetiredFileError } from "./file-pool.js";
import { type StorageFs, nodeFs, writeFully } from "./fs/storage-fs.js";
import { IndexCache } from "./index/index-cache.js";
import { Log } from "./log.js";
import {
  CLEAN_SHUTDOWN_MARKER,
  DELETE_DIR_SUFFIX,
  LOG_START_OFFSET_CHECKPOINT,
  PARTITION_METADATA,
  CLEANER_OFFSET_CHECKPOINT,
  RECOVERY_POINT_CHECKPOINT,
  REPLICATION_OFFSET_CHECKPOINT,
  type TopicPartition,
  parsePartitionDirName,
  partitionDirName,
} from "./log-files.js";
import { Mutex } from "./mutex.js";
import type { Scheduler } from "./scheduler.js";

export interface LogManagerOptions {
  dataDir: string;
  clock: Clock;
  fs?: StorageFs;
  limits?: Partial<StorageLimits>;
  /** Config of a topic's logs (topic overrides merged over broker defaults by the caller). */
  configFor?: (topic: string) => LogConfig;
  cleanerLimits?: CleanerLimits;
  /** min.cleanable.dirty.ratio: compact a log once this share of its bytes is dirty. */
  minCleanableDirtyRatio?: number;
  /** Logs opened in parallel at start-up. */
  startupConcurrency?: number;
}

export interface StartupStats {
  logs: number;
  durationMs: number;
  hadCleanShutdown: boolean;
  recoveredSegments: number;
  truncatedBytes: number;
  malformedCheckpoints: string[];
}

/** Kafka's defaults for the periodic tasks. */
export interface BackgroundIntervals {
  /** log.retention.check.interval.ms */
  retentionCheckMs: number;
  /** log.flush.offset.checkpoint.interval.ms (also log start offsets) */
  checkpointMs: number;
  /** replica.high.watermark.checkpoint.interval.ms */
  highWatermarkCheckpointMs: number;
  /** log.cleaner.backoff.ms: pause between compaction rounds; undefined: no cleaner (log.cleaner.enable=false). */
  cleanerBackoffMs?: number;
  /** Flush of all logs with unflushed data (log.flush.interval.ms); undefined: the caller flushes. */
  flushMs?: number;
}

export const defaultBackgroundIntervals: BackgroundIntervals = {
  retentionCheckMs: 300_000,
  checkpointMs: 60_000,
  highWatermarkCheckpointMs: 5_000,
  cleanerBackoffMs: 15_000,
};

const key = (tp: TopicPartition) => partitionDirName(tp);

/**
 * Owns a data directory: opens every partition log at start-up (recovering after an unclean
 * shutdown), creates and deletes logs, writes the per-directory checkpoints, and runs retention.
 * File handles, read buffers and index memory are shared and bounded across all logs.
 */
export class LogManager {
  private readonly logs = new Map<string, { tp: TopicPartition; log: Log }>();
  private readonly creating = new Map<string, Promise<Log>>();
  /** Cleaner checkpoint: first dirty offset per compacted log. */
  private readonly firstDirty = new Map<string, number>();
  private cancelTasks: (() => void)[] = [];
  private readonly checkpointWrites = new Mutex();
  private closed = false;
  /** The compaction round in progress: shutdown lets its current pass finish before closing logs. */
  private cleanerRound: Promise<void> | undefined;
  readonly pool: FilePool;
  readonly buffers: BufferPool;
  readonly indexCache: IndexCache;
  readonly fs: StorageFs;
  startup: StartupStats = {
    logs: 0,
    durationMs: 0,
    hadCleanShutdown: false,
    recoveredSegments: 0,
    truncatedBytes: 0,
    malformedCheckpoints: [],
  };

  private constructor(private readonly opts: LogManagerOptions) {
    const limits = { ...defaultStorageLimits, ...opts.limits };
    this.fs = opts.fs ?? nodeFs;
    this.pool = new FilePool(this.fs, limits.maxOpenFiles);
    this.buffers = new BufferPool(limits.readBufferPoolBytes);
    this.indexCache = new IndexCache(limits.indexCacheBytes);
  }

  static async start(opts: LogManagerOptions): Promise<LogManager> {
    const manager = new LogManager(opts);
    await manager.loadLogs();
    return manager;
  }

  private path(name: string): string {
    return posix.join(this.opts.dataDir, name);
  }

  private configFor(topic: string): LogConfig {
    return this.opts.configFor?.(topic) ?? defaultLogConfig;
  }

  private async loadLogs(): Promise<void> {
    const started = this.opts.clock.monotonicMs();
    const fs = this.fs;
    await fs.mkdir(this.opts.dataDir);
    const markerPath = this.path(CLEAN_SHUTDOWN_MARKER);
    const hadCleanShutdown = await fs.exists(markerPath);
    const recoveryPoints = await this.readCheckpointOrNothing(RECOVERY_POINT_CHECKPOINT);
    const startOffsets = await this.readCheckpointOrNothing(LOG_START_OFFSET_CHECKPOINT);
    const highWatermarks = await this.readCheckpointOrNothing(REPLICATION_OFFSET_CHECKPOINT);
    for (const [k, offset] of await this.readCheckpointOrNothing(CLEANER_OFFSET_CHECKPOINT)) {
      this.firstDirty.set(k, offset);
    }
    const todo: TopicPartition[] = [];
    for (const name of await fs.readdir(this.opts.dataDir)) {
      if (name.endsWith(DELETE_DIR_SUFFIX)) {
        await fs.rmdir(this.path(name));
        continue;
      }
      const tp = parsePartitionDirName(name);
      if (tp) todo.push(tp);
    }
    const stats = this.startup;
    stats.hadCleanShutdown = hadCleanShutdown;
    const openOne = async (tp: TopicPartition) => {
      const k = key(tp);
      const log = await Log.open({
        dir: this.path(k),
        config: this.configFor(tp.topic),
        pool: this.pool,
        indexCache: this.indexCache,
        buffers: this.buffers,
        clock: this.opts.clock,
        recoveryPoint: recoveryPoints.get(k) ?? 0,
        logStartOffset: startOffsets.get(k) ?? 0,
        hadCleanShutdown,
      });
      const hw = highWatermarks.get(k);
      if (hw !== undefined) log.highWatermark = Math.max(log.logStartOffset, Math.min(hw, log.logEndOffset));
      stats.recoveredSegments += log.recovery.recoveredSegments;
      stats.truncatedBytes += log.recovery.truncatedBytes;
      this.logs.set(k, { tp, log });
    };
    const concurrency = Math.max(1, this.opts.startupConcurrency ?? 8);
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, todo.length) }, async () => {
        while (next < todo.length) await openOne(todo[next++]);
      }),
    );
    if (hadCleanShutdown) {
      await fs.unlink(markerPath);
      await fs.syncDir(this.opts.dataDir);
    }
    stats.logs = this.logs.size;
    stats.durationMs = this.opts.clock.monotonicMs() - started;
  }

  /**
   * A malformed checkpoint is treated as absent, which is always safe: recovery scans from the
   * start, log start offsets fall back to the first segment, high watermarks to the flushed
   * offset, compaction starts over. Its name is reported in `startup.malformedCheckpoints`.
   */
  private async readCheckpointOrNothing(name: string): Promise<Map<string, number>> {
    try {
      return await readOffsetCheckpoint(this.fs, this.path(name));
    } catch (err) {
      if (!(err instanceof StorageError)) throw err;
      this.startup.malformedCheckpoints.push(name);
      return new Map();
    }
  }

  /** The topic id recorded in the partition's `partition.metadata`, if any. */
  async topicIdOf(tp: TopicPartition): Promise<string | undefined> {
    const path = posix.join(this.path(key(tp)), PARTITION_METADATA);
    if (!(await this.fs.exists(path))) return undefined;
    const match = /^topic_id: (\S+)$/m.exec((await this.fs.readFile(path)).toString("utf8"));
    return match?.[1];
  }

  getLog(tp: TopicPartition): Log | undefined {
    return this.logs.get(key(tp))?.log;
  }

  /** All open logs with their partitions. */
  *allLogs(): IterableIterator<[TopicPartition, Log]> {
    for (const { tp, log } of this.logs.values()) yield [tp, log];
  }

  get logCount(): number {
    return this.logs.size;
  }

  /** Opens the log, creating its directory (and partition.metadata with `topicId`) if needed. */
  getOrCreateLog(tp: TopicPartition, topicId?: string): Promise<Log> {
    this.checkOpen();
    assert(!tp.topic.includes("/") && tp.topic !== "." && tp.topic !== "..", "topic names are path-safe");
    const existing = this.getLog(tp);
    if (existing) return Promise.resolve(existing);
    const k = key(tp);
    let pending = this.creating.get(k);
    if (!pending) {
      pending = this.createLog(tp, topicId).finally(() => this.creating.delete(k));
      this.creating.set(k, pending);
    }
    return pending;
  }

  private async createLog(tp: TopicPartition, topicId?: string): Promise<Log> {
    const dir = this.path(key(tp));
    await this.fs.mkdir(dir);
    if (topicId !== undefined) {
      const metadataPath = posix.join(dir, PARTITION_METADATA);
      const h = await this.fs.open(`${metadataPath}.tmp`, "wx+");
      try {
        await writeFully(h, Buffer.from(`version: 0\ntopic_id: ${topicId}\n`), 0);
        await h.sync();
      } finally {
        await h.close();
      }
      await this.fs.rename(`${metadataPath}.tmp`, metadataPath);
    }
    await this.fs.syncDir(this.opts.dataDir);
    const log = await Log.open({
      dir,
      config: this.configFor(tp.topic),
      pool: this.pool,
      indexCache: this.indexCache,
      buffers: this.buffers,
      clock: this.opts.clock,
    });
    this.logs.set(key(tp), { tp, log });
    return log;
  }

  /** Removes the log and its directory (see Log.delete); a crash mid-way is finished at start-up. */
  async deleteLog(tp: TopicPartition): Promise<void> {
    const entry = this.logs.get(key(tp));
    if (!entry) throw new StorageError("UNKNOWN_TOPIC_OR_PARTITION", `no log for ${key(tp)}`);
    this.logs.delete(key(tp));
    this.firstDirty.delete(key(tp));
    await entry.log.delete();
  }

  /** Applies changed topic configs to open logs. */
  updateConfig(topic: string, config: LogConfig): void {
    for (const { tp, log } of this.logs.values()) if (tp.topic === topic) log.config = config;
  }

  private offsets(f: (log: Log) => number): Map<string, number> {
    const out = new Map<string, number>();
    for (const [k, { log }] of this.logs) out.set(k, f(log));
    return out;
  }

  /** Checkpoint writes are serialized: periodic tasks and shutdown may overlap. */
  private writeCheckpoint(name: string, offsets: Map<string, number>): Promise<void> {
    return this.checkpointWrites.run(() => writeOffsetCheckpoint(this.fs, this.path(name), offsets));
  }

  checkpointRecoveryPoints(): Promise<void> {
    return this.writeCheckpoint(
      RECOVERY_POINT_CHECKPOINT,
      this.offsets((l) => l.recoveryPoint),
    );
  }

  checkpointLogStartOffsets(): Promise<void> {
    return this.writeCheckpoint(
      LOG_START_OFFSET_CHECKPOINT,
      this.offsets((l) => l.logStartOffset),
    );
  }

  checkpointHighWatermarks(): Promise<void> {
    return this.writeCheckpoint(
      REPLICATION_OFFSET_CHECKPOINT,
      this.offsets((l) => l.highWatermark),
    );
  }

  /** Retention pass over all logs; returns segments deleted. */
  async cleanupLogs(): Promise<number> {
    let deleted = 0;
    for (const { log } of [...this.logs.values()]) deleted += await log.deleteOldSegments();
    if (deleted > 0) await this.checkpointLogStartOffsets();
    return deleted;
  }

  /**
   * One compaction pass over the compacted log with the largest dirty share above
   * min.cleanable.dirty.ratio (Kafka's cleaner picks the dirtiest log too). Returns its result.
   */
  async runCleaner(): Promise<(CleanResult & { topicPartition: TopicPartition }) | undefined> {
    let best: { k: string; tp: TopicPartition; log: Log; dirtyRatio: number } | undefined;
    for (const [k, { tp, log }] of this.logs) {
      if (!log.config.cleanupPolicy.includes("compact")) continue;
      const ratio = log.config.minCleanableDirtyRatio ?? this.opts.minCleanableDirtyRatio ?? 0.5;
      if (log.truncatedSinceCleaning !== undefined) {
        this.firstDirty.set(k, Math.min(this.firstDirty.get(k) ?? 0, log.truncatedSinceCleaning));
        log.truncatedSinceCleaning = undefined;
      }
      const first = this.firstDirty.get(k) ?? 0;
      const total = log.sizeInBytes;
      const dirty = log
        .cleanableSegments()
        .filter((s) => s.nextOffset > first)
        .reduce((sum, s) => sum + s.size, 0);
      const dirtyRatio = total === 0 ? 0 : dirty / total;
      if (dirtyRatio >= ratio && (!best || dirtyRatio > best.dirtyRatio)) best = { k, tp, log, dirtyRatio };
    }
    if (!best) return undefined;
    let result: CleanResult | undefined;
    try {
      result = await cleanLog(
        best.log,
        this.firstDirty.get(best.k) ?? 0,
        this.opts.clock.nowMs(),
        this.opts.cleanerLimits ?? defaultCleanerLimits,
      );
    } catch (err) {
      // Retention or truncation removed a segment under the cleaner: the next pass starts afresh.
      if (err instanceof RetiredFileError) return undefined;
      throw err;
    }
    if (!result) return undefined;
    this.firstDirty.set(best.k, result.firstDirtyOffset);
    await this.checkpointCleanerOffsets();
    return { ...result, topicPartition: best.tp };
  }

  /**
   * Compaction passes until no log is dirty enough, then the scheduler's backoff (Kafka's cleaner
   * thread also goes on at once after a pass that cleaned something). Bounded by the number of logs.
   */
  async runCleanerRound(): Promise<void> {
    const round = (async () => {
      for (let passes = this.logs.size; passes > 0 && !this.closed; passes--) {
        if ((await this.runCleaner()) === undefined) return;
      }
    })();
    this.cleanerRound = round;
    try {
      await round;
    } finally {
      if (this.cleanerRound === round) this.cleanerRound = undefined;
    }
  }

  checkpointCleanerOffsets(): Promise<void> {
    return this.writeCheckpoint(
      CLEANER_OFFSET_CHECKPOINT,
      new Map([...this.firstDirty].filter(([k]) => this.logs.has(k))),
    );
  }

  /** Flushes every log with unflushed data. */
  async flushAll(): Promise<void> {
    for (const { log } of [...this.logs.values()]) {
      if (log.recoveryPoint < log.logEndOffset) await log.flush();
    }
  }

  startBackgroundTasks(scheduler: Scheduler, intervals: BackgroundIntervals = defaultBackgroundIntervals): void {
    this.checkOpen();
    this.cancelTasks.push(
      scheduler.schedule("log-retention", intervals.retentionCheckMs, async () => {
        await this.cleanupLogs();
      }),
      scheduler.schedule("recovery-point-checkpoint", intervals.checkpointMs, async () => {
        await this.checkpointRecoveryPoints();
        await this.checkpointLogStartOffsets();
      }),
      scheduler.schedule("highwatermark-checkpoint", intervals.highWatermarkCheckpointMs, () =>
        this.checkpointHighWatermarks(),
      ),
    );
    if (intervals.flushMs !== undefined) {
      this.cancelTasks.push(scheduler.schedule("log-flusher", intervals.flushMs, () => this.flushAll()));
    }
    if (intervals.cleanerBackoffMs !== undefined) {
      this.cancelTasks.push(
        scheduler.schedule("log-cleaner", intervals.cleanerBackoffMs, () => this.runCleanerRound()),
      );
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new StorageError("KAFKA_STORAGE_ERROR", "log manager is shut down");
  }

  /** Stops tasks, closes (flushes) every log, writes all checkpoints, then the clean-shutdown marker. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const cancel of this.cancelTasks) cancel();
    this.cancelTasks = [];
    // Its failure was already reported by the scheduler; here it only must not race the closes.
    await this.cleanerRound?.catch(() => {});
    await Promise.all(this.creating.values());
    for (const { log } of this.logs.values()) await log.close();
    await this.checkpointRecoveryPoints();
    await this.checkpointLogStartOffsets();
    await this.checkpointHighWatermarks();
    const marker = await this.fs.open(this.path(CLEAN_SHUTDOWN_MARKER), "wx+");
    await marker.sync();
    await marker.close();
    await this.fs.syncDir(this.opts.dataDir);
  }
}
