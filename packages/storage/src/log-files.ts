import { posix } from "node:path";

export const LOG_SUFFIX = ".log";
export const INDEX_SUFFIX = ".index";
export const TIME_INDEX_SUFFIX = ".timeindex";
export const DELETED_SUFFIX = ".deleted";
export const CLEANED_SUFFIX = ".cleaned";
export const SWAP_SUFFIX = ".swap";
export const LEADER_EPOCH_CHECKPOINT = "leader-epoch-checkpoint";
export const PARTITION_METADATA = "partition.metadata";
export const CLEAN_SHUTDOWN_MARKER = ".kafka_cleanshutdown";
export const RECOVERY_POINT_CHECKPOINT = "recovery-point-offset-checkpoint";
export const LOG_START_OFFSET_CHECKPOINT = "log-start-offset-checkpoint";
export const CLEANER_OFFSET_CHECKPOINT = "cleaner-offset-checkpoint";
export const REPLICATION_OFFSET_CHECKPOINT = "replication-offset-checkpoint";
export const DELETE_DIR_SUFFIX = "-delete";

/** Segment file names are the base offset zero-padded to 20 digits, as Kafka's. */
export function offsetFileName(offset: number): string {
  return String(offset).padStart(20, "0");
}

export function segmentPath(dir: string, baseOffset: number, suffix: string): string {
  return posix.join(dir, offsetFileName(baseOffset) + suffix);
}

/** The base offset of a segment file name like 00000000000000000042.log, or undefined. */
export function parseSegmentFile(name: string, suffix: string): number | undefined {
  if (!name.endsWith(suffix)) return undefined;
  const digits = name.slice(0, -suffix.length);
  if (!/^\d{20}$/.test(digits)) return undefined;
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : undefined;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export function partitionDirName(tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`;
}

/** Parses `<topic>-<partition>`; the topic may itself contain dashes. */
export function parsePartitionDirName(name: string): TopicPartition | undefined {
  const dash = name.lastIndexOf("-");
  if (dash <= 0) return undefined;
  const partition = name.slice(dash + 1);
  if (!/^\d+$/.test(partition)) return undefined;
  return { topic: name.slice(0, dash), partition: Number(partition) };
}
