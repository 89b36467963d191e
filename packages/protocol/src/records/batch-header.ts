/**
 * A view of the record batch v2 header (61 bytes) without decoding any record. Offsets within
 * a batch, relative to its first byte:
 *   0 baseOffset int64 | 8 batchLength int32 | 12 partitionLeaderEpoch int32 | 16 magic int8 |
 *   17 crc uint32 | 21 attributes int16 | 23 lastOffsetDelta int32 | 27 baseTimestamp int64 |
 *   35 maxTimestamp int64 | 43 producerId int64 | 51 producerEpoch int16 | 53 baseSequence int32 |
 *   57 recordCount int32 | 61 records
 * The CRC-32C covers attributes..end, so baseOffset and partitionLeaderEpoch can be patched
 * by the broker without recomputing it.
 */
import { ProtocolError } from "../primitives/protocol-error.js";
import { crc32c } from "./crc32c.js";
import { readInt64, writeInt64 } from "./int64.js";

export const LOG_OVERHEAD = 12;
export const RECORD_BATCH_OVERHEAD = 61;

export const BASE_OFFSET_OFFSET = 0;
export const BATCH_LENGTH_OFFSET = 8;
export const PARTITION_LEADER_EPOCH_OFFSET = 12;
export const MAGIC_OFFSET = 16;
export const CRC_OFFSET = 17;
export const ATTRIBUTES_OFFSET = 21;
export const LAST_OFFSET_DELTA_OFFSET = 23;
export const BASE_TIMESTAMP_OFFSET = 27;
export const MAX_TIMESTAMP_OFFSET = 35;
export const PRODUCER_ID_OFFSET = 43;
export const PRODUCER_EPOCH_OFFSET = 51;
export const BASE_SEQUENCE_OFFSET = 53;
export const RECORD_COUNT_OFFSET = 57;
export const RECORDS_OFFSET = 61;

/** Kafka's sentinels for batches without a producer id, sequence, or timestamp. */
export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_TIMESTAMP = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;

export interface RecordBatchHeader {
  baseOffset: number;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

/**
 * Reads the v2 header at `pos`. Throws TRUNCATED if fewer than 61 bytes remain,
 * UNSUPPORTED_VERSION if the magic is not 2, MALFORMED if an int64 is not a safe integer.
 * Does not check the CRC or that the whole batch is present.
 */
export function readBatchHeader(buf: Buffer, pos = 0): RecordBatchHeader {
  if (pos < 0 || buf.length - pos < RECORD_BATCH_OVERHEAD) {
    throw new ProtocolError("TRUNCATED", `record batch header needs ${RECORD_BATCH_OVERHEAD} bytes`);
  }
  const magic = buf.readInt8(pos + MAGIC_OFFSET);
  if (magic !== 2) throw new ProtocolError("UNSUPPORTED_VERSION", `record batch magic ${magic} is not 2`);
  return {
    baseOffset: readInt64(buf, pos + BASE_OFFSET_OFFSET),
    batchLength: buf.readInt32BE(pos + BATCH_LENGTH_OFFSET),
    partitionLeaderEpoch: buf.readInt32BE(pos + PARTITION_LEADER_EPOCH_OFFSET),
    magic,
    crc: buf.readUInt32BE(pos + CRC_OFFSET),
    attributes: buf.readInt16BE(pos + ATTRIBUTES_OFFSET),
    lastOffsetDelta: buf.readInt32BE(pos + LAST_OFFSET_DELTA_OFFSET),
    baseTimestamp: readInt64(buf, pos + BASE_TIMESTAMP_OFFSET),
    maxTimestamp: readInt64(buf, pos + MAX_TIMESTAMP_OFFSET),
    producerId: readInt64(buf, pos + PRODUCER_ID_OFFSET),
    producerEpoch: buf.readInt16BE(pos + PRODUCER_EPOCH_OFFSET),
    baseSequence: buf.readInt32BE(pos + BASE_SEQUENCE_OFFSET),
    recordCount: buf.readInt32BE(pos + RECORD_COUNT_OFFSET),
  };
}

/**
 * Total size (LOG_OVERHEAD + batchLength) of the batch at `pos`, for any magic (v0/v1 messages
 * share the offset+size prefix). Undefined if fewer than 12 bytes remain. The size may exceed
 * what is in the buffer (a partial batch at the end of a fetch) or be negative (corrupt): callers
 * compare it against what they have.
 */
export function batchSizeAt(buf: Buffer, pos: number): number | undefined {
  if (pos < 0 || buf.length - pos < LOG_OVERHEAD) return undefined;
  return LOG_OVERHEAD + buf.readInt32BE(pos + BATCH_LENGTH_OFFSET);
}

/** The magic byte at pos+16 (0, 1 or 2 when valid). Throws TRUNCATED if it is beyond the buffer. */
export function magicAt(buf: Buffer, pos: number): number {
  if (pos < 0 || pos + MAGIC_OFFSET >= buf.length) {
    throw new ProtocolError("TRUNCATED", "record batch too short to hold a magic byte");
  }
  return buf.readInt8(pos + MAGIC_OFFSET);
}

/** The v2 header fields a batch builder chooses; batchLength and the CRC follow from the finished batch. */
export type BatchHeaderFields = Omit<RecordBatchHeader, "batchLength" | "magic" | "crc">;

/** Writes magic 2 and `fields` into the header at the start of `buf` (batchLength and the CRC are left). */
export function writeBatchHeader(buf: Buffer, fields: BatchHeaderFields): void {
  writeInt64(buf, BASE_OFFSET_OFFSET, fields.baseOffset);
  buf.writeInt32BE(fields.partitionLeaderEpoch, PARTITION_LEADER_EPOCH_OFFSET);
  buf.writeInt8(2, MAGIC_OFFSET);
  buf.writeInt16BE(fields.attributes, ATTRIBUTES_OFFSET);
  buf.writeInt32BE(fields.lastOffsetDelta, LAST_OFFSET_DELTA_OFFSET);
  writeInt64(buf, BASE_TIMESTAMP_OFFSET, fields.baseTimestamp);
  writeInt64(buf, MAX_TIMESTAMP_OFFSET, fields.maxTimestamp);
  writeInt64(buf, PRODUCER_ID_OFFSET, fields.producerId);
  buf.writeInt16BE(fields.producerEpoch, PRODUCER_EPOCH_OFFSET);
  buf.writeInt32BE(fields.baseSequence, BASE_SEQUENCE_OFFSET);
  buf.writeInt32BE(fields.recordCount, RECORD_COUNT_OFFSET);
}

/** Patches baseOffset (outside the CRC: no recompute needed). */
export function setBaseOffset(buf: Buffer, pos: number, baseOffset: number): void {
  writeInt64(buf, pos + BASE_OFFSET_OFFSET, baseOffset);
}

/** Patches partitionLeaderEpoch (outside the CRC: no recompute needed). */
export function setPartitionLeaderEpoch(buf: Buffer, pos: number, epoch: number): void {
  buf.writeInt32BE(epoch, pos + PARTITION_LEADER_EPOCH_OFFSET);
}

function crcRange(buf: Buffer, pos: number): number {
  const size = batchSizeAt(buf, pos);
  if (size === undefined || size < RECORD_BATCH_OVERHEAD || pos + size > buf.length) {
    throw new ProtocolError("TRUNCATED", "record batch is not wholly in the buffer");
  }
  return crc32c(buf, pos + ATTRIBUTES_OFFSET, pos + size);
}

/** True if the stored CRC-32C matches attributes..end of the batch. Throws TRUNCATED on a partial batch. */
export function verifyBatchCrc(buf: Buffer, pos: number): boolean {
  return crcRange(buf, pos) === buf.readUInt32BE(pos + CRC_OFFSET);
}

/** Recomputes and stores the CRC-32C after the bytes it covers have changed. */
export function writeBatchCrc(buf: Buffer, pos: number): void {
  buf.writeUInt32BE(crcRange(buf, pos), pos + CRC_OFFSET);
}
