import assert from "node:assert/strict";
import { test } from "node:test";
import { ProtocolError } from "../primitives/protocol-error.js";
import { compressionType, isControl, isTransactional, makeAttributes, timestampType } from "./attributes.js";
import {
  batchSizeAt,
  magicAt,
  RECORD_BATCH_OVERHEAD,
  readBatchHeader,
  setBaseOffset,
  setPartitionLeaderEpoch,
  verifyBatchCrc,
  writeBatchCrc,
} from "./batch-header.js";

function emptyBatch(): Buffer {
  const buf = Buffer.alloc(RECORD_BATCH_OVERHEAD);
  buf.writeInt32BE(RECORD_BATCH_OVERHEAD - 12, 8);
  buf.writeInt8(2, 16);
  buf.writeInt16BE(makeAttributes({ compression: 3, transactional: true }), 21);
  buf.writeInt32BE(-1, 43);
  buf.writeInt32BE(-1, 47);
  buf.writeInt16BE(-1, 51);
  buf.writeInt32BE(-1, 53);
  writeBatchCrc(buf, 0);
  return buf;
}

test("header fields, patching outside the CRC, CRC detects corruption", () => {
  const buf = emptyBatch();
  assert.equal(batchSizeAt(buf, 0), RECORD_BATCH_OVERHEAD);
  assert.equal(magicAt(buf, 0), 2);
  assert.ok(verifyBatchCrc(buf, 0));
  setBaseOffset(buf, 0, 2 ** 40 + 7);
  setPartitionLeaderEpoch(buf, 0, 9);
  assert.ok(verifyBatchCrc(buf, 0));
  const h = readBatchHeader(buf);
  assert.equal(h.baseOffset, 2 ** 40 + 7);
  assert.equal(h.partitionLeaderEpoch, 9);
  assert.equal(h.producerId, -1);
  assert.equal(compressionType(h.attributes), 3);
  assert.ok(isTransactional(h.attributes));
  assert.ok(!isControl(h.attributes));
  assert.equal(timestampType(h.attributes), 0);
  buf[30] ^= 1;
  assert.ok(!verifyBatchCrc(buf, 0));
});

test("short, wrong-magic and unsafe int64 inputs give typed errors", () => {
  const buf = emptyBatch();
  assert.equal(batchSizeAt(buf.subarray(0, 11), 0), undefined);
  assert.throws(
    () => readBatchHeader(buf.subarray(0, 60)),
    (e) => e instanceof ProtocolError && e.code === "TRUNCATED",
  );
  assert.throws(() => verifyBatchCrc(buf.subarray(0, 60), 0), ProtocolError);
  const v1 = Buffer.from(buf);
  v1[16] = 1;
  assert.throws(
    () => readBatchHeader(v1),
    (e) => e instanceof ProtocolError && e.code === "UNSUPPORTED_VERSION",
  );
  const big = Buffer.from(buf);
  big.writeInt32BE(0x7fffffff, 0);
  assert.throws(
    () => readBatchHeader(big),
    (e) => e instanceof ProtocolError && e.code === "MALFORMED",
  );
});
