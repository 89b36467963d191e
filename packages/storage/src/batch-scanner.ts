import {
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  PARTITION_LEADER_EPOCH_OFFSET,
  RECORD_BATCH_OVERHEAD,
  readInt64,
  verifyBatchCrc,
} from "@samsa/protocol";
import type { StorageFile } from "./fs/storage-fs.js";
import { readFully } from "./fs/storage-fs.js";

/** What storage needs to know of a batch on disk, read from its header only. */
export interface BatchInfo {
  position: number;
  size: number;
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  partitionLeaderEpoch: number;
}

export type ScanStop = "end" | "torn" | "corrupt";

const CHUNK_BYTES = 64 * 1024;

/** Parses the header at `pos` of `buf`; returns a reason string if it is not a sane v2 batch. */
export function batchInfoAt(buf: Buffer, pos: number, filePosition: number): BatchInfo | string {
  if (buf.length - pos < RECORD_BATCH_OVERHEAD) return "short header";
  const size = LOG_OVERHEAD + buf.readInt32BE(pos + 8);
  if (size < RECORD_BATCH_OVERHEAD) return `batch size ${size} below the header size`;
  if (buf.readInt8(pos + MAGIC_OFFSET) !== 2) return "magic is not 2";
  const lastOffsetDelta = buf.readInt32BE(pos + LAST_OFFSET_DELTA_OFFSET);
  if (lastOffsetDelta < 0) return "negative last offset delta";
  let baseOffset: number;
  let maxTimestamp: number;
  try {
    baseOffset = readInt64(buf, pos);
    maxTimestamp = readInt64(buf, pos + MAX_TIMESTAMP_OFFSET);
  } catch {
    return "int64 out of range";
  }
  if (baseOffset < 0) return "negative base offset";
  return {
    position: filePosition,
    size,
    baseOffset,
    lastOffset: baseOffset + lastOffsetDelta,
    maxTimestamp,
    partitionLeaderEpoch: buf.readInt32BE(pos + PARTITION_LEADER_EPOCH_OFFSET),
  };
}

export interface ScanOptions {
  start: number;
  end: number;
  /** Verify each batch's CRC (reads whole batches). */
  verify: boolean;
  /** Batches larger than this are treated as corrupt. */
  maxBatchBytes: number;
}

/**
 * Walks batch headers of a segment file from `start` to `end` with chunked positional reads.
 * The generator's return value says why it stopped: the end, a torn (incomplete) batch, or a
 * corrupt one; `stoppedAt` in the last yielded state is where valid data ends.
 */
export async function* scanBatches(file: StorageFile, opts: ScanOptions): AsyncGenerator<BatchInfo, ScanStop> {
  let chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let chunkStart = opts.start;
  let chunkLen = 0;
  let pos = opts.start;
  while (pos < opts.end) {
    const headerEnd = pos + RECORD_BATCH_OVERHEAD;
    if (headerEnd > opts.end) return "torn";
    if (pos < chunkStart || headerEnd > chunkStart + chunkLen) {
      chunkStart = pos;
      chunkLen = await readFully(file, chunk, 0, Math.min(chunk.length, opts.end - pos), pos);
      if (chunkLen < RECORD_BATCH_OVERHEAD) return "torn";
    }
    const info = batchInfoAt(chunk.subarray(0, chunkLen), pos - chunkStart, pos);
    if (typeof info === "string") return "corrupt";
    if (info.size > opts.maxBatchBytes) return "corrupt";
    if (pos + info.size > opts.end) return "torn";
    if (opts.verify) {
      if (pos + info.size > chunkStart + chunkLen) {
        if (info.size > chunk.length) chunk = Buffer.allocUnsafe(info.size);
        chunkStart = pos;
        chunkLen = await readFully(file, chunk, 0, Math.min(chunk.length, opts.end - pos), pos);
        if (chunkLen < info.size) return "torn";
      }
      if (!verifyBatchCrc(chunk.subarray(0, chunkLen), pos - chunkStart)) return "corrupt";
    }
    yield info;
    pos += info.size;
  }
  return "end";
}
