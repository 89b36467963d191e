/**
 * Building and reading whole v2 record batches. Reading is lazy: the header is a view and records
 * are decoded one at a time as the caller iterates; a compressed batch is inflated once, within
 * a caller-given bound.
 */
import { assert } from "@samsa/common";
import { ProtocolError } from "../primitives/protocol-error.js";
import { CompressionType, compressionType, makeAttributes, TimestampType } from "./attributes.js";
import {
  BATCH_LENGTH_OFFSET,
  LOG_OVERHEAD,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  NO_TIMESTAMP,
  RECORD_BATCH_OVERHEAD,
  type RecordBatchHeader,
  readBatchHeader,
  writeBatchCrc,
  writeBatchHeader,
} from "./batch-header.js";
import { type CompressionCodec, codecFor } from "./compression/index.js";
import {
  type EncodableRecord,
  encodableRecord,
  newRecordScan,
  type DecodedRecord,
  type RecordInput,
  readRecord,
  sizeOfRecord,
  writeRecord,
} from "./record.js";

export interface BuildBatchOptions {
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  compression?: CompressionType;
  timestampType?: TimestampType;
  /** Timestamp of records that carry none; also the batch's timestamp when it has no records. */
  timestamp?: number;
  /** For LOG_APPEND_TIME batches: the broker's append time, stored as maxTimestamp. */
  logAppendTime?: number;
  transactional?: boolean;
  control?: boolean;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  /** Defaults to the last record's offsetDelta; set it for empty batches kept for producer state. */
  lastOffsetDelta?: number;
}

interface Prepared {
  header: Buffer;
  body: Buffer;
  codec: CompressionCodec | undefined;
}

function prepare(records: RecordInput[], options: BuildBatchOptions): Prepared {
  const defaultTimestamp = options.timestamp ?? NO_TIMESTAMP;
  const baseTimestamp = records.length > 0 ? (records[0].timestamp ?? defaultTimestamp) : defaultTimestamp;
  let maxTimestamp = NO_TIMESTAMP;
  const encodable: EncodableRecord[] = [];
  let bodyBytes = 0;
  for (let i = 0; i < records.length; i++) {
    const timestamp = records[i].timestamp ?? defaultTimestamp;
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    const offsetDelta = records[i].offsetDelta ?? i;
    assert(i === 0 || offsetDelta > encodable[i - 1].offsetDelta, "record offset deltas must increase");
    const e = encodableRecord(records[i], timestamp - baseTimestamp, offsetDelta);
    bodyBytes += sizeOfRecord(e);
    encodable.push(e);
  }
  const body = Buffer.allocUnsafe(bodyBytes);
  let p = 0;
  for (const e of encodable) p = writeRecord(body, p, e);
  assert(p === bodyBytes, "record sizes disagree with what was written");

  const timestampType = options.timestampType ?? TimestampType.CREATE_TIME;
  if (timestampType === TimestampType.LOG_APPEND_TIME && options.logAppendTime !== undefined) {
    maxTimestamp = options.logAppendTime;
  }
  const compression = options.compression ?? CompressionType.NONE;
  const header = Buffer.alloc(RECORD_BATCH_OVERHEAD);
  writeBatchHeader(header, {
    baseOffset: options.baseOffset ?? 0,
    partitionLeaderEpoch: options.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH,
    attributes: makeAttributes({
      compression,
      timestampType,
      transactional: options.transactional,
      control: options.control,
    }),
    lastOffsetDelta:
      options.lastOffsetDelta ?? (encodable.length > 0 ? encodable[encodable.length - 1].offsetDelta : 0),
    baseTimestamp,
    maxTimestamp,
    producerId: options.producerId ?? NO_PRODUCER_ID,
    producerEpoch: options.producerEpoch ?? NO_PRODUCER_EPOCH,
    baseSequence: options.baseSequence ?? NO_SEQUENCE,
    recordCount: records.length,
  });
  return { header, body, codec: compression === CompressionType.NONE ? undefined : codecFor(compression) };
}

function finish(header: Buffer, body: Buffer): Buffer {
  const batch = Buffer.concat([header, body]);
  batch.writeInt32BE(batch.length - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
  writeBatchCrc(batch, 0);
  return batch;
}

/** Builds a v2 batch; compression runs on the calling thread. */
export function buildRecordBatch(records: RecordInput[], options: BuildBatchOptions = {}): Buffer {
  const { header, body, codec } = prepare(records, options);
  return finish(header, codec ? codec.compressSync(body) : body);
}

/** Builds a v2 batch, compressing off the event loop where the codec allows. */
export async function buildRecordBatchAsync(records: RecordInput[], options: BuildBatchOptions = {}): Promise<Buffer> {
  const { header, body, codec } = prepare(records, options);
  return finish(header, codec ? await codec.compress(body) : body);
}

/** Default bound on a compressed batch's inflated records when the caller gives none. */
export const DEFAULT_MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024;

/** A batch whose records are decoded lazily, one per iteration step. */
export interface RecordBatchView {
  header: RecordBatchHeader;
  /** Uncompressed records region. */
  records: Buffer;
  [Symbol.iterator](): Iterator<DecodedRecord>;
}

function batchBounds(buf: Buffer, pos: number): { header: RecordBatchHeader; end: number } {
  const header = readBatchHeader(buf, pos);
  const end = pos + LOG_OVERHEAD + header.batchLength;
  if (header.batchLength < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD || end > buf.length) {
    throw new ProtocolError("TRUNCATED", `record batch of ${header.batchLength} bytes is not wholly in the buffer`);
  }
  return { header, end };
}

/** Iterates `count` records of an uncompressed records region, decoding each only when reached. */
export function* iterateRecords(region: Buffer, count: number): Generator<DecodedRecord> {
  const scan = newRecordScan();
  let pos = 0;
  for (let i = 0; i < count; i++) {
    if (pos >= region.length) throw new ProtocolError("MALFORMED", `batch declares ${count} records, holds ${i}`);
    const record = readRecord(region, pos, scan);
    pos = scan.end;
    yield record;
  }
  if (pos !== region.length) throw new ProtocolError("MALFORMED", "bytes left over after the last record");
}

function view(header: RecordBatchHeader, records: Buffer): RecordBatchView {
  return { header, records, [Symbol.iterator]: () => iterateRecords(records, header.recordCount) };
}

/**
 * Reads the batch at `pos`. Compressed records are inflated (at most `maxUncompressedBytes`)
 * on the calling thread; the CRC is not checked here (see verifyBatchCrc / validateRecordBatch).
 */
export function readRecordBatch(
  buf: Buffer,
  pos = 0,
  maxUncompressedBytes = DEFAULT_MAX_UNCOMPRESSED_BYTES,
): RecordBatchView {
  const { header, end } = batchBounds(buf, pos);
  const stored = buf.subarray(pos + RECORD_BATCH_OVERHEAD, end);
  const compression = compressionType(header.attributes);
  const records =
    compression === CompressionType.NONE ? stored : codecFor(compression).decompressSync(stored, maxUncompressedBytes);
  return view(header, records);
}

/** As readRecordBatch, inflating off the event loop where the codec allows. */
export async function readRecordBatchAsync(
  buf: Buffer,
  pos = 0,
  maxUncompressedBytes = DEFAULT_MAX_UNCOMPRESSED_BYTES,
): Promise<RecordBatchView> {
  const { header, end } = batchBounds(buf, pos);
  const stored = buf.subarray(pos + RECORD_BATCH_OVERHEAD, end);
  const compression = compressionType(header.attributes);
  const records =
    compression === CompressionType.NONE
      ? stored
      : await codecFor(compression).decompress(stored, maxUncompressedBytes);
  return view(header, records);
}
