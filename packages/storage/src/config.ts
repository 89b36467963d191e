/** Per-log settings, named after Kafka's topic configs. */
export interface LogConfig {
  /** segment.bytes */
  segmentBytes: number;
  /** segment.ms */
  segmentMs: number;
  /** segment.index.bytes: maximum size of each index file. */
  segmentIndexBytes: number;
  /** index.interval.bytes: bytes of batches between two offset index entries. */
  indexIntervalBytes: number;
  /** max.message.bytes: largest batch (including its 12-byte log overhead) an append accepts. */
  maxMessageBytes: number;
  /** retention.ms (-1: unlimited) */
  retentionMs: number;
  /** retention.bytes (-1: unlimited) */
  retentionBytes: number;
  /** cleanup.policy */
  cleanupPolicy: "delete" | "compact" | "compact,delete";
  /** delete.retention.ms: how long compaction keeps tombstones. */
  deleteRetentionMs: number;
  /** min.cleanable.dirty.ratio; undefined: the log manager's default. */
  minCleanableDirtyRatio?: number;
  /**
   * Bytes of zeros written ahead of the active segment's end while its fsync rounds are small
   * (see LogSegment.preallocate); 0 or undefined: none. For logs fsynced on every group-commit round.
   */
  preallocateBytes?: number;
}

export const defaultLogConfig: LogConfig = {
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * 24 * 60 * 60 * 1000,
  segmentIndexBytes: 10 * 1024 * 1024,
  indexIntervalBytes: 4096,
  maxMessageBytes: 1024 * 1024 + 12,
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  retentionBytes: -1,
  cleanupPolicy: "delete",
  deleteRetentionMs: 24 * 60 * 60 * 1000,
};

/** Process-wide storage limits: every pool and cache is bounded by one of these. */
export interface StorageLimits {
  /** Open file handles across all logs; least recently used unpinned ones are closed beyond it. */
  maxOpenFiles: number;
  /** Bytes of released read buffers kept for reuse. */
  readBufferPoolBytes: number;
  /** Bytes of inactive segments' index entries kept in memory. */
  indexCacheBytes: number;
}

export const defaultStorageLimits: StorageLimits = {
  maxOpenFiles: 1000,
  readBufferPoolBytes: 64 * 1024 * 1024,
  indexCacheBytes: 64 * 1024 * 1024,
};
