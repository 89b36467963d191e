/**
 * Up-conversion of an uncompressed v0/v1 message set straight into one v2 batch: one pass checks
 * every entry (CRC, sizes) and sizes the batch, a second copies keys and values into the one
 * buffer allocated for it. No per-message objects, so a produce of many small legacy messages
 * costs no more garbage than a v2 one. Compressed sets take the general path (convert.ts).
 */
import { assert } from "@samsa/common";
import { sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from "../../primitives/varint.js";
import {
  BASE_OFFSET_OFFSET,
  BASE_SEQUENCE_OFFSET,
  BASE_TIMESTAMP_OFFSET,
  BATCH_LENGTH_OFFSET,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  PARTITION_LEADER_EPOCH_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORD_BATCH_OVERHEAD,
  RECORD_COUNT_OFFSET,
  ATTRIBUTES_OFFSET,
  writeBatchCrc,
} from "../batch-header.js";
import { writeInt64 } from "../int64.js";
import { newMessageScan, scanMessage } from "./message.js";

const CODEC_MASK = 0x07;

function sizeOfField(length: number): number {
  return length < 0 ? 1 : sizeOfVarint(length) + length;
}

function recordBodyLength(timestampDelta: number, offsetDelta: number, keyLength: number, valueLength: number) {
  // attributes, timestampDelta, offsetDelta, key, value, header count 0
  return (
    2 + sizeOfVarlong(timestampDelta) + sizeOfVarint(offsetDelta) + sizeOfField(keyLength) + sizeOfField(valueLength)
  );
}

function writeField(out: Buffer, pos: number, src: Buffer, start: number, length: number): number {
  const p = writeVarint(out, pos, length);
  if (length <= 0) return p;
  src.copy(out, p, start, start + length);
  return p + length;
}

/**
 * The v2 batch (CreateTime, no compression, offset deltas 0..n-1, base offset 0) holding the
 * messages of `messageSet`, or undefined when the set is empty or holds a compressed message.
 * Throws ProtocolError on a corrupt set, as readMessageSet does.
 */
export function upConvertPlain(messageSet: Buffer): Buffer | undefined {
  const scan = newMessageScan();
  let count = 0;
  let bodyBytes = 0;
  let baseTimestamp = -1;
  let maxTimestamp = -1;
  for (let pos = 0; pos < messageSet.length; pos = scan.end) {
    scanMessage(messageSet, pos, scan);
    if ((scan.attributes & CODEC_MASK) !== 0) return undefined;
    if (count === 0) baseTimestamp = scan.timestamp;
    if (scan.timestamp > maxTimestamp) maxTimestamp = scan.timestamp;
    const length = recordBodyLength(scan.timestamp - baseTimestamp, count, scan.keyLength, scan.valueLength);
    bodyBytes += sizeOfVarint(length) + length;
    count++;
  }
  if (count === 0) return undefined;
  const out = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + bodyBytes);
  writeInt64(out, BASE_OFFSET_OFFSET, 0);
  out.writeInt32BE(out.length - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
  out.writeInt32BE(NO_PARTITION_LEADER_EPOCH, PARTITION_LEADER_EPOCH_OFFSET);
  out.writeInt8(2, MAGIC_OFFSET);
  out.writeInt16BE(0, ATTRIBUTES_OFFSET);
  out.writeInt32BE(count - 1, LAST_OFFSET_DELTA_OFFSET);
  writeInt64(out, BASE_TIMESTAMP_OFFSET, baseTimestamp);
  writeInt64(out, MAX_TIMESTAMP_OFFSET, maxTimestamp);
  writeInt64(out, PRODUCER_ID_OFFSET, NO_PRODUCER_ID);
  out.writeInt16BE(NO_PRODUCER_EPOCH, PRODUCER_EPOCH_OFFSET);
  out.writeInt32BE(NO_SEQUENCE, BASE_SEQUENCE_OFFSET);
  out.writeInt32BE(count, RECORD_COUNT_OFFSET);
  let p = RECORD_BATCH_OVERHEAD;
  let offsetDelta = 0;
  for (let pos = 0; pos < messageSet.length; pos = scan.end) {
    // Checked in the first pass.
    scanMessage(messageSet, pos, scan, false);
    const timestampDelta = scan.timestamp - baseTimestamp;
    p = writeVarint(out, p, recordBodyLength(timestampDelta, offsetDelta, scan.keyLength, scan.valueLength));
    out[p++] = 0;
    p = writeVarlong(out, p, timestampDelta);
    p = writeVarint(out, p, offsetDelta);
    p = writeField(out, p, messageSet, scan.keyStart, scan.keyLength);
    p = writeField(out, p, messageSet, scan.valueStart, scan.valueLength);
    out[p++] = 0;
    offsetDelta++;
  }
  assert(p === out.length, "up-converted record sizes disagree with what was written");
  writeBatchCrc(out, 0);
  return out;
}
