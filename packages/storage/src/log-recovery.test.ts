import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { seededRandom } from "@samsa/common";
import { readBatchHeader, verifyBatchCrc } from "@samsa/protocol";
import { IndexCache } from "./index/index-cache.js";
import type { Log } from "./log.js";
import { testBatch } from "./testing/batches.js";
import { openTestLog } from "./testing/fixture.js";
import { SimFs } from "./testing/sim-fs.js";

const DIR = "/data/t-0";
const seg0 = `${DIR}/00000000000000000000`;

/** Reads the whole log; checks CRCs and that offsets are contiguous. Returns batches by base offset. */
async function readAll(log: Log): Promise<Map<number, Buffer>> {
  const out = new Map<number, Buffer>();
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const r = await log.read(offset, 64 * 1024, { minOneMessage: true });
    assert.ok(r.records.length > 0, `no data at ${offset} below log end ${log.logEndOffset}`);
    let pos = 0;
    while (pos < r.records.length) {
      const h = readBatchHeader(r.records, pos);
      assert.ok(verifyBatchCrc(r.records, pos), `CRC of batch ${h.baseOffset}`);
      assert.equal(h.baseOffset, offset, "offsets are contiguous");
      const size = 12 + h.batchLength;
      out.set(h.baseOffset, Buffer.from(r.records.subarray(pos, pos + size)));
      offset = h.baseOffset + h.lastOffsetDelta + 1;
      pos += size;
    }
    r.release();
  }
  return out;
}

describe("Log recovery", () => {
  it("reopens after a clean shutdown without scanning", async () => {
    const fs = new SimFs();
    const log = await openTestLog(fs, DIR, { config: { segmentBytes: 1000, indexIntervalBytes: 100 } });
    for (let i = 0; i < 50; i++)
      await log.append(testBatch({ payload: 50, records: 2, maxTimestamp: i }), {
        assignOffsets: true,
        leaderEpoch: 1,
      });
    const before = await readAll(log);
    await log.close();
    const reopened = await openTestLog(fs, DIR, {
      config: { segmentBytes: 1000, indexIntervalBytes: 100 },
      hadCleanShutdown: true,
      recoveryPoint: 100,
    });
    assert.equal(reopened.recovery.recoveredSegments, 0);
    assert.equal(reopened.logEndOffset, 100);
    assert.deepEqual(await readAll(reopened), before);
    assert.equal((await reopened.offsetForTimestamp(30))?.offset, 60);
    assert.equal(reopened.maxTimestampAndOffset()?.offset, 99);
  });

  it("cuts a torn tail and keeps what was flushed", async () => {
    const fs = new SimFs();
    const log = await openTestLog(fs, DIR);
    for (let i = 0; i < 10; i++) await log.append(testBatch({ payload: 30 }), { assignOffsets: true, leaderEpoch: 0 });
    await log.flush();
    const file = fs.peek(`${seg0}.log`);
    assert.ok(file);
    // A torn write: half a batch at the end.
    const torn = testBatch({ baseOffset: 10, payload: 30 }).subarray(0, 40);
    fs.corrupt(`${seg0}.log`, file.length, torn);
    const reopened = await openTestLog(fs, DIR, { recoveryPoint: 0 });
    assert.equal(reopened.logEndOffset, 10);
    assert.equal(reopened.recovery.truncatedBytes, 40);
    assert.equal((await readAll(reopened)).size, 10);
    await reopened.append(testBatch(), { assignOffsets: true, leaderEpoch: 0 });
    assert.equal((await readAll(reopened)).size, 11);
  });

  it("cuts a torn tail even when the shutdown was marked clean", async () => {
    const fs = new SimFs();
    const log = await openTestLog(fs, DIR);
    for (let i = 0; i < 5; i++) await log.append(testBatch({ payload: 30 }), { assignOffsets: true, leaderEpoch: 0 });
    await log.close();
    const file = fs.peek(`${seg0}.log`);
    assert.ok(file);
    fs.corrupt(`${seg0}.log`, file.length, testBatch({ baseOffset: 5, payload: 30 }).subarray(0, 70));
    const reopened = await openTestLog(fs, DIR, { hadCleanShutdown: true, recoveryPoint: 5 });
    assert.equal(reopened.logEndOffset, 5);
    assert.equal(reopened.recovery.truncatedBytes, 70);
    assert.equal((await readAll(reopened)).size, 5);
  });

  it("truncates at the first batch with a bad CRC and drops later segments", async () => {
    const fs = new SimFs();
    const config = { segmentBytes: 500, indexIntervalBytes: 100 };
    const log = await openTestLog(fs, DIR, { config });
    for (let i = 0; i < 30; i++) await log.append(testBatch({ payload: 39 }), { assignOffsets: true, leaderEpoch: 0 });
    assert.ok(log.segmentCount >= 3);
    await log.flush();
    // Flip a payload byte of the third batch (each batch is 100 bytes).
    fs.corrupt(`${seg0}.log`, 2 * 100 + 80, Buffer.from([0xff]));
    const reopened = await openTestLog(fs, DIR, { config, recoveryPoint: 0 });
    assert.equal(reopened.logEndOffset, 2);
    assert.equal(reopened.segmentCount, 1);
    assert.equal((await readAll(reopened)).size, 2);
  });

  it("rebuilds missing and corrupt index files of flushed segments", async () => {
    const fs = new SimFs();
    const config = { segmentBytes: 1000, indexIntervalBytes: 100 };
    const log = await openTestLog(fs, DIR, { config });
    for (let i = 0; i < 40; i++)
      await log.append(testBatch({ payload: 39, maxTimestamp: 10 * i }), { assignOffsets: true, leaderEpoch: 0 });
    await log.close();
    await fs.unlink(`${seg0}.index`);
    const torn = await fs.open(`${DIR}/00000000000000000010.timeindex`, "r+");
    await torn.truncate(5);
    await torn.close();
    const reopened = await openTestLog(fs, DIR, { config, hadCleanShutdown: true });
    assert.equal(reopened.recovery.recoveredSegments, 2);
    assert.equal((await readAll(reopened)).size, 40);
    assert.equal((await reopened.offsetForTimestamp(125))?.offset, 13);
    assert.ok(await fs.exists(`${seg0}.index`));
  });

  it("rebuilds an inactive index whose entries turn out corrupt on first use", async () => {
    const fs = new SimFs();
    const config = { segmentBytes: 1000, indexIntervalBytes: 100 };
    const log = await openTestLog(fs, DIR, { config });
    for (let i = 0; i < 40; i++) await log.append(testBatch({ payload: 39 }), { assignOffsets: true, leaderEpoch: 0 });
    await log.close();
    fs.corrupt(`${DIR}/00000000000000000010.index`, 0, Buffer.from([0xff, 0xff, 0xff, 0xff]));
    const reopened = await openTestLog(fs, DIR, { config, hadCleanShutdown: true });
    const [a, b] = await Promise.all([
      reopened.read(15, 100, { minOneMessage: true }),
      reopened.read(17, 100, { minOneMessage: true }),
    ]);
    assert.deepEqual([a.firstBatchOffset, b.firstBatchOffset], [15, 17]);
    assert.equal((await reopened.offsetForTimestamp(0))?.offset, 0);
    const rebuilt = fs.peek(`${DIR}/00000000000000000010.index`);
    assert.ok(rebuilt && rebuilt.length > 0 && rebuilt.readInt32BE(0) >= 0, "index file rewritten");
    assert.equal((await reopened.read(5, 100, { minOneMessage: true })).firstBatchOffset, 5);
  });

  it("every fsynced batch survives power loss at its offset (seeded)", async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const random = seededRandom(seed);
      const fs = new SimFs();
      const config = { segmentBytes: 600 + Math.floor(random.next() * 2000), indexIntervalBytes: 64 };
      const indexCache = new IndexCache(seed % 2 === 1 ? 128 : 1 << 20);
      let log = await openTestLog(fs, DIR, { config, indexCache });
      let checkpointedRecoveryPoint = 0;
      const acked = new Map<number, Buffer>();
      const appended = new Map<number, Buffer>();
      for (let round = 0; round < 3; round++) {
        const pending: Buffer[] = [];
        const steps = 10 + Math.floor(random.next() * 40);
        for (let i = 0; i < steps; i++) {
          const batch = testBatch({
            payload: 1 + Math.floor(random.next() * 200),
            records: 1 + Math.floor(random.next() * 4),
            maxTimestamp: i,
          });
          const res = await log.append(batch, { assignOffsets: true, leaderEpoch: round });
          pending.push(batch);
          appended.set(res.baseOffset, batch);
          assert.equal(res.baseOffset, readBatchHeader(batch, 0).baseOffset);
          if (random.next() < 0.2) {
            await log.flush();
            for (const b of pending) acked.set(readBatchHeader(b, 0).baseOffset, b);
            pending.length = 0;
            if (random.next() < 0.5) checkpointedRecoveryPoint = log.recoveryPoint;
          }
        }
        fs.powerLoss(random);
        log = await openTestLog(fs, DIR, { config, indexCache, recoveryPoint: checkpointedRecoveryPoint });
        const survived = await readAll(log);
        for (const [offset, bytes] of survived) {
          assert.deepEqual(bytes, appended.get(offset), `seed ${seed}: batch ${offset} is what was appended`);
        }
        for (const [offset, bytes] of acked) {
          assert.deepEqual(survived.get(offset), bytes, `seed ${seed}: flushed batch ${offset} survived`);
        }
        assert.ok(
          log.endOffsetForEpoch(round).endOffset <= log.logEndOffset,
          `seed ${seed}: epoch cache within the log`,
        );
      }
    }
  });
});
