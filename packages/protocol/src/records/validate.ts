/**
 * The produce-path check of a v2 batch, after Kafka's LogValidator, walking the record varints
 * without building record objects: size and CRC, header consistency (count, lastOffsetDelta,
 * producer fields, no client control batches), then every record's structure with offset deltas
 * 0..n-1, timestamps within bounds, and keys present (reported, for compacted topics).
 * Compressed batches are inflated within a bound and walked the same way.
 */
import { ProtocolError } from "../primitives/protocol-error.js";
import { CompressionType, compressionType, isControl, TimestampType, timestampType } from "./attributes.js";
import {
  LOG_OVERHEAD,
  NO_TIMESTAMP,
  RECORD_BATCH_OVERHEAD,
  type RecordBatchHeader,
  readBatchHeader,
  verifyBatchCrc,
} from "./batch-header.js";
import { codecFor } from "./compression/index.js";
import { newRecordScan, scanRecord } from "./record.js";
import { MAX_RECORD_ERRORS, type RecordError, RecordValidationError } from "./validation-error.js";

export interface ValidateBatchOptions {
  /** Bound on the inflated size of a compressed batch (Kafka bounds it by max.message.bytes-ish buffers). */
  maxUncompressedBytes: number;
  /**
   * Who appends: a client's produce (the default) may not write control batches and must give a
   * base sequence with a producer id; the group and transaction coordinators are not checked for either.
   */
  origin?: "client" | "coordinator";
  /** False for Produce before v7, which may not carry zstd (UNSUPPORTED_COMPRESSION_TYPE). */
  allowZstd?: boolean;
  /**
   * Given for CreateTime topics (absent for LogAppendTime ones): each record timestamp other than
   * NO_TIMESTAMP must lie in [minMs, maxMs] (now - message.timestamp.before.max.ms, now + ...after.max.ms).
   * As in Kafka, a batch that claims LogAppendTime is refused unless this check applies to it.
   */
  timestampBounds?: { minMs: number; maxMs: number };
  /** False for a batch the broker itself just built and checksummed (up-conversion): skips the CRC. */
  verifyCrc?: boolean;
}

export interface BatchValidation {
  header: RecordBatchHeader;
  /** Bytes the batch occupies (LOG_OVERHEAD + batchLength). */
  sizeInBytes: number;
  /** Largest record timestamp (CreateTime), or NO_TIMESTAMP (-1) for a batch without timestamps. */
  maxTimestamp: number;
  /** Offset delta of the first record carrying maxTimestamp. */
  offsetDeltaOfMaxTimestamp: number;
  /** Indexes of records with a null key: a compacted topic refuses the batch if any. */
  keylessRecords: number[];
  /** How many records have a null key (keylessRecords lists only the first MAX_RECORD_ERRORS). */
  keylessCount: number;
  /** Size of the records region after decompression. */
  uncompressedRecordsBytes: number;
}

const MIN_RECORD_BYTES = 7;

function fail(code: "CORRUPT_MESSAGE" | "INVALID_RECORD", message: string, cause?: unknown): never {
  throw new RecordValidationError(code, message, [], cause === undefined ? undefined : { cause });
}

/** Checks what needs no decompression and returns the header and the stored records region. */
function checkEnvelope(
  buf: Buffer,
  pos: number,
  options: ValidateBatchOptions,
): { header: RecordBatchHeader; stored: Buffer } {
  if (buf.length - pos < RECORD_BATCH_OVERHEAD) fail("CORRUPT_MESSAGE", "record batch is shorter than its header");
  let header: RecordBatchHeader;
  try {
    header = readBatchHeader(buf, pos);
  } catch (error) {
    if (error instanceof ProtocolError && error.code === "UNSUPPORTED_VERSION") {
      fail("INVALID_RECORD", "expected record batch magic 2", error);
    }
    fail("CORRUPT_MESSAGE", "record batch header is corrupt", error);
  }
  const size = LOG_OVERHEAD + header.batchLength;
  if (header.batchLength < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD || size > buf.length - pos) {
    fail("CORRUPT_MESSAGE", `record batch size ${size} does not match the ${buf.length - pos} bytes given`);
  }
  if (options.verifyCrc !== false && !verifyBatchCrc(buf, pos))
    fail("CORRUPT_MESSAGE", "record batch CRC-32C does not match its contents");
  if (compressionType(header.attributes) > CompressionType.ZSTD) {
    throw new RecordValidationError(
      "UNKNOWN_SERVER_ERROR",
      `unknown compression codec id ${compressionType(header.attributes)}`,
    );
  }
  if (compressionType(header.attributes) === CompressionType.ZSTD && options.allowZstd === false) {
    throw new RecordValidationError("UNSUPPORTED_COMPRESSION_TYPE", "zstd needs Produce v7 or later");
  }
  const fromClient = (options.origin ?? "client") === "client";
  if (fromClient && header.baseOffset !== 0) {
    fail("INVALID_RECORD", `a produced batch must have baseOffset 0, not ${header.baseOffset}`);
  }
  if (fromClient && isControl(header.attributes)) fail("INVALID_RECORD", "clients may not write control records");
  if (header.recordCount <= 0) fail("INVALID_RECORD", `record count ${header.recordCount} is not positive`);
  if (header.lastOffsetDelta + 1 !== header.recordCount) {
    fail(
      "INVALID_RECORD",
      `lastOffsetDelta ${header.lastOffsetDelta} disagrees with record count ${header.recordCount}`,
    );
  }
  if (fromClient && header.producerId >= 0 && header.baseSequence < 0) {
    fail("INVALID_RECORD", "a batch with a producer id must carry a base sequence");
  }
  const stored = buf.subarray(pos + RECORD_BATCH_OVERHEAD, pos + size);
  if (
    compressionType(header.attributes) === CompressionType.NONE &&
    header.recordCount > stored.length / MIN_RECORD_BYTES
  ) {
    fail("CORRUPT_MESSAGE", `${header.recordCount} records cannot fit in ${stored.length} bytes`);
  }
  return { header, stored };
}

function walk(header: RecordBatchHeader, region: Buffer, options: ValidateBatchOptions, size: number): BatchValidation {
  const scan = newRecordScan();
  const keylessRecords: number[] = [];
  let keylessCount = 0;
  const timestampErrors: RecordError[] = [];
  const bounds = options.timestampBounds;
  const logAppendTime = timestampType(header.attributes) === TimestampType.LOG_APPEND_TIME;
  let maxTimestamp = -1;
  let offsetDeltaOfMaxTimestamp = 0;
  let pos = 0;
  for (let i = 0; i < header.recordCount; i++) {
    if (pos >= region.length) fail("INVALID_RECORD", `batch declares ${header.recordCount} records but holds ${i}`);
    try {
      scanRecord(region, pos, scan);
    } catch (error) {
      throw new RecordValidationError("INVALID_RECORD", `record ${i} is malformed`, [
        { batchIndex: i, message: error instanceof Error ? error.message : String(error) },
      ]);
    }
    if (scan.offsetDelta !== i) {
      throw new RecordValidationError("INVALID_RECORD", "record offset deltas are not contiguous", [
        { batchIndex: i, message: `offset delta ${scan.offsetDelta}, expected ${i}` },
      ]);
    }
    // Records of a LogAppendTime batch all read as its maxTimestamp.
    const timestamp = logAppendTime ? header.maxTimestamp : header.baseTimestamp + scan.timestampDelta;
    if (timestamp > maxTimestamp) {
      maxTimestamp = timestamp;
      offsetDeltaOfMaxTimestamp = i;
    }
    if (timestampErrors.length < MAX_RECORD_ERRORS) {
      if (bounds && timestamp !== NO_TIMESTAMP) {
        if (timestamp < bounds.minMs || timestamp > bounds.maxMs) {
          timestampErrors.push({
            batchIndex: i,
            message: `timestamp ${timestamp} is out of range [${bounds.minMs}, ${bounds.maxMs}]`,
          });
        }
      } else if (logAppendTime) {
        timestampErrors.push({ batchIndex: i, message: "producers may not set the timestamp type to LogAppendTime" });
      }
    }
    // Only compacted topics refuse keyless records, and they report at most MAX_RECORD_ERRORS:
    // listing every index of a keyless batch was the produce path's largest heap allocation.
    if (scan.keyLength < 0 && keylessCount++ < MAX_RECORD_ERRORS) keylessRecords.push(i);
    pos = scan.end;
  }
  if (pos !== region.length) fail("INVALID_RECORD", "bytes left over after the last record");
  if (timestampErrors.length > 0) {
    throw new RecordValidationError("INVALID_TIMESTAMP", "record timestamps are invalid", timestampErrors);
  }
  return {
    header,
    sizeInBytes: size,
    maxTimestamp,
    offsetDeltaOfMaxTimestamp,
    keylessRecords,
    keylessCount,
    uncompressedRecordsBytes: region.length,
  };
}

function inflateFailure(error: unknown): never {
  if (error instanceof ProtocolError && error.code === "TOO_LARGE") {
    fail("INVALID_RECORD", "compressed records inflate beyond the limit", error);
  }
  fail("CORRUPT_MESSAGE", "compressed records are corrupt", error);
}

/** Validates the v2 batch at `pos` (inflating on the calling thread). Throws RecordValidationError. */
export function validateRecordBatch(buf: Buffer, pos: number, options: ValidateBatchOptions): BatchValidation {
  const { header, stored } = checkEnvelope(buf, pos, options);
  const compression = compressionType(header.attributes);
  let region = stored;
  if (compression !== CompressionType.NONE) {
    try {
      region = codecFor(compression).decompressSync(stored, options.maxUncompressedBytes);
    } catch (error) {
      inflateFailure(error);
    }
  }
  return walk(header, region, options, stored.length + RECORD_BATCH_OVERHEAD);
}

/** As validateRecordBatch, inflating off the event loop where the codec allows. */
export async function validateRecordBatchAsync(
  buf: Buffer,
  pos: number,
  options: ValidateBatchOptions,
): Promise<BatchValidation> {
  const { header, stored } = checkEnvelope(buf, pos, options);
  const compression = compressionType(header.attributes);
  let region = stored;
  if (compression !== CompressionType.NONE) {
    try {
      region = await codecFor(compression).decompress(stored, options.maxUncompressedBytes);
    } catch (error) {
      inflateFailure(error);
    }
  }
  return walk(header, region, options, stored.length + RECORD_BATCH_OVERHEAD);
}
