import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { IndexCache } from "./index/index-cache.js";
import { testBatch } from "./testing/batches.js";
import { ManualClock, openTestLog } from "./testing/fixture.js";
import { SimFs } from "./testing/sim-fs.js";

const append = (log: Awaited<ReturnType<typeof openTestLog>>, opts: Parameters<typeof testBatch>[0] = {}, epoch = 0) =>
  log.append(testBatch(opts), { assignOffsets: true, leaderEpoch: epoch });

describe("Log flush (group commit)", () => {
  it("shares one fsync round among concurrent flushes", async () => {
    const fs = new SimFs();
    const log = await openTestLog(fs, "/d/t-0");
    for (let i = 0; i < 50; i++) await append(log);
    const syncsBefore = fs.fileSyncs;
    const results = await Promise.all(Array.from({ length: 50 }, () => log.flush()));
    assert.equal(log.flushRounds, 1);
    assert.deepEqual(new Set(results), new Set([50]));
    assert.equal(fs.fileSyncs - syncsBefore, 1, "one fdatasync of the active .log (indexes are rebuilt by recovery)");
    assert.equal(log.recoveryPoint, 50);
    assert.equal(await log.flush(), 50);
    assert.equal(log.flushRounds, 1, "nothing new: no fsync");
  });

  it("batches concurrent produce+flush callers into few rounds", async () => {
    const log = await openTestLog(new SimFs(2), "/d/t-0");
    await Promise.all(
      Array.from({ length: 100 }, async () => {
        const r = await append(log);
        assert.ok((await log.flush(r.lastOffset + 1)) > r.lastOffset);
      }),
    );
    assert.ok(log.flushRounds <= 3, `rounds: ${log.flushRounds}`);
    assert.equal(log.recoveryPoint, 100);
  });
});

describe("Log truncation", () => {
  it("truncates across segments to a batch boundary and appends again", async () => {
    const log = await openTestLog(new SimFs(), "/d/t-0", { config: { segmentBytes: 500, indexIntervalBytes: 50 } });
    for (let i = 0; i < 30; i++) await append(log, { payload: 39, records: 2 }, i < 15 ? 1 : 2);
    assert.ok(log.segmentCount > 3);
    await log.flush();
    assert.equal(await log.truncateTo(21), true);
    assert.equal(log.logEndOffset, 20, "the batch holding 21 goes whole");
    assert.equal(log.recoveryPoint, 20);
    assert.deepEqual(log.endOffsetForEpoch(1), { epoch: 1, startOffset: 0, endOffset: 20 });
    assert.equal(log.leaderEpochCache.latest?.epoch, 1);
    assert.equal(await log.truncateTo(25), false);
    const r = await append(log, { payload: 39 }, 3);
    assert.equal(r.baseOffset, 20);
    assert.equal((await log.read(19, 1000, { minOneMessage: true })).firstBatchOffset, 18);
  });

  it("truncates fully below the first segment", async () => {
    const log = await openTestLog(new SimFs(), "/d/t-0");
    for (let i = 0; i < 5; i++) await append(log);
    await log.truncateFullyAndStartAt(100);
    assert.equal(log.logStartOffset, 100);
    assert.equal(log.logEndOffset, 100);
    assert.equal((await append(log)).baseOffset, 100);
  });
});

describe("Log start offset and retention", () => {
  it("DeleteRecords moves the log start offset up to the high watermark", async () => {
    const log = await openTestLog(new SimFs(), "/d/t-0", { config: { segmentBytes: 300 } });
    for (let i = 0; i < 20; i++) await append(log, { payload: 39 });
    log.highWatermark = 15;
    await assert.rejects(log.deleteRecordsBefore(16), { errorCode: 1 });
    assert.equal(await log.deleteRecordsBefore(7), 7);
    assert.equal(log.segmentBaseOffsets[0], 6, "segments wholly below go");
    await assert.rejects(log.read(6, 100, { minOneMessage: true }), { errorCode: 1 });
    assert.equal((await log.read(7, 100, { minOneMessage: true })).firstBatchOffset, 7);
  });

  it("deletes segments by retention.bytes and retention.ms, never above the high watermark", async () => {
    const clock = new ManualClock(1_000_000);
    const log = await openTestLog(new SimFs(), "/d/t-0", {
      clock,
      config: { segmentBytes: 300, retentionBytes: 700, retentionMs: -1 },
    });
    for (let i = 0; i < 20; i++) await append(log, { payload: 39, maxTimestamp: clock.now + i * 1000 });
    const segments = log.segmentCount;
    log.highWatermark = 0;
    assert.equal(await log.deleteOldSegments(), 0, "nothing below the high watermark");
    log.highWatermark = 20;
    const deleted = await log.deleteOldSegments();
    assert.ok(deleted > 0);
    assert.equal(log.segmentCount, segments - deleted);
    assert.ok(log.sizeInBytes <= 700 + 300);
    assert.equal(log.logStartOffset, log.segmentBaseOffsets[0]);

    log.config = { ...log.config, retentionBytes: -1, retentionMs: 10_000 };
    clock.advance(100_000);
    await log.deleteOldSegments();
    assert.equal(log.logStartOffset, 20, "all expired: the active segment is rolled and deleted too");
    assert.equal(log.logEndOffset, 20);
    assert.equal((await append(log)).baseOffset, 20);
  });
});

describe("Log index memory", () => {
  it("stays within the index cache bound and still finds every offset", async () => {
    const indexCache = new IndexCache(512);
    const fs = new SimFs();
    const config = { segmentBytes: 3000, indexIntervalBytes: 10 };
    const log = await openTestLog(fs, "/d/t-0", { indexCache, config });
    for (let i = 0; i < 300; i++) {
      await append(log, { payload: 20, records: 2, maxTimestamp: i });
      if (i % 10 === 0) await log.flush();
    }
    await log.flush();
    assert.ok(log.segmentCount > 5);
    for (const target of [0, 77, 301, 455, 599, 598, 1, 300]) {
      const r = await log.read(target, 1, { minOneMessage: true });
      const base = r.firstBatchOffset;
      assert.ok(base <= target && target <= base + 1, `offset ${target} in batch at ${base}`);
      assert.ok(indexCache.memoryBytes <= 512 + 16 * 12, `index memory ${indexCache.memoryBytes}`);
    }
    assert.equal((await log.offsetForTimestamp(123))?.offset, 246);
    await log.close();
    const reopened = await openTestLog(fs, "/d/t-0", { indexCache, config, hadCleanShutdown: true });
    assert.equal((await reopened.read(333, 1, { minOneMessage: true })).firstBatchOffset, 332);
  });
});

describe("Log delete", () => {
  it("removes the directory and refuses further use", async () => {
    const fs = new SimFs();
    const log = await openTestLog(fs, "/d/t-0");
    await append(log);
    await log.delete();
    assert.equal(await fs.exists("/d/t-0"), false);
    assert.deepEqual(await fs.readdir("/d"), []);
    await assert.rejects(log.read(0, 100, { minOneMessage: true }), { errorCode: 56 });
  });
});

describe("Log I/O failures", () => {
  it("fails the whole log after a failed write, and reopening recovers a consistent log", async () => {
    const fs = new SimFs();
    const log = await openTestLog(fs, "/d/t-0");
    for (let i = 0; i < 3; i++) await append(log, { payload: 50 });
    await log.flush();
    fs.failNext = "write";
    await assert.rejects(append(log, { payload: 50 }), { code: "KAFKA_STORAGE_ERROR", errorCode: 56 });
    assert.equal(log.failed, true);
    await assert.rejects(append(log), { errorCode: 56 }, "no append after a half-done one");
    await assert.rejects(log.read(0, 100, { minOneMessage: true }), { errorCode: 56 });
    const reopened = await openTestLog(fs, "/d/t-0", { recoveryPoint: 3 });
    assert.equal(reopened.logEndOffset, 3, "the torn half batch is cut");
    assert.equal((await append(reopened)).baseOffset, 3);
  });

  it("fails the log when fsync fails (the page cache can no longer be trusted)", async () => {
    const fs = new SimFs();
    const log = await openTestLog(fs, "/d/t-0");
    await append(log);
    fs.failNext = "sync";
    await assert.rejects(log.flush(), { errorCode: 56 });
    assert.equal(log.recoveryPoint, 0);
    assert.equal(log.failed, true);
    await log.close();
  });
});
