import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { CompressionType, TimestampType } from "./attributes.js";
import { writeBatchCrc } from "./batch-header.js";
import { buildEndTxnMarkerBatch } from "./control-record.js";
import { buildRecordBatch } from "./record-batch.js";
import { validateRecordBatch, validateRecordBatchAsync } from "./validate.js";
import { MAX_RECORD_ERRORS, RecordValidationError } from "./validation-error.js";

const options = { maxUncompressedBytes: 1 << 20 };
const codecs = [
  CompressionType.NONE,
  CompressionType.GZIP,
  CompressionType.SNAPPY,
  CompressionType.LZ4,
  CompressionType.ZSTD,
];
const rejects = (code: string) => (e: unknown) => e instanceof RecordValidationError && e.code === code;

const records = [
  { key: "a", value: "1", timestamp: 100 },
  { key: null, value: "2", timestamp: 300 },
  { key: "c", value: "3", timestamp: 200 },
];

test("a good batch passes for every codec, reporting keyless records and the max timestamp", async () => {
  for (const compression of codecs) {
    const batch = buildRecordBatch(records, { compression });
    for (const result of [validateRecordBatch(batch, 0, options), await validateRecordBatchAsync(batch, 0, options)]) {
      assert.deepEqual(result.keylessRecords, [1]);
      assert.equal(result.keylessCount, 1);
      assert.equal(result.maxTimestamp, 300);
      assert.equal(result.offsetDeltaOfMaxTimestamp, 1);
      assert.equal(result.sizeInBytes, batch.length);
      assert.equal(result.header.recordCount, 3);
    }
  }
});

test("CRC and size problems are CORRUPT_MESSAGE", () => {
  const batch = buildRecordBatch(records);
  const flipped = Buffer.from(batch);
  flipped[flipped.length - 1] ^= 1;
  assert.throws(() => validateRecordBatch(flipped, 0, options), rejects("CORRUPT_MESSAGE"));
  assert.throws(() => validateRecordBatch(batch.subarray(0, batch.length - 1), 0, options), rejects("CORRUPT_MESSAGE"));
  assert.throws(() => validateRecordBatch(batch.subarray(0, 30), 0, options), rejects("CORRUPT_MESSAGE"));
});

test("verifyCrc: false skips only the checksum of a batch the broker built itself", () => {
  const batch = buildRecordBatch(records);
  const badCrc = Buffer.from(batch);
  badCrc.writeUInt32BE((badCrc.readUInt32BE(17) + 1) >>> 0, 17);
  assert.throws(() => validateRecordBatch(badCrc, 0, options), rejects("CORRUPT_MESSAGE"));
  assert.equal(validateRecordBatch(badCrc, 0, { ...options, verifyCrc: false }).header.recordCount, records.length);
  assert.throws(
    () => validateRecordBatch(batch.subarray(0, batch.length - 1), 0, { ...options, verifyCrc: false }),
    rejects("CORRUPT_MESSAGE"),
  );
});

function patched(batch: Buffer, edit: (b: Buffer) => void): Buffer {
  const copy = Buffer.from(batch);
  edit(copy);
  writeBatchCrc(copy, 0);
  return copy;
}

test("header inconsistencies are INVALID_RECORD", () => {
  const batch = buildRecordBatch(records);
  assert.throws(
    () =>
      validateRecordBatch(
        patched(batch, (b) => b.writeInt32BE(5, 57)),
        0,
        options,
      ),
    rejects("INVALID_RECORD"),
  );
  assert.throws(
    () =>
      validateRecordBatch(
        patched(batch, (b) => b.writeInt32BE(7, 23)),
        0,
        options,
      ),
    rejects("INVALID_RECORD"),
  );
  const withPid = buildRecordBatch(records, { producerId: 5, producerEpoch: 0, baseSequence: -1 });
  assert.throws(() => validateRecordBatch(withPid, 0, options), rejects("INVALID_RECORD"));
  const marker = buildEndTxnMarkerBatch({
    producerId: 1,
    producerEpoch: 0,
    coordinatorEpoch: 0,
    commit: false,
    timestamp: 0,
  });
  assert.throws(() => validateRecordBatch(marker, 0, options), rejects("INVALID_RECORD"));
  assert.equal(validateRecordBatch(marker, 0, { ...options, origin: "coordinator" }).header.recordCount, 1);
  assert.throws(
    () =>
      validateRecordBatch(
        patched(batch, (b) => b.writeInt16BE(6, 21)),
        0,
        options,
      ),
    rejects("UNKNOWN_SERVER_ERROR"),
  );
  const nonZeroBase = buildRecordBatch(records, { baseOffset: 5 });
  assert.throws(() => validateRecordBatch(nonZeroBase, 0, options), rejects("INVALID_RECORD"));
  assert.equal(validateRecordBatch(nonZeroBase, 0, { ...options, origin: "coordinator" }).header.baseOffset, 5);
});

test("non-contiguous offset deltas are INVALID_RECORD with the record's index", () => {
  const gappy = buildRecordBatch([{ value: "a" }, { value: "b", offsetDelta: 2 }], { lastOffsetDelta: 1 });
  assert.throws(
    () => validateRecordBatch(gappy, 0, options),
    (e) => rejects("INVALID_RECORD")(e) && (e as RecordValidationError).recordErrors[0].batchIndex === 1,
  );
});

test("timestamps outside the bounds are INVALID_TIMESTAMP per record", () => {
  const batch = buildRecordBatch(records, { compression: CompressionType.LZ4 });
  assert.throws(
    () => validateRecordBatch(batch, 0, { ...options, timestampBounds: { minMs: 150, maxMs: 250 } }),
    (e) =>
      e instanceof RecordValidationError &&
      e.errorCode === 32 &&
      e.recordErrors.map((r) => r.batchIndex).join() === "0,1",
  );
});

test("zstd is refused for old produce versions", () => {
  const zstd = buildRecordBatch(records, { compression: CompressionType.ZSTD });
  assert.throws(
    () => validateRecordBatch(zstd, 0, { ...options, allowZstd: false }),
    rejects("UNSUPPORTED_COMPRESSION_TYPE"),
  );
  assert.equal(validateRecordBatch(zstd, 0, options).header.recordCount, 3);
});

test("NO_TIMESTAMP passes the range check; a client's LogAppendTime batch is refused unless range-checked", () => {
  const untimed = buildRecordBatch([{ value: "a" }]);
  assert.equal(
    validateRecordBatch(untimed, 0, { ...options, timestampBounds: { minMs: 0, maxMs: 10 } }).maxTimestamp,
    -1,
  );
  const lat = buildRecordBatch([{ value: "a", timestamp: 5 }], {
    timestampType: TimestampType.LOG_APPEND_TIME,
    logAppendTime: 5,
  });
  assert.throws(() => validateRecordBatch(lat, 0, options), rejects("INVALID_TIMESTAMP"));
  assert.equal(validateRecordBatch(lat, 0, { ...options, timestampBounds: { minMs: 0, maxMs: 10 } }).maxTimestamp, 5);
});

test("inflating past the bound is refused", () => {
  const big = buildRecordBatch([{ value: Buffer.alloc(100_000) }], { compression: CompressionType.ZSTD });
  assert.throws(() => validateRecordBatch(big, 0, { maxUncompressedBytes: 50_000 }), rejects("INVALID_RECORD"));
});

test("fuzz: any byte change yields a RecordValidationError or a valid result, never a crash", () => {
  const seeds = codecs.map((compression) => buildRecordBatch(records, { compression }));
  fc.assert(
    fc.property(
      fc.nat(seeds.length - 1),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
      fc.boolean(),
      (i, flips, fixCrc) => {
        const bad = Buffer.from(seeds[i]);
        for (const [at, x] of flips) bad[at % bad.length] ^= x;
        if (fixCrc && bad.readInt32BE(8) === seeds[i].length - 12) writeBatchCrc(bad, 0);
        try {
          validateRecordBatch(bad, 0, options);
        } catch (e) {
          assert.ok(e instanceof RecordValidationError, String(e));
        }
      },
    ),
    { numRuns: 500 },
  );
});

test("keyless records: all are counted, the first MAX_RECORD_ERRORS listed", () => {
  const keyless = Array.from({ length: 250 }, (_, i) => ({ key: i === 0 ? "k" : null, value: "v" }));
  const result = validateRecordBatch(buildRecordBatch(keyless), 0, options);
  assert.equal(result.keylessCount, 249);
  assert.deepEqual(
    result.keylessRecords,
    Array.from({ length: MAX_RECORD_ERRORS }, (_, i) => i + 1),
  );
});
