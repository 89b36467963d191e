import {
  LOG_OVERHEAD,
  RECORD_BATCH_OVERHEAD,
  makeAttributes,
  setBaseOffset,
  setPartitionLeaderEpoch,
  TimestampType,
  writeBatchCrc,
  writeInt64,
} from "@samsa/protocol";

export interface TestBatchOptions {
  baseOffset?: number;
  /** Number of records (lastOffsetDelta = records - 1). */
  records?: number;
  /** Payload bytes after the header; storage never looks inside. */
  payload?: Buffer | number;
  maxTimestamp?: number;
  leaderEpoch?: number;
  logAppendTime?: boolean;
}

/**
 * A v2 batch with a valid CRC whose record section is opaque filler: storage reads headers only,
 * so tests need not encode real records.
 */
export function testBatch(opts: TestBatchOptions = {}): Buffer {
  const payload =
    typeof opts.payload === "number" ? Buffer.alloc(opts.payload, 0x61) : (opts.payload ?? Buffer.from("x"));
  const records = opts.records ?? 1;
  const buf = Buffer.alloc(RECORD_BATCH_OVERHEAD + payload.length);
  setBaseOffset(buf, 0, opts.baseOffset ?? 0);
  buf.writeInt32BE(buf.length - LOG_OVERHEAD, 8);
  setPartitionLeaderEpoch(buf, 0, opts.leaderEpoch ?? -1);
  buf.writeInt8(2, 16);
  buf.writeInt16BE(
    makeAttributes({ timestampType: opts.logAppendTime ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME }),
    21,
  );
  buf.writeInt32BE(records - 1, 23);
  const ts = opts.maxTimestamp ?? 1_000;
  writeInt64(buf, 27, ts);
  writeInt64(buf, 35, ts);
  writeInt64(buf, 43, -1);
  buf.writeInt16BE(-1, 51);
  buf.writeInt32BE(-1, 53);
  buf.writeInt32BE(records, 57);
  payload.copy(buf, RECORD_BATCH_OVERHEAD);
  writeBatchCrc(buf, 0);
  return buf;
}
