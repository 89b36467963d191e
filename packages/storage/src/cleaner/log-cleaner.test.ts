import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CompressionType, buildRecordBatch, readRecordBatch, verifyBatchCrc } from "@samsa/protocol";
import type { Log } from "../log.js";
import { ManualClock, openTestLog } from "../testing/fixture.js";
import { SimFs } from "../testing/sim-fs.js";
import { cleanLog, defaultCleanerLimits } from "./log-cleaner.js";

const config = {
  segmentBytes: 600,
  indexIntervalBytes: 100,
  cleanupPolicy: "compact" as const,
  deleteRetentionMs: 1000,
};

/** offset -> [key, value] of every record in the log. */
async function records(log: Log): Promise<Map<number, [string, string | null]>> {
  const out = new Map<number, [string, string | null]>();
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const r = await log.read(offset, 1 << 20, { minOneMessage: true });
    if (r.records.length === 0) break;
    let pos = 0;
    while (pos < r.records.length) {
      assert.ok(verifyBatchCrc(r.records, pos));
      const batch = readRecordBatch(r.records, pos);
      for (const rec of batch) {
        out.set(batch.header.baseOffset + rec.offsetDelta, [
          String(rec.key),
          rec.value === null ? null : String(rec.value),
        ]);
      }
      offset = batch.header.baseOffset + batch.header.lastOffsetDelta + 1;
      pos += 12 + batch.header.batchLength;
    }
  }
  return out;
}

function latestPerKey(all: Map<number, [string, string | null]>): Map<number, [string, string | null]> {
  const last = new Map<string, number>();
  for (const [offset, [key]] of all) last.set(key, offset);
  return new Map([...all].filter(([offset, [key]]) => last.get(key) === offset));
}

async function fill(
  log: Log,
  clock: ManualClock,
  n: number,
  keys: number,
  compression: CompressionType = CompressionType.NONE,
) {
  for (let i = 0; i < n; i++) {
    const batch = buildRecordBatch(
      [
        { key: `k${i % keys}`, value: `v${i}`, timestamp: clock.now },
        { key: `k${(i + 1) % keys}`, value: `w${i}`, timestamp: clock.now },
      ],
      { compression },
    );
    await log.append(batch, { assignOffsets: true, leaderEpoch: 0 });
  }
}

describe("log cleaner", () => {
  it("keeps the latest record per key at its original offset", async () => {
    const clock = new ManualClock();
    const log = await openTestLog(new SimFs(), "/d/c-0", { clock, config });
    await fill(log, clock, 60, 5);
    await log.rollNow();
    log.highWatermark = log.logEndOffset;
    const before = await records(log);
    const leo = log.logEndOffset;
    const result = await cleanLog(log, 0, clock.now);
    assert.ok(result && result.segmentsCleaned > 0 && result.recordsRemoved > 0);
    assert.equal(result.firstDirtyOffset, leo);
    assert.deepEqual(await records(log), latestPerKey(before));
    assert.equal(log.logEndOffset, leo);
    assert.ok(log.sizeInBytes < result.bytesBefore + 100);
    // A fetch at a removed offset returns the next retained batch.
    const r = await log.read(3, 1000, { minOneMessage: true });
    assert.ok(r.firstBatchOffset > 3);
    assert.equal(await cleanLog(log, result.firstDirtyOffset, clock.now), undefined, "nothing dirty");
  });

  it("converges over several passes with a small offset map, compressed batches too", async () => {
    const clock = new ManualClock();
    const log = await openTestLog(new SimFs(), "/d/c-0", { clock, config });
    await fill(log, clock, 50, 12, CompressionType.GZIP);
    await log.rollNow();
    log.highWatermark = log.logEndOffset;
    const expected = latestPerKey(await records(log));
    let dirty = 0;
    let passes = 0;
    for (;;) {
      const r = await cleanLog(log, dirty, clock.now, { ...defaultCleanerLimits, maxMapEntries: 4 });
      if (!r) break;
      dirty = r.firstDirtyOffset;
      passes++;
    }
    assert.ok(passes > 1, `passes: ${passes}`);
    assert.deepEqual(await records(log), expected);
  });

  it("drops tombstones older than delete.retention.ms and never cleans above the high watermark", async () => {
    const clock = new ManualClock();
    const log = await openTestLog(new SimFs(), "/d/c-0", { clock, config });
    await fill(log, clock, 20, 3);
    await log.append(buildRecordBatch([{ key: "k0", value: null, timestamp: clock.now }]), {
      assignOffsets: true,
      leaderEpoch: 0,
    });
    await log.rollNow();
    log.highWatermark = 10;
    const r1 = await cleanLog(log, 0, clock.now);
    assert.equal(r1?.firstDirtyOffset, 10);
    log.highWatermark = log.logEndOffset;
    const r2 = await cleanLog(log, 10, clock.now);
    assert.ok(r2);
    const fresh = await records(log);
    assert.deepEqual(
      [...fresh.values()].find(([k]) => k === "k0"),
      ["k0", null],
      "recent tombstone kept",
    );
    clock.advance(5000);
    await fill(log, clock, 1, 3);
    await log.rollNow();
    log.highWatermark = log.logEndOffset;
    await cleanLog(log, r2.firstDirtyOffset, clock.now);
    const later = await records(log);
    assert.equal(
      [...later.values()].some(([k, v]) => k === "k0" && v === null),
      false,
      "old tombstone dropped",
    );
  });

  it("survives a restart, and leftovers of an interrupted clean are discarded", async () => {
    const fs = new SimFs();
    const clock = new ManualClock();
    const log = await openTestLog(fs, "/d/c-0", { clock, config });
    await fill(log, clock, 40, 4);
    await log.rollNow();
    log.highWatermark = log.logEndOffset;
    await cleanLog(log, 0, clock.now);
    const cleaned = await records(log);
    await log.close();
    const h = await fs.open("/d/c-0/00000000000000000000.log.cleaned", "wx+");
    await h.close();
    const reopened = await openTestLog(fs, "/d/c-0", { clock, config, recoveryPoint: 0 });
    assert.deepEqual(await records(reopened), cleaned);
    assert.equal(await fs.exists("/d/c-0/00000000000000000000.log.cleaned"), false);
  });
  for (const compression of [CompressionType.SNAPPY, CompressionType.GZIP, CompressionType.LZ4, CompressionType.ZSTD]) {
    it(`keeps exactly the last value per key at its original offset in compressed batches (codec ${compression})`, async () => {
      const clock = new ManualClock();
      const log = await openTestLog(new SimFs(), "/d/c-0", { clock, config: { ...config, segmentBytes: 2000 } });
      // Batches of several records whose keys repeat within and across batches, as librdkafka's
      // test 0077 produces them.
      for (let b = 0; b < 12; b++) {
        const batch = buildRecordBatch(
          Array.from({ length: 8 }, (_, i) => ({
            key: `k${(b * 8 + i * 3) % 7}`,
            value: `msgid-${b * 8 + i}`,
            timestamp: clock.now,
          })),
          { compression },
        );
        await log.append(batch, { assignOffsets: true, leaderEpoch: 0 });
      }
      await log.rollNow();
      log.highWatermark = log.logEndOffset;
      const before = await records(log);
      assert.equal(before.size, 96);
      for (const [offset, [, value]] of before) assert.equal(value, `msgid-${offset}`);
      const result = await cleanLog(log, 0, clock.now);
      assert.ok(result && result.recordsRemoved > 0);
      const after = await records(log);
      assert.deepEqual(after, latestPerKey(before));
      assert.equal(after.size, 7);
    });
  }
});
