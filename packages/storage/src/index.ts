export { ABORTED_TXN_INDEX_FILE, type AbortedTxnEntry, AbortedTxnIndex } from "./aborted-txn-index.js";
export { BufferPool } from "./buffer-pool.js";
export { STALE_READ_AHEAD_MS } from "./read-ahead.js";
export { type CleanerLimits, type CleanResult, cleanLog, defaultCleanerLimits } from "./cleaner/log-cleaner.js";
export { type LogConfig, type StorageLimits, defaultLogConfig, defaultStorageLimits } from "./config.js";
export { StorageError, StorageErrorCode, type StorageErrorName } from "./errors.js";
export { FilePool } from "./file-pool.js";
export { type OpenMode, type StorageFile, type StorageFs, nodeFs } from "./fs/storage-fs.js";
export { IndexCache } from "./index/index-cache.js";
export { type EpochEntry, LeaderEpochCache, UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET } from "./leader-epoch-cache.js";
export {
  type AppendOptions,
  type AppendResult,
  EARLIEST_TIMESTAMP,
  LATEST_TIMESTAMP,
  Log,
  type LogOpenOptions,
  type LogReadResult,
  MAX_TIMESTAMP,
  type ReadOptions,
  type TimestampAndOffset,
} from "./log.js";
export { type TopicPartition, partitionDirName, parsePartitionDirName } from "./log-files.js";
export {
  type BackgroundIntervals,
  defaultBackgroundIntervals,
  LogManager,
  type LogManagerOptions,
  type StartupStats,
} from "./log-manager.js";
export { type Scheduler, timerScheduler } from "./scheduler.js";
