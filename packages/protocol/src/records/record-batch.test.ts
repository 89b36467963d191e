import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { ProtocolError } from "../primitives/protocol-error.js";
import {
  CompressionType,
  compressionType,
  isControl,
  isTransactional,
  TimestampType,
  timestampType,
} from "./attributes.js";
import { readBatchHeader, verifyBatchCrc } from "./batch-header.js";
import {
  buildEndTxnMarkerBatch,
  ControlRecordType,
  decodeEndTransactionMarker,
  readControlRecordType,
} from "./control-record.js";
import { buildRecordBatch, buildRecordBatchAsync, readRecordBatch, readRecordBatchAsync } from "./record-batch.js";
import { newRecordScan, type RecordInput, scanRecord } from "./record.js";
import { recompressRecordBatch, recompressRecordBatchAsync } from "./recompress.js";
import { setLogAppendTime } from "./timestamps.js";

const codecs = [
  CompressionType.NONE,
  CompressionType.GZIP,
  CompressionType.SNAPPY,
  CompressionType.LZ4,
  CompressionType.ZSTD,
];

const recordArb: fc.Arbitrary<RecordInput> = fc.record({
  key: fc.option(
    fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a)),
    { nil: null },
  ),
  value: fc.option(
    fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
    { nil: null },
  ),
  headers: fc.array(
    fc.record({
      key: fc.string({ maxLength: 10 }),
      value: fc.option(
        fc.uint8Array({ maxLength: 10 }).map((a) => Buffer.from(a)),
        { nil: null },
      ),
    }),
    { maxLength: 3 },
  ),
  timestamp: fc.integer({ min: 0, max: 2 ** 45 }),
});

test("built batches read back field for field, for every codec", () => {
  fc.assert(
    fc.property(fc.array(recordArb, { minLength: 1, maxLength: 20 }), fc.constantFrom(...codecs), (records, codec) => {
      const batch = buildRecordBatch(records, {
        compression: codec,
        baseOffset: 1000,
        producerId: 7,
        producerEpoch: 1,
        baseSequence: 3,
      });
      assert.ok(verifyBatchCrc(batch, 0));
      const view = readRecordBatch(batch);
      assert.equal(view.header.recordCount, records.length);
      assert.equal(view.header.lastOffsetDelta, records.length - 1);
      assert.equal(view.header.baseOffset, 1000);
      assert.equal(view.header.producerId, 7);
      assert.equal(view.header.baseSequence, 3);
      assert.equal(view.header.maxTimestamp, Math.max(...records.map((r) => r.timestamp ?? -1)));
      const decoded = [...view];
      decoded.forEach((d, i) => {
        const r = records[i];
        assert.equal(d.offsetDelta, i);
        assert.equal(view.header.baseTimestamp + d.timestampDelta, r.timestamp);
        assert.deepEqual(d.key, r.key);
        assert.deepEqual(d.value, r.value);
        assert.deepEqual(
          d.headers.map((h) => [h.key.toString(), h.value]),
          (r.headers ?? []).map((h) => [h.key, h.value]),
        );
      });
    }),
    { numRuns: 60 },
  );
});

test("async build and read agree with sync", async () => {
  const records = [
    { key: "k", value: "v".repeat(5000), timestamp: 10 },
    { value: null, timestamp: 5 },
  ];
  for (const compression of codecs) {
    const batch = await buildRecordBatchAsync(records, { compression });
    const view = await readRecordBatchAsync(batch);
    const decoded = [...view];
    assert.equal(decoded[0].value?.toString(), "v".repeat(5000));
    assert.equal(decoded[1].value, null);
    assert.equal(decoded[1].timestampDelta, -5);
    assert.equal(view.header.maxTimestamp, 10);
  }
});

test("reading refuses truncated batches and inflation past the bound", () => {
  const batch = buildRecordBatch([{ value: Buffer.alloc(10_000) }], { compression: CompressionType.GZIP });
  assert.throws(() => readRecordBatch(batch.subarray(0, batch.length - 1)), ProtocolError);
  assert.throws(
    () => readRecordBatch(batch, 0, 5000),
    (e) => e instanceof ProtocolError && e.code === "TOO_LARGE",
  );
});

test("known bytes: a one-record batch as the Java client lays it out", () => {
  const batch = buildRecordBatch([{ key: "k", value: "v", timestamp: 1_000 }], { timestamp: 1_000 });
  // record: length 8 (zigzag 0x10) | attrs 0 | tsDelta 0 | offsetDelta 0 | key len 1 (0x02) 'k' |
  // value len 1 'v' | 0 headers
  const record = Buffer.from("10 00 00 00 02 6b 02 76 00".replace(/ /g, ""), "hex");
  assert.deepEqual(batch.subarray(61), record);
  assert.equal(batch.length, 61 + record.length);
  assert.equal(batch.readInt32BE(8), 49 + record.length);
});

test("LogAppendTime stamping changes maxTimestamp and type and keeps the CRC valid", () => {
  const batch = buildRecordBatch([{ value: "a", timestamp: 5 }]);
  setLogAppendTime(batch, 0, 99);
  const h = readBatchHeader(batch);
  assert.equal(h.maxTimestamp, 99);
  assert.equal(timestampType(h.attributes), TimestampType.LOG_APPEND_TIME);
  assert.ok(verifyBatchCrc(batch, 0));
});

test("transaction markers build and decode", () => {
  const batch = buildEndTxnMarkerBatch({
    producerId: 42,
    producerEpoch: 3,
    coordinatorEpoch: 9,
    commit: true,
    timestamp: 77,
  });
  const view = readRecordBatch(batch);
  assert.ok(isControl(view.header.attributes));
  assert.ok(isTransactional(view.header.attributes));
  assert.equal(view.header.producerId, 42);
  const [marker] = [...view];
  assert.equal(readControlRecordType(marker.key), ControlRecordType.COMMIT);
  assert.deepEqual(decodeEndTransactionMarker(marker.key, marker.value), { commit: true, coordinatorEpoch: 9 });
  assert.deepEqual(marker.key, Buffer.from("00000001", "hex"));
  assert.deepEqual(marker.value, Buffer.from("000000000009", "hex"));
  assert.throws(() => decodeEndTransactionMarker(Buffer.from("0000", "hex"), marker.value), ProtocolError);
});

test("fuzz: reading a damaged batch throws only ProtocolError", () => {
  const seeds = codecs.map((compression) =>
    buildRecordBatch([{ key: "k", value: "v".repeat(50), headers: [{ key: "h", value: "x" }] }, { value: null }], {
      compression,
    }),
  );
  fc.assert(
    fc.property(
      fc.nat(seeds.length - 1),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
      (i, flips) => {
        const bad = Buffer.from(seeds[i]);
        for (const [at, x] of flips) bad[at % bad.length] ^= x;
        try {
          for (const r of readRecordBatch(bad, 0, 1 << 16)) assert.ok(r.offsetDelta !== undefined);
        } catch (e) {
          assert.ok(e instanceof ProtocolError, String(e));
        }
      },
    ),
    { numRuns: 400 },
  );
});

test("recompression changes only the codec: header fields and records survive, CRC is valid", async () => {
  const records = [
    { key: "k", value: "v".repeat(300), timestamp: 3 },
    { value: "w", timestamp: 4 },
  ];
  const original = buildRecordBatch(records, {
    baseOffset: 50,
    producerId: 9,
    producerEpoch: 1,
    baseSequence: 2,
    transactional: true,
  });
  for (const from of codecs) {
    const source = from === CompressionType.NONE ? original : recompressRecordBatch(original, 0, from, 1 << 20);
    for (const to of codecs) {
      for (const batch of [
        recompressRecordBatch(source, 0, to, 1 << 20),
        await recompressRecordBatchAsync(source, 0, to, 1 << 20),
      ]) {
        assert.ok(verifyBatchCrc(batch, 0));
        const view = readRecordBatch(batch);
        assert.equal(compressionType(view.header.attributes), to);
        assert.ok(isTransactional(view.header.attributes));
        assert.deepEqual(
          { ...view.header, attributes: 0, crc: 0, batchLength: 0 },
          { ...readBatchHeader(original), attributes: 0, crc: 0, batchLength: 0 },
        );
        assert.deepEqual(
          [...view].map((r) => r.value?.toString()),
          ["v".repeat(300), "w"],
        );
      }
    }
  }
});

test("multi-byte varints: offset deltas past 4095, negative and large timestamp deltas, cut varints", () => {
  const base = 1_700_000_000_000;
  const input = Array.from({ length: 5000 }, (_, i) => ({
    value: i % 7 === 0 ? Buffer.alloc(300, i % 256) : null,
    timestamp: base + (i % 3 === 0 ? -i * 1_000_003 : i * 7_919_000_000),
  }));
  const batch = buildRecordBatch(input);
  const read = [...readRecordBatch(batch)];
  assert.deepEqual(
    read.map((r) => r.offsetDelta),
    input.map((_, i) => i),
  );
  assert.deepEqual(
    read.map((r) => base + r.timestampDelta),
    input.map((r) => r.timestamp),
  );
  assert.deepEqual(
    read.map((r) => r.value?.length ?? -1),
    input.map((r) => r.value?.length ?? -1),
  );
  // A record whose length varint is cut at the end of the region: a typed error, not a crash.
  const region = Buffer.from([0x80]);
  assert.throws(
    () => scanRecord(region, 0, newRecordScan()),
    (e: unknown) => e instanceof ProtocolError,
  );
});
