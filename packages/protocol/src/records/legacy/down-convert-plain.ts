/**
 * Down-conversion of an uncompressed v2 batch written straight into a caller's output buffer:
 * records are walked with a reused scan and their keys and values copied into v0/v1 entries, so a
 * fetch in an old format builds no per-record objects. Compressed batches take the general path.
 */
import { TimestampType, timestampType } from "../attributes.js";
import { LOG_OVERHEAD, type RecordBatchHeader, RECORD_BATCH_OVERHEAD } from "../batch-header.js";
import { newRecordScan, scanRecord } from "../record.js";
import { ProtocolError } from "../../primitives/protocol-error.js";
import { finishMessage, type LegacyMagic, startMessage, writeMessageBytes } from "./message.js";

/** A v2 record takes at least 7 bytes (length, attributes, deltas, key and value lengths, header count). */
const MIN_RECORD_BYTES = 7;
/** Most an entry can outgrow the v2 record it comes from: its 12-byte prefix and 22-byte v1 header. */
const GROWTH_PER_RECORD = LOG_OVERHEAD + 22 - MIN_RECORD_BYTES;

/**
 * An upper bound on what downConvertPlain writes for `batch`: it writes at most as many entries as
 * the header declares (it stops at the first record missing) and as the bytes can hold.
 */
export function downConvertPlainBound(batch: Buffer, header: RecordBatchHeader): number {
  const fit = Math.floor(Math.max(0, batch.length - RECORD_BATCH_OVERHEAD) / MIN_RECORD_BYTES);
  return batch.length + Math.min(Math.max(0, header.recordCount), fit) * GROWTH_PER_RECORD;
}

/**
 * Writes the records of the uncompressed v2 batch `batch` (described by `header`) as `toMagic`
 * entries at `out[pos]`, which has room for downConvertPlainBound(batch, header) bytes; returns
 * the position just past them. Throws ProtocolError MALFORMED when the records are inconsistent.
 */
export function downConvertPlain(
  batch: Buffer,
  header: RecordBatchHeader,
  toMagic: LegacyMagic,
  out: Buffer,
  pos: number,
): number {
  const region = batch.subarray(RECORD_BATCH_OVERHEAD);
  const logAppend = timestampType(header.attributes) === TimestampType.LOG_APPEND_TIME;
  // Magic 1 keeps the timestamp type bit; magic 0 has no timestamps.
  const attributes = toMagic === 1 && logAppend ? 0x08 : 0;
  const scan = newRecordScan();
  let r = 0;
  let p = pos;
  for (let i = 0; i < header.recordCount; i++) {
    if (r >= region.length) {
      throw new ProtocolError("MALFORMED", `batch declares ${header.recordCount} records, holds ${i}`);
    }
    scanRecord(region, r, scan);
    r = scan.end;
    const timestamp = toMagic === 0 ? -1 : logAppend ? header.maxTimestamp : header.baseTimestamp + scan.timestampDelta;
    const start = p;
    p = startMessage(out, p, toMagic, header.baseOffset + scan.offsetDelta, attributes, timestamp);
    p = writeMessageBytes(out, p, region, scan.keyStart, scan.keyLength);
    p = writeMessageBytes(out, p, region, scan.valueStart, scan.valueLength);
    finishMessage(out, start, p);
  }
  if (r !== region.length) throw new ProtocolError("MALFORMED", "bytes left over after the last record");
  return p;
}
