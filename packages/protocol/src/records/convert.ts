/**
 * Conversion between legacy message sets and v2 batches: up on produce (a client speaking
 * magic 0/1 to a v2 log) and down on fetch (a client whose Fetch version predates v2: Fetch v0-1
 * reads magic 0, v2-3 magic 1). Down-conversion drops headers, producer state and control
 * batches, which the old formats cannot express; zstd has no legacy form.
 */
import { CompressionType, compressionType, isControl, TimestampType, timestampType } from "./attributes.js";
import { batchSpans } from "./batches.js";
import { type RecordBatchHeader, readBatchHeader } from "./batch-header.js";
import { type LegacyMagic, legacyCompressionAt } from "./legacy/message.js";
import { buildMessageSet, type LegacyRecordInput, readMessageSet } from "./legacy/message-set.js";
import { downConvertPlain, downConvertPlainBound } from "./legacy/down-convert-plain.js";
import { upConvertPlain } from "./legacy/up-convert-plain.js";
import { buildRecordBatch, readRecordBatch } from "./record-batch.js";
import { RecordValidationError } from "./validation-error.js";
import { ProtocolError } from "../primitives/protocol-error.js";

export interface UpConvertOptions {
  maxUncompressedBytes: number;
  /** Codec of the new batch; defaults to the codec of the first message (Kafka's compression.type=producer). */
  compression?: CompressionType;
  /**
   * Supplies the output buffer of an uncompressed set (at least `bytes` long), e.g. from a pool;
   * Buffer.allocUnsafe when absent. The result is then a view of its start.
   */
  alloc?: (bytes: number) => Buffer;
}

/**
 * Converts a produced v0/v1 message set to one v2 batch with offset deltas 0..n-1 (offsets are
 * assigned later). Like Kafka, tolerates v1 inner offsets that are not 0..n-1 (some old clients
 * wrote them wrongly): the batch is rebuilt anyway. Refuses bad input with RecordValidationError.
 */
export function upConvert(messageSet: Buffer, options: UpConvertOptions): Buffer {
  let records: ReturnType<typeof readMessageSet>;
  let sourceCompression: number = CompressionType.NONE;
  try {
    if ((options.compression ?? CompressionType.NONE) === CompressionType.NONE) {
      const plain = upConvertPlain(messageSet, options.alloc);
      if (plain !== undefined) return plain;
    }
    const first = batchSpans(messageSet).next();
    if (!first.done) sourceCompression = legacyCompressionAt(messageSet, first.value.pos);
    records = readMessageSet(messageSet, { maxUncompressedBytes: options.maxUncompressedBytes });
  } catch (error) {
    if (error instanceof ProtocolError && error.code === "TOO_LARGE") {
      throw new RecordValidationError("INVALID_RECORD", "compressed messages inflate beyond the limit", [], {
        cause: error,
      });
    }
    throw new RecordValidationError("CORRUPT_MESSAGE", "legacy message set is corrupt", [], { cause: error });
  }
  if (records.length === 0) throw new RecordValidationError("INVALID_RECORD", "empty message set");
  const compression = (options.compression ?? sourceCompression) as CompressionType;
  return buildRecordBatch(
    records.map((r) => ({ key: r.key, value: r.value, timestamp: r.timestamp })),
    { compression, timestampType: TimestampType.CREATE_TIME },
  );
}

export interface DownConvertOptions {
  maxUncompressedBytes: number;
  /**
   * Supplies the output buffer (at least `bytes` long), e.g. from a pool; Buffer.allocUnsafe when
   * absent. Not called when the records pass unchanged (the result is then a view of the input).
   */
  alloc?: (bytes: number) => Buffer;
}

/** Fetch v0-1 read magic 0, v2-3 magic 1, v4+ the log as it is. */
export function magicForFetchVersion(fetchVersion: number): 0 | 1 | 2 {
  return fetchVersion <= 1 ? 0 : fetchVersion <= 3 ? 1 : 2;
}

/**
 * Rewrites fetched records (any mix of magics) for a client that reads `toMagic`. Batches
 * already at or below that magic pass unchanged; a partial batch at the end is dropped.
 * Throws RecordValidationError UNSUPPORTED_COMPRESSION_TYPE for zstd batches.
 */
export function downConvert(records: Buffer, toMagic: LegacyMagic, options: DownConvertOptions): Buffer {
  // Uncompressed v2 batches are written straight into `out` (sized by an upper bound); the rest
  // are converted on their own and copied in.
  const parts: (Buffer | { batch: Buffer; header: RecordBatchHeader })[] = [];
  let bound = 0;
  for (const span of batchSpans(records, true)) {
    const batch = records.subarray(span.pos, span.pos + span.size);
    const part = span.magic <= toMagic ? batch : convertBatch(batch, span.magic, toMagic, options);
    if (part === undefined) continue;
    parts.push(part);
    bound += Buffer.isBuffer(part) ? part.length : downConvertPlainBound(part.batch, part.header);
  }
  if (parts.length === 1 && Buffer.isBuffer(parts[0])) return parts[0];
  const out = options.alloc?.(bound) ?? Buffer.allocUnsafe(bound);
  let pos = 0;
  for (const part of parts) {
    if (Buffer.isBuffer(part)) pos += part.copy(out, pos);
    else pos = downConvertPlain(part.batch, part.header, toMagic, out, pos);
  }
  return out.subarray(0, pos);
}

/**
 * One batch above `toMagic`: a converted message set, an uncompressed v2 batch to write with
 * downConvertPlain, or undefined for a batch the old formats leave out (control, empty).
 */
function convertBatch(
  batch: Buffer,
  magic: number,
  toMagic: LegacyMagic,
  options: DownConvertOptions,
): Buffer | { batch: Buffer; header: RecordBatchHeader } | undefined {
  if (magic === 1) {
    const legacy = readMessageSet(batch, { maxUncompressedBytes: options.maxUncompressedBytes });
    const compression = legacyCompressionAt(batch, 0) as CompressionType;
    return buildMessageSet(
      legacy.map((r) => ({ key: r.key, value: r.value, offset: r.offset })),
      { magic: 0, compression },
    );
  }
  const header = readBatchHeader(batch);
  if (isControl(header.attributes)) return undefined;
  const compression = compressionType(header.attributes) as CompressionType;
  if (compression === CompressionType.NONE) return { batch, header };
  if (compression === CompressionType.ZSTD) {
    throw new RecordValidationError(
      "UNSUPPORTED_COMPRESSION_TYPE",
      "zstd records cannot be read as message format v0/v1",
    );
  }
  const type = timestampType(header.attributes);
  const converted: LegacyRecordInput[] = [];
  for (const record of readRecordBatch(batch, 0, options.maxUncompressedBytes)) {
    converted.push({
      key: record.key,
      value: record.value,
      offset: header.baseOffset + record.offsetDelta,
      timestamp:
        type === TimestampType.LOG_APPEND_TIME ? header.maxTimestamp : header.baseTimestamp + record.timestampDelta,
    });
  }
  if (converted.length === 0) return undefined;
  return buildMessageSet(converted, {
    magic: toMagic,
    compression,
    timestampType: type,
    logAppendTime: header.maxTimestamp,
  });
}
