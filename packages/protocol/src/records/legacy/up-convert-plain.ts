/**
 * Up-conversion of an uncompressed v0/v1 message set straight into one v2 batch: one pass checks
 * every entry (CRC, sizes) and sizes the batch, a second copies keys and values into the one
 * buffer allocated for it. No per-message objects, so a produce of many small legacy messages
 * costs no more garbage than a v2 one. Compressed sets take the general path (convert.ts).
 */
import { assert } from "@samsa/common";
import { sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from "../../primitives/varint.js";
import {
  BATCH_LENGTH_OFFSET,
  LOG_OVERHEAD,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  RECORD_BATCH_OVERHEAD,
  writeBatchCrc,
  writeBatchHeader,
} from "../batch-header.js";
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
 * messages of `messageSet`, written at the start of a buffer from `alloc`, or undefined when the
 * set is empty or holds a compressed message.
 * Throws ProtocolError on a corrupt set, as readMessageSet does.
 */
export function upConvertPlain(
  messageSet: Buffer,
  alloc: (bytes: number) => Buffer = Buffer.allocUnsafe,
): Buffer | undefined {
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
  const size = RECORD_BATCH_OVERHEAD + bodyBytes;
  const out = alloc(size).subarray(0, size);
  out.writeInt32BE(out.length - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
  writeBatchHeader(out, {
    baseOffset: 0,
    partitionLeaderEpoch: NO_PARTITION_LEADER_EPOCH,
    attributes: 0,
    lastOffsetDelta: count - 1,
    baseTimestamp,
    maxTimestamp,
    producerId: NO_PRODUCER_ID,
    producerEpoch: NO_PRODUCER_EPOCH,
    baseSequence: NO_SEQUENCE,
    recordCount: count,
  });
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
