import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Random, seededRandom } from "@samsa/common";
import { buildRecordBatch, readBatchHeader, readRecordBatch, verifyBatchCrc } from "@samsa/protocol";
import { cleanLog } from "./cleaner/log-cleaner.js";
import { StorageError } from "./errors.js";
import { IndexCache } from "./index/index-cache.js";
import type { Log } from "./log.js";
import { ManualClock, openTestLog } from "./testing/fixture.js";
import { SimFs } from "./testing/sim-fs.js";

const pick = (r: Random, n: number) => Math.floor(r.next() * n);

/** Checks a read: whole batches, valid CRCs, contiguous, and each record is what was appended at its offset. */
function checkRead(records: Buffer, fetchOffset: number, appended: Map<number, string>, compacted: boolean): void {
  let pos = 0;
  let expectedBase: number | undefined;
  while (pos < records.length) {
    const h = readBatchHeader(records, pos);
    assert.ok(verifyBatchCrc(records, pos), `CRC of batch ${h.baseOffset}`);
    if (expectedBase !== undefined && !compacted) assert.equal(h.baseOffset, expectedBase);
    if (expectedBase === undefined)
      assert.ok(h.baseOffset + h.lastOffsetDelta >= fetchOffset, "first batch holds or follows the fetch offset");
    for (const rec of readRecordBatch(records, pos)) {
      const offset = h.baseOffset + rec.offsetDelta;
      assert.equal(String(rec.value), appended.get(offset), `record at ${offset}`);
    }
    expectedBase = h.baseOffset + h.lastOffsetDelta + 1;
    pos += 12 + h.batchLength;
  }
}

async function run(seed: number, compact: boolean): Promise<void> {
  const random = seededRandom(seed);
  const clock = new ManualClock();
  const log: Log = await openTestLog(new SimFs(0, seededRandom(seed * 7919)), "/d/sim-0", {
    clock,
    // Odd seeds squeeze index memory so indexes are evicted and reloaded under load.
    indexCache: new IndexCache(seed % 2 === 1 ? 256 : 1 << 20),
    config: {
      segmentBytes: 400 + pick(random, 800),
      indexIntervalBytes: 64,
      retentionBytes: compact ? -1 : 3000,
      retentionMs: -1,
      cleanupPolicy: compact ? "compact" : "delete",
    },
  });
  const appended = new Map<number, string>();
  let done = false;
  let reads = 0;
  let janitorWork = 0;
  const producer = async () => {
    for (let i = 0; i < 150; i++) {
      const n = 1 + pick(random, 3);
      const values = Array.from({ length: n }, (_, j) => `s${seed}-${i}-${j}`);
      const batch = buildRecordBatch(values.map((value) => ({ key: `k${pick(random, 6)}`, value })));
      const res = await log.append(batch, { assignOffsets: true, leaderEpoch: 0 });
      for (const [j, v] of values.entries()) appended.set(res.baseOffset + j, v);
      if (random.next() < 0.3) log.highWatermark = await log.flush();
      if (random.next() < 0.1) await new Promise((r) => setImmediate(r));
    }
    log.highWatermark = await log.flush();
    done = true;
  };
  const consumer = async () => {
    while (!done) {
      const start = log.logStartOffset;
      const offset = start + pick(random, Math.max(1, log.highWatermark - start + 1));
      try {
        const r = await log.read(offset, 50 + pick(random, 600), { minOneMessage: true, maxOffset: log.highWatermark });
        checkRead(r.records, offset, appended, compact);
        r.release();
        reads++;
      } catch (err) {
        // Retention may move the log start past the chosen offset meanwhile.
        if (!(err instanceof StorageError && err.code === "OFFSET_OUT_OF_RANGE")) throw err;
      }
      await new Promise((r) => setImmediate(r));
    }
  };
  const janitor = async () => {
    let firstDirty = 0;
    while (!done) {
      if (compact) {
        const r = await cleanLog(log, firstDirty, clock.now);
        if (r) firstDirty = r.firstDirtyOffset;
        janitorWork += r?.segmentsCleaned ?? 0;
      } else {
        janitorWork += await log.deleteOldSegments();
      }
      await new Promise((r) => setImmediate(r));
    }
  };
  await Promise.all([producer(), consumer(), consumer(), janitor()]);
  assert.ok(reads > 10, `seed ${seed}: reads ${reads}`);
  assert.ok(janitorWork > 0, `seed ${seed}: segments deleted or cleaned meanwhile`);
  assert.equal(log.logEndOffset, Math.max(...appended.keys()) + 1);
}

describe("Log under concurrent produce, fetch, retention and compaction (seeded)", () => {
  it("serves only whole, valid, correctly numbered batches with retention running", async () => {
    for (let seed = 1; seed <= 8; seed++) await run(seed, false);
  });

  it("serves only whole, valid, correctly numbered batches with the cleaner running", async () => {
    for (let seed = 1; seed <= 8; seed++) await run(seed, true);
  });
});
