import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CompressionType, buildRecordBatch, readBatchHeader } from "@samsa/protocol";
import { StorageError } from "./errors.js";
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, MAX_TIMESTAMP } from "./log.js";
import { testBatch } from "./testing/batches.js";
import { ManualClock, openTestLog } from "./testing/fixture.js";
import { SimFs } from "./testing/sim-fs.js";

function batchOffsets(records: Buffer): number[][] {
  const out: number[][] = [];
  let pos = 0;
  while (pos < records.length) {
    const h = readBatchHeader(records, pos);
    out.push([h.baseOffset, h.baseOffset + h.lastOffsetDelta]);
    pos += 12 + h.batchLength;
  }
  return out;
}

describe("Log append and read", () => {
  it("assigns offsets, stamps the leader epoch and reads batches back", async () => {
    const fs = new SimFs();
    const log = await openTestLog(fs, "/data/t-0");
    const a = await log.append(testBatch({ baseOffset: 99, records: 3 }), { assignOffsets: true, leaderEpoch: 5 });
    assert.deepEqual([a.baseOffset, a.lastOffset, a.position], [0, 2, 0]);
    const b = await log.append(Buffer.concat([testBatch({ records: 2 }), testBatch({ records: 1 })]), {
      assignOffsets: true,
      leaderEpoch: 5,
    });
    assert.deepEqual([b.baseOffset, b.lastOffset], [3, 5]);
    assert.equal(log.logEndOffset, 6);
    const read = await log.read(4, 1 << 20, { minOneMessage: true });
    assert.equal(read.firstBatchOffset, 3);
    assert.deepEqual(batchOffsets(read.records), [
      [3, 4],
      [5, 5],
    ]);
    assert.equal(readBatchHeader(read.records, 0).partitionLeaderEpoch, 5);
    read.release();
    assert.deepEqual(log.endOffsetForEpoch(5), { epoch: 5, startOffset: 0, endOffset: 6 });
  });

  it("returns whole batches only and honours KIP-74 for the first batch", async () => {
    const log = await openTestLog(new SimFs(), "/d/t-0");
    for (let i = 0; i < 3; i++) await log.append(testBatch({ payload: 100 }), { assignOffsets: true, leaderEpoch: 0 });
    const size = testBatch({ payload: 100 }).length;
    const two = await log.read(0, size * 2 + 10, { minOneMessage: true });
    assert.deepEqual(batchOffsets(two.records), [
      [0, 0],
      [1, 1],
    ]);
    const big = await log.read(1, 10, { minOneMessage: true });
    assert.deepEqual(batchOffsets(big.records), [[1, 1]]);
    const none = await log.read(1, 10, { minOneMessage: false });
    assert.equal(none.records.length, 0);
  });

  it("stops at maxOffset and at the log end; rejects out-of-range offsets", async () => {
    const log = await openTestLog(new SimFs(), "/d/t-0");
    for (let i = 0; i < 5; i++) await log.append(testBatch({ records: 2 }), { assignOffsets: true, leaderEpoch: 0 });
    const r = await log.read(0, 1 << 20, { minOneMessage: true, maxOffset: 6 });
    assert.deepEqual(batchOffsets(r.records), [
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
    assert.equal((await log.read(10, 100, { minOneMessage: true })).records.length, 0);
    await assert.rejects(
      log.read(11, 100, { minOneMessage: true }),
      (e: unknown) => e instanceof StorageError && e.errorCode === 1,
    );
  });

  it("rolls segments by size and finds offsets through the sparse index", async () => {
    const log = await openTestLog(new SimFs(), "/d/t-0", { config: { segmentBytes: 10_000, indexIntervalBytes: 500 } });
    for (let i = 0; i < 200; i++)
      await log.append(testBatch({ payload: 139, records: 2 }), { assignOffsets: true, leaderEpoch: 0 });
    assert.ok(log.segmentCount >= 4, `segments: ${log.segmentCount}`);
    for (const target of [0, 1, 77, 150, 251, 398, 399]) {
      const r = await log.read(target, 1, { minOneMessage: true });
      const [[first, last]] = batchOffsets(r.records);
      assert.ok(first <= target && target <= last, `offset ${target} in [${first}, ${last}]`);
    }
    const bases = log.segmentBaseOffsets;
    assert.deepEqual(
      bases,
      [...bases].sort((x, y) => x - y),
    );
  });

  it("reads batches much larger than the index interval and fetch size", async () => {
    const log = await openTestLog(new SimFs(), "/d/t-0", { config: { indexIntervalBytes: 100 } });
    for (let i = 0; i < 6; i++) {
      await log.append(testBatch({ payload: i % 2 === 0 ? 5000 : 10, records: 3 }), {
        assignOffsets: true,
        leaderEpoch: 0,
      });
    }
    for (const target of [0, 4, 7, 11, 17]) {
      const r = await log.read(target, 10, { minOneMessage: true });
      const [[first, last]] = batchOffsets(r.records);
      assert.ok(first <= target && target <= last, `offset ${target} in [${first}, ${last}]`);
      assert.equal(batchOffsets(r.records).length, 1);
      r.release();
    }
    const all = await log.read(0, 20_000, { minOneMessage: false });
    assert.equal(batchOffsets(all.records).length, 6);
    const cut = await log.read(3, 5100, { minOneMessage: false });
    assert.deepEqual(batchOffsets(cut.records), [[3, 5]]);
  });

  it("rolls by segment.ms", async () => {
    const clock = new ManualClock();
    const log = await openTestLog(new SimFs(), "/d/t-0", { clock, config: { segmentMs: 1000 } });
    await log.append(testBatch(), { assignOffsets: true, leaderEpoch: 0 });
    clock.advance(1001);
    await log.append(testBatch(), { assignOffsets: true, leaderEpoch: 0 });
    assert.deepEqual(log.segmentBaseOffsets, [0, 1]);
  });

  it("rejects oversized and corrupt batches with Kafka's codes", async () => {
    const log = await openTestLog(new SimFs(), "/d/t-0", { config: { maxMessageBytes: 200 } });
    await assert.rejects(log.append(testBatch({ payload: 500 }), { assignOffsets: true, leaderEpoch: 0 }), {
      errorCode: 10,
    });
    const bad = testBatch();
    bad.writeInt32BE(3, 8);
    await assert.rejects(log.append(bad, { assignOffsets: true, leaderEpoch: 0 }), { errorCode: 2 });
    await assert.rejects(
      log.append(testBatch({ payload: 100 }).subarray(0, 100), { assignOffsets: true, leaderEpoch: 0 }),
      { errorCode: 2 },
    );
    assert.equal(log.logEndOffset, 0);
  });

  it("keeps follower offsets and refuses to go backwards", async () => {
    const log = await openTestLog(new SimFs(), "/d/t-0");
    await log.append(testBatch({ baseOffset: 10, records: 5, leaderEpoch: 3 }), {
      assignOffsets: false,
      leaderEpoch: -1,
    });
    assert.equal(log.logEndOffset, 15);
    await assert.rejects(log.append(testBatch({ baseOffset: 12 }), { assignOffsets: false, leaderEpoch: -1 }), {
      code: "UNKNOWN_SERVER_ERROR",
    });
    assert.deepEqual(log.endOffsetForEpoch(3), { epoch: 3, startOffset: 10, endOffset: 15 });
  });

  it("stamps LogAppendTime batches with the broker clock and a valid CRC", async () => {
    const clock = new ManualClock(5_000_000);
    const log = await openTestLog(new SimFs(), "/d/t-0", { clock });
    const res = await log.append(testBatch({ logAppendTime: true, maxTimestamp: 1 }), {
      assignOffsets: true,
      leaderEpoch: 0,
    });
    assert.equal(res.logAppendTimeMs, 5_000_000);
    const r = await log.read(0, 1000, { minOneMessage: true });
    assert.equal(readBatchHeader(r.records, 0).maxTimestamp, 5_000_000);
    const { verifyBatchCrc } = await import("@samsa/protocol");
    assert.ok(verifyBatchCrc(r.records, 0));
  });
});

describe("Log timestamps", () => {
  it("finds offsets by timestamp across segments", async () => {
    const log = await openTestLog(new SimFs(), "/d/t-0", { config: { segmentBytes: 2000, indexIntervalBytes: 100 } });
    for (let i = 0; i < 100; i++)
      await log.append(testBatch({ payload: 40, maxTimestamp: 1000 + i * 10 }), {
        assignOffsets: true,
        leaderEpoch: 2,
      });
    assert.ok(log.segmentCount > 3);
    assert.deepEqual(await log.offsetForTimestamp(1000), { timestamp: 1000, offset: 0, leaderEpoch: 2 });
    assert.deepEqual(await log.offsetForTimestamp(1455), { timestamp: 1460, offset: 46, leaderEpoch: 2 });
    assert.deepEqual(await log.offsetForTimestamp(1990), { timestamp: 1990, offset: 99, leaderEpoch: 2 });
    assert.equal(await log.offsetForTimestamp(1991), undefined);
    assert.equal((await log.offsetForTimestamp(EARLIEST_TIMESTAMP))?.offset, 0);
    assert.equal((await log.offsetForTimestamp(LATEST_TIMESTAMP))?.offset, 100);
    assert.deepEqual(await log.offsetForTimestamp(MAX_TIMESTAMP), { timestamp: 1990, offset: 99, leaderEpoch: 2 });
  });

  it("answers at record level inside a batch", async () => {
    const log = await openTestLog(new SimFs(), "/d/t-0");
    await log.append(testBatch({ maxTimestamp: 50 }), { assignOffsets: true, leaderEpoch: 1 });
    const batch = buildRecordBatch(
      [100, 300, 200, 300].map((timestamp, i) => ({ key: `k${i}`, value: "v", timestamp })),
      { compression: CompressionType.GZIP },
    );
    await log.append(batch, { assignOffsets: true, leaderEpoch: 1 });
    assert.deepEqual(await log.offsetForTimestamp(150), { timestamp: 300, offset: 2, leaderEpoch: 1 });
    assert.deepEqual(await log.offsetForTimestamp(100), { timestamp: 100, offset: 1, leaderEpoch: 1 });
    assert.deepEqual(await log.offsetForTimestamp(MAX_TIMESTAMP), { timestamp: 300, offset: 2, leaderEpoch: 1 });
    assert.deepEqual(log.maxTimestampAndOffset(), { timestamp: 300, offset: 4, leaderEpoch: 1 }, "batch level");
  });
});
