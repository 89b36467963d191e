/**
 * Header rewrites that fall inside the CRC: the broker stamps LogAppendTime, or corrects
 * maxTimestamp to what the validation walk found, and then recomputes the CRC-32C.
 */
import { TIMESTAMP_TYPE_MASK, TimestampType } from "./attributes.js";
import { ATTRIBUTES_OFFSET, MAX_TIMESTAMP_OFFSET, writeBatchCrc } from "./batch-header.js";
import { readInt64, writeInt64 } from "./int64.js";

/** Sets the timestamp type bit and maxTimestamp; recomputes the CRC only when a byte changed. */
export function setMaxTimestamp(buf: Buffer, pos: number, type: TimestampType, maxTimestamp: number): void {
  const attributes = buf.readInt16BE(pos + ATTRIBUTES_OFFSET);
  const newAttributes =
    type === TimestampType.LOG_APPEND_TIME ? attributes | TIMESTAMP_TYPE_MASK : attributes & ~TIMESTAMP_TYPE_MASK;
  if (newAttributes === attributes && readInt64(buf, pos + MAX_TIMESTAMP_OFFSET) === maxTimestamp) return;
  buf.writeInt16BE(newAttributes, pos + ATTRIBUTES_OFFSET);
  writeInt64(buf, pos + MAX_TIMESTAMP_OFFSET, maxTimestamp);
  writeBatchCrc(buf, pos);
}

/**
 * Stamps a batch with the broker's append time, as Kafka does for message.timestamp.type=LogAppendTime:
 * consumers then read every record's timestamp as the batch's maxTimestamp.
 */
export function setLogAppendTime(buf: Buffer, pos: number, nowMs: number): void {
  setMaxTimestamp(buf, pos, TimestampType.LOG_APPEND_TIME, nowMs);
}
