import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import {
  type RecordInput,
  TimestampType,
  buildRecordBatchAsync,
  compressionType,
  isControl,
  isTransactional,
  MAX_TIMESTAMP_OFFSET,
  readInt64,
  readRecordBatchAsync,
  timestampType,
} from "@samsa/protocol";
import { type BatchInfo, scanBatches } from "../batch-scanner.js";
import { readFully } from "../fs/storage-fs.js";
import { CLEANED_SUFFIX } from "../log-files.js";
import type { LogSegment } from "../log-segment.js";
import type { Log } from "../log.js";
import { OffsetMap } from "./offset-map.js";
import { CleanedSegmentWriter } from "./cleaned-segment-writer.js";

export interface CleanerLimits {
  /** Keys remembered per pass; a log with more dirty keys is cleaned in several passes. */
  maxMapEntries: number;
  /** Largest decompressed batch the cleaner inflates. */
  maxUncompressedBytes: number;
  /** Records processed between yields to the event loop. */
  recordsPerSlice: number;
}

export const defaultCleanerLimits: CleanerLimits = {
  maxMapEntries: 200_000,
  maxUncompressedBytes: 64 * 1024 * 1024,
  recordsPerSlice: 1000,
};

export interface CleanResult {
  /** The next pass starts here (Kafka's cleaner checkpoint, firstDirtyOffset). */
  firstDirtyOffset: number;
  segmentsCleaned: number;
  bytesBefore: number;
  bytesAfter: number;
  recordsRemoved: number;
}

/** Calls `fn` with the bytes of each batch of `segment` from `start` (a file position). */
async function forEachBatch(
  segment: LogSegment,
  start: number,
  fn: (bytes: Buffer, info: BatchInfo) => Promise<boolean | undefined>,
): Promise<void> {
  const end = segment.size;
  await segment.log.use(async (h) => {
    for await (const info of scanBatches(h, { start, end, verify: false, maxBatchBytes: 0x7fffffff })) {
      const bytes = Buffer.allocUnsafe(info.size);
      await readFully(h, bytes, 0, info.size, info.position);
      if ((await fn(bytes, info)) === false) return;
    }
  });
}

/**
 * One compaction pass over `log` (Kafka's LogCleaner): builds a bounded key -> latest offset map
 * from the dirty part (from `firstDirtyOffset` up to the active segment and the high watermark),
 * then rewrites the inactive segments up to the end of that part keeping, per key, only the
 * latest record; tombstones older than delete.retention.ms go too once no older value remains.
 * Records without a key are dropped (Kafka refuses them on compacted topics). Offsets never change: kept
 * records keep theirs and batches keep their base and last offsets. Transactional and control
 * batches are kept whole. Works in slices, yielding to the event loop, so produce and fetch go on.
 */
export async function cleanLog(
  log: Log,
  firstDirtyOffset: number,
  nowMs: number,
  limits: CleanerLimits = defaultCleanerLimits,
): Promise<CleanResult | undefined> {
  const segments = log.cleanableSegments();
  if (segments.length === 0) return undefined;
  const uncleanable = Math.min(log.highWatermark, segments[segments.length - 1].nextOffset);
  const start = Math.max(firstDirtyOffset, log.logStartOffset);
  if (start >= uncleanable) return undefined;

  const map = new OffsetMap(limits.maxMapEntries);
  let endOffset = start;
  let full = false;
  let sliced = 0;
  for (const segment of segments) {
    if (full || segment.baseOffset >= uncleanable) break;
    if (segment.nextOffset <= start) continue;
    const from = await segment.translateOffset(start);
    if (!from) continue;
    await forEachBatch(segment, from.position, async (bytes, info) => {
      if (info.lastOffset >= uncleanable) {
        full = true;
        return false;
      }
      if (info.baseOffset < start) return true;
      const attributes = bytes.readInt16BE(21);
      // Transactional records may yet be aborted: they must not supersede older values. They are
      // kept whole below, so leaving them out of the map only compacts less.
      if (!isControl(attributes) && !isTransactional(attributes)) {
        const view = await readRecordBatchAsync(bytes, 0, limits.maxUncompressedBytes);
        for (const record of view) {
          if (record.key && !map.put(record.key, info.baseOffset + record.offsetDelta)) {
            full = true;
            return false;
          }
        }
      }
      endOffset = info.lastOffset + 1;
      sliced += info.lastOffset - info.baseOffset + 1;
      if (sliced >= limits.recordsPerSlice) {
        sliced = 0;
        await yieldToEventLoop();
      }
      return true;
    });
  }
  if (endOffset === start) return undefined;

  const horizonMs = nowMs - log.config.deleteRetentionMs;
  const result: CleanResult = {
    firstDirtyOffset: endOffset,
    segmentsCleaned: 0,
    bytesBefore: 0,
    bytesAfter: 0,
    recordsRemoved: 0,
  };
  for (const segment of segments) {
    if (segment.baseOffset >= endOffset) break;
    const before = segment.size;
    const removed = await cleanSegment(log, segment, map, start, horizonMs, limits);
    if (removed.records === 0) {
      // Nothing to drop: keep the segment as it is rather than churn files under readers.
      await log.discardCleanedSegment(segment);
      continue;
    }
    if (await log.swapCleanedSegment(segment, removed.size)) {
      result.segmentsCleaned++;
      result.recordsRemoved += removed.records;
      result.bytesBefore += before;
      result.bytesAfter += removed.size;
    }
  }
  return result;
}

/** Writes the `.cleaned` copy of one segment; returns records removed and its size. */
async function cleanSegment(
  log: Log,
  segment: LogSegment,
  map: OffsetMap,
  start: number,
  horizonMs: number,
  limits: CleanerLimits,
): Promise<{ records: number; size: number }> {
  const fs = log.filePool.fs;
  const paths = [segment.log.path, segment.offsetIndex.file.path, segment.timeIndex.file.path].map(
    (p) => p + CLEANED_SUFFIX,
  );
  for (const p of paths) if (await fs.exists(p)) await fs.unlink(p);
  const [logFile, indexFile, timeFile] = [
    await fs.open(paths[0], "wx+"),
    await fs.open(paths[1], "wx+"),
    await fs.open(paths[2], "wx+"),
  ];
  let removed = 0;
  let sliced = 0;
  try {
    const writer = new CleanedSegmentWriter(
      logFile,
      segment.baseOffset,
      log.config.indexIntervalBytes,
      Math.floor(log.config.segmentIndexBytes / 12),
    );
    await forEachBatch(segment, 0, async (bytes, info) => {
      const attributes = bytes.readInt16BE(21);
      if (isControl(attributes) || isTransactional(attributes)) {
        await writer.append(bytes, info);
        return true;
      }
      const view = await readRecordBatchAsync(bytes, 0, limits.maxUncompressedBytes);
      const logAppendTime = timestampType(attributes) === TimestampType.LOG_APPEND_TIME;
      const kept: RecordInput[] = [];
      let total = 0;
      for (const record of view) {
        total++;
        const offset = info.baseOffset + record.offsetDelta;
        const timestamp = logAppendTime ? view.header.maxTimestamp : view.header.baseTimestamp + record.timestampDelta;
        if (!record.key) continue;
        const latest = map.get(record.key);
        if (latest !== undefined && latest > offset) continue;
        // A tombstone may go once no older value can outlive it: it is the latest for its key in
        // this pass's map, or it was cleaned in an earlier pass (below `start`), which removed them.
        if (record.value === null && timestamp < horizonMs && (latest === offset || offset < start)) continue;
        kept.push({
          key: record.key,
          value: record.value,
          headers: record.headers,
          timestamp,
          offsetDelta: record.offsetDelta,
        });
      }
      removed += total - kept.length;
      sliced += total;
      if (kept.length === total) {
        await writer.append(bytes, info);
      } else if (kept.length > 0) {
        const h = view.header;
        const rebuilt = await buildRecordBatchAsync(kept, {
          baseOffset: h.baseOffset,
          partitionLeaderEpoch: h.partitionLeaderEpoch,
          compression: compressionType(attributes) as 0 | 1 | 2 | 3 | 4,
          timestampType: timestampType(attributes),
          logAppendTime: logAppendTime ? h.maxTimestamp : undefined,
          producerId: h.producerId,
          producerEpoch: h.producerEpoch,
          baseSequence: h.baseSequence,
          lastOffsetDelta: h.lastOffsetDelta,
        });
        await writer.append(rebuilt, {
          ...info,
          size: rebuilt.length,
          maxTimestamp: readInt64(rebuilt, MAX_TIMESTAMP_OFFSET),
        });
      }
      if (sliced >= limits.recordsPerSlice) {
        sliced = 0;
        await yieldToEventLoop();
      }
      return true;
    });
    await writer.finish(indexFile, timeFile);
    return { records: removed, size: writer.size };
  } finally {
    await logFile.close();
    await indexFile.close();
    await timeFile.close();
  }
}
