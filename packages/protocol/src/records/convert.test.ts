import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { ProtocolError } from "../primitives/protocol-error.js";
import { CompressionType, isControl, TimestampType } from "./attributes.js";
import { readBatchHeader } from "./batch-header.js";
import { batchSpans } from "./batches.js";
import { buildEndTxnMarkerBatch } from "./control-record.js";
import { downConvert, magicForFetchVersion, upConvert } from "./convert.js";
import { crc32 } from "./crc32.js";
import { buildMessageSet, readMessageSet } from "./legacy/message-set.js";
import { buildRecordBatch, readRecordBatch } from "./record-batch.js";
import { validateRecordBatch } from "./validate.js";
import { RecordValidationError } from "./validation-error.js";

const limit = { maxUncompressedBytes: 1 << 20 };
const legacyCodecs = [CompressionType.NONE, CompressionType.GZIP, CompressionType.SNAPPY, CompressionType.LZ4];
const input = [
  { key: Buffer.from("k1"), value: Buffer.from("v1"), timestamp: 1000 },
  { key: null, value: Buffer.from("v2".repeat(50)), timestamp: 3000 },
  { key: Buffer.from("k3"), value: null, timestamp: 2000 },
];

test("known bytes: a v0 and a v1 message", () => {
  const v0 = buildMessageSet([{ key: null, value: Buffer.from("a") }], { magic: 0, baseOffset: 5 });
  // offset 5 | size 15 | crc | magic 0 | attrs 0 | key -1 | value len 1 'a'
  assert.equal(v0.toString("hex").slice(0, 24), "00000000000000050000000f");
  assert.equal(v0.subarray(16).toString("hex"), "0000ffffffff0000000161");
  assert.equal(v0.readUInt32BE(12), crc32(v0, 16));
  const v1 = buildMessageSet([{ key: null, value: Buffer.from("a"), timestamp: 7 }], { magic: 1 });
  assert.equal(v1.readInt32BE(8), 23);
  assert.equal(v1.subarray(16).toString("hex"), "01000000000000000007ffffffff0000000161");
});

test("message sets v0 and v1 round-trip for every legacy codec, with v1 relative inner offsets", () => {
  for (const magic of [0, 1] as const) {
    for (const compression of legacyCodecs) {
      const set = buildMessageSet(input, { magic, compression, baseOffset: 100 });
      const read = readMessageSet(set, limit);
      assert.deepEqual(
        read.map((r) => r.offset),
        [100, 101, 102],
      );
      assert.deepEqual(
        read.map((r) => r.key),
        input.map((r) => r.key),
      );
      assert.deepEqual(
        read.map((r) => r.value),
        input.map((r) => r.value),
      );
      assert.deepEqual(
        read.map((r) => r.timestamp),
        magic === 0 ? [-1, -1, -1] : [1000, 3000, 2000],
      );
      if (compression !== CompressionType.NONE) {
        assert.equal([...batchSpans(set)].length, 1, "one wrapper");
        assert.equal(set.readBigInt64BE(0), 102n, "wrapper carries the last offset");
      }
    }
  }
});

test("a corrupted legacy message is refused", () => {
  const set = buildMessageSet(input, { magic: 1 });
  set[30] ^= 1;
  assert.throws(() => readMessageSet(set, limit));
  assert.throws(
    () => upConvert(set, limit),
    (e) => e instanceof RecordValidationError && e.code === "CORRUPT_MESSAGE",
  );
});

test("up-conversion makes one valid v2 batch keeping codec, keys, values and timestamps", () => {
  for (const magic of [0, 1] as const) {
    for (const compression of legacyCodecs) {
      const batch = upConvert(buildMessageSet(input, { magic, compression }), limit);
      const v = validateRecordBatch(batch, 0, limit);
      assert.deepEqual(v.keylessRecords, [1]);
      assert.equal(readBatchHeader(batch).attributes & 7, compression);
      const view = readRecordBatch(batch);
      const records = [...view];
      assert.deepEqual(
        records.map((r) => r.value),
        input.map((r) => r.value),
      );
      if (magic === 1)
        assert.deepEqual(
          records.map((r) => view.header.baseTimestamp + r.timestampDelta),
          [1000, 3000, 2000],
        );
    }
  }
});

test("down-conversion to v0 and v1 keeps offsets, drops control batches, refuses zstd", () => {
  const data = buildRecordBatch(input, { baseOffset: 10, compression: CompressionType.SNAPPY });
  const marker = buildEndTxnMarkerBatch({
    producerId: 1,
    producerEpoch: 0,
    coordinatorEpoch: 0,
    commit: true,
    timestamp: 0,
    baseOffset: 13,
  });
  assert.ok(isControl(readBatchHeader(marker).attributes));
  const more = buildRecordBatch([{ value: "x", timestamp: 5 }], {
    baseOffset: 14,
    timestampType: TimestampType.LOG_APPEND_TIME,
    logAppendTime: 9,
  });
  const log = Buffer.concat([data, marker, more, more.subarray(0, 20)]);
  for (const magic of [0, 1] as const) {
    const converted = downConvert(log, magic, limit);
    assert.ok([...batchSpans(converted)].every((s) => s.magic === magic));
    const read = readMessageSet(converted, limit);
    assert.deepEqual(
      read.map((r) => r.offset),
      [10, 11, 12, 14],
    );
    assert.deepEqual(
      read.map((r) => r.value?.toString()),
      ["v1", "v2".repeat(50), undefined, "x"],
    );
    if (magic === 1) {
      assert.deepEqual(
        read.map((r) => r.timestamp),
        [1000, 3000, 2000, 9],
      );
      assert.equal(read[3].timestampType, TimestampType.LOG_APPEND_TIME);
    }
  }
  const zstd = buildRecordBatch(input, { compression: CompressionType.ZSTD });
  assert.throws(
    () => downConvert(zstd, 1, limit),
    (e) => e instanceof RecordValidationError && e.errorCode === 76,
  );
  assert.deepEqual(downConvert(data, 1, limit).length > 0, true);
  assert.equal(magicForFetchVersion(0), 0);
  assert.equal(magicForFetchVersion(3), 1);
  assert.equal(magicForFetchVersion(4), 2);
});

test("fuzz: damaged legacy sets give ProtocolError on read and RecordValidationError on up-conversion", () => {
  const seeds = [0, 1].flatMap((magic) =>
    legacyCodecs.map((compression) => buildMessageSet(input, { magic: magic as 0 | 1, compression })),
  );
  fc.assert(
    fc.property(
      fc.nat(seeds.length - 1),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 }),
      (i, flips) => {
        const bad = Buffer.from(seeds[i]);
        for (const [at, x] of flips) bad[at % bad.length] ^= x;
        try {
          readMessageSet(bad, limit);
        } catch (e) {
          assert.ok(e instanceof ProtocolError, String(e));
        }
        try {
          upConvert(bad, limit);
        } catch (e) {
          assert.ok(e instanceof RecordValidationError, String(e));
        }
      },
    ),
    { numRuns: 300 },
  );
});
