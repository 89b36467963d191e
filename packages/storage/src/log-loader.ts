import { posix } from "node:path";
import type { BatchInfo } from "./batch-scanner.js";
import {
  CLEANED_SUFFIX,
  DELETED_SUFFIX,
  INDEX_SUFFIX,
  LOG_SUFFIX,
  SWAP_SUFFIX,
  TIME_INDEX_SUFFIX,
  parseSegmentFile,
  segmentPath,
} from "./log-files.js";
import { LogSegment, type SegmentContext } from "./log-segment.js";

export interface LoadInput {
  dir: string;
  recoveryPoint: number;
  logStartOffset: number;
  hadCleanShutdown: boolean;
  nowMs: number;
}

export interface LoadedLog {
  segments: LogSegment[];
  logEndOffset: number;
  recoveryPoint: number;
  logStartOffset: number;
  /** Segments scanned (CRC-verified) and bytes cut from torn or corrupt tails. */
  recoveredSegments: number;
  truncatedBytes: number;
  /** Batch epochs seen while scanning, for the leader epoch cache. */
  scannedEpochs: { epoch: number; startOffset: number }[];
}

const MAX_SCANNED_EPOCHS = 10_000;

/**
 * Opens a partition directory as Kafka's LogLoader: removes leftovers of interrupted deletes and
 * cleanings, loads indexes of flushed segments (rebuilding any missing or corrupt one), and scans
 * every segment from the recovery point on, verifying CRCs and cutting the log at the first torn
 * or corrupt batch. A clean shutdown skips the scan.
 */
export async function loadLog(ctx: SegmentContext, input: LoadInput): Promise<LoadedLog> {
  const fs = ctx.pool.fs;
  const { dir } = input;
  const names = await fs.readdir(dir);
  const logs = new Set<number>();
  for (const name of names) {
    if ([DELETED_SUFFIX, CLEANED_SUFFIX, SWAP_SUFFIX, ".tmp"].some((s) => name.endsWith(s))) {
      await fs.unlink(posix.join(dir, name));
      continue;
    }
    const base = parseSegmentFile(name, LOG_SUFFIX);
    if (base !== undefined) logs.add(base);
  }
  for (const name of names) {
    const base = parseSegmentFile(name, INDEX_SUFFIX) ?? parseSegmentFile(name, TIME_INDEX_SUFFIX);
    if (base !== undefined && !logs.has(base)) await fs.unlink(posix.join(dir, name));
  }
  const bases = [...logs].sort((a, b) => a - b);
  const result: LoadedLog = {
    segments: [],
    logEndOffset: 0,
    recoveryPoint: input.recoveryPoint,
    logStartOffset: input.logStartOffset,
    recoveredSegments: 0,
    truncatedBytes: 0,
    scannedEpochs: [],
  };
  if (bases.length === 0) {
    const start = Math.max(0, input.logStartOffset);
    result.segments.push(await LogSegment.create(ctx, dir, start, input.nowMs));
    await fs.syncDir(dir);
    result.logEndOffset = start;
    result.recoveryPoint = start;
    result.logStartOffset = start;
    return result;
  }

  const maxBatchBytes = Math.min(0x7fffffff, Math.max(ctx.config.maxMessageBytes, ctx.config.segmentBytes));
  const onBatch = (b: BatchInfo) => {
    const last = result.scannedEpochs[result.scannedEpochs.length - 1];
    if (b.partitionLeaderEpoch >= 0 && (!last || b.partitionLeaderEpoch > last.epoch)) {
      if (result.scannedEpochs.length >= MAX_SCANNED_EPOCHS) result.scannedEpochs.shift();
      result.scannedEpochs.push({ epoch: b.partitionLeaderEpoch, startOffset: b.baseOffset });
    }
  };
  // Kafka recovers from the segment holding the recovery point.
  const recoverFrom = input.hadCleanShutdown
    ? Number.POSITIVE_INFINITY
    : (bases.findLast((b) => b <= input.recoveryPoint) ?? bases[0]);
  const recovered = new Set<LogSegment>();
  for (let i = 0; i < bases.length; i++) {
    const base = bases[i];
    const size = await fileSize(ctx, dir, base);
    const segment = LogSegment.open(ctx, dir, base, size, input.nowMs);
    const active = i === bases.length - 1;
    let recover = base >= recoverFrom;
    if (!recover && !(await segment.loadIndexes(active))) recover = true;
    if (recover) {
      result.recoveredSegments++;
      const { truncatedBytes, stop } = await segment.recover(maxBatchBytes, ctx.config.indexIntervalBytes, onBatch);
      result.truncatedBytes += truncatedBytes;
      recovered.add(segment);
      result.segments.push(segment);
      if (stop !== "end" && base >= recoverFrom) {
        // Everything after a corrupt or torn batch is unreachable: drop later segments.
        for (const later of bases.slice(i + 1)) {
          const dropped = LogSegment.open(ctx, dir, later, 0, input.nowMs);
          await dropped.delete();
        }
        if (bases.length > i + 1) await fs.syncDir(dir);
        break;
      }
    } else {
      result.segments.push(segment);
    }
  }
  const segments = result.segments;
  const last = segments[segments.length - 1];
  for (let i = 0; i < segments.length - 1; i++) {
    const s = segments[i];
    // Loaded without a scan, a segment's end is bounded by the next one's base offset.
    if (recovered.has(s)) await s.onBecomeInactive();
    else s.nextOffset = segments[i + 1].baseOffset;
  }
  if (!recovered.has(last) && !(await last.loadNextOffset())) {
    // A torn tail despite a clean shutdown (or a bad recovery point): scan and cut it.
    result.recoveredSegments++;
    result.truncatedBytes += (await last.recover(maxBatchBytes, ctx.config.indexIntervalBytes, onBatch)).truncatedBytes;
  }
  result.logEndOffset = Math.max(last.nextOffset, last.baseOffset);
  result.recoveryPoint = input.hadCleanShutdown
    ? result.logEndOffset
    : Math.min(input.recoveryPoint, result.logEndOffset);
  result.logStartOffset = Math.min(Math.max(input.logStartOffset, segments[0].baseOffset), result.logEndOffset);
  return result;
}

async function fileSize(ctx: SegmentContext, dir: string, base: number): Promise<number> {
  const h = await ctx.pool.fs.open(segmentPath(dir, base, LOG_SUFFIX), "r");
  try {
    return (await h.stat()).size;
  } finally {
    await h.close();
  }
}
