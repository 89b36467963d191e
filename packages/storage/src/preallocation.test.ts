import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Random } from "@samsa/common";
import type { Log } from "./log.js";
import { Preallocation, SMALL_ROUND_BYTES } from "./preallocation.js";
import { testBatch } from "./testing/batches.js";
import { openTestLog } from "./testing/fixture.js";
import { SimFs } from "./testing/sim-fs.js";

const DIR = "/data/t-0";
const seg0 = `${DIR}/00000000000000000000`;
/** testBatch({ payload: 39 }) is 100 bytes in the log. */
const BATCH_BYTES = 100;
const CHUNK = 1000;
const losesEverythingUnsynced: Random = { next: () => 0 };

/** Appends `count` batches, each followed by a flush round when `roundEach`. */
async function append(log: Log, count: number, roundEach: boolean): Promise<void> {
  for (let i = 0; i < count; i++) {
    await log.append(testBatch({ payload: 39 }), { assignOffsets: true, leaderEpoch: 0 });
    if (roundEach) await log.flush();
  }
}

async function assertReads(log: Log, count: number): Promise<void> {
  for (let offset = 0; offset < count; offset++) {
    const r = await log.read(offset, 10_000, { minOneMessage: true });
    assert.equal(r.firstBatchOffset, offset, `read at ${offset}`);
    assert.equal(r.records.length, (count - offset) * BATCH_BYTES, `only data, no zeros, from ${offset}`);
    r.release();
  }
}

describe("Preallocation", () => {
  it("fills a chunk once half of one was appended in small rounds and less than half is left", () => {
    const p = new Preallocation(0);
    for (let end = 100; end < 500; end += 100) {
      p.onRound();
      assert.equal(p.next(end, CHUNK), undefined, `sample too short at ${end}`);
    }
    p.onRound();
    assert.deepEqual(p.next(500, CHUNK), { position: 500, length: CHUNK });
    assert.equal(p.allocated, 1500);
    p.onRound();
    assert.equal(p.next(600, CHUNK), undefined, "900 bytes of zeros still ahead");
  });

  it("does not fill after large rounds or without rounds", () => {
    const p = new Preallocation(0);
    assert.equal(p.next(600, CHUNK), undefined, "no round: the log is not fsynced per round");
    const big = new Preallocation(0);
    big.onRound();
    assert.equal(big.next(SMALL_ROUND_BYTES * 2, SMALL_ROUND_BYTES * 4), undefined);
    assert.equal(big.allocated, SMALL_ROUND_BYTES * 2, "the file is as long as the data");
  });

  it("starts over after a reset", () => {
    const p = new Preallocation(0);
    p.onRound();
    assert.ok(p.next(600, CHUNK) !== undefined);
    p.reset(300);
    assert.equal(p.allocated, 300);
    p.onRound();
    assert.equal(p.next(400, CHUNK), undefined, "a new sample begins at 300");
  });
});

describe("Log with preallocation", () => {
  const config = { preallocateBytes: CHUNK, indexIntervalBytes: 100 };

  it("writes zeros ahead while rounds are small, reads only data, and a close cuts them off", async () => {
    const fs = new SimFs();
    const log = await openTestLog(fs, DIR, { config });
    await append(log, 12, true);
    const length = fs.peek(`${seg0}.log`)?.length ?? 0;
    assert.ok(length > 12 * BATCH_BYTES, `zeros ahead: file ${length} bytes for ${12 * BATCH_BYTES} of data`);
    await assertReads(log, 12);
    await append(log, 3, true);
    await assertReads(log, 15);
    await log.close();
    fs.powerLoss(losesEverythingUnsynced);
    assert.equal(fs.peek(`${seg0}.log`)?.length, 15 * BATCH_BYTES, "the cut was synced");
    const reopened = await openTestLog(fs, DIR, { config, hadCleanShutdown: true, recoveryPoint: 15 });
    assert.equal(reopened.logEndOffset, 15);
    await append(reopened, 1, true);
    await assertReads(reopened, 16);
  });

  it("recovery after a power loss cuts the zeros like a torn tail", async () => {
    const fs = new SimFs();
    const log = await openTestLog(fs, DIR, { config });
    await append(log, 12, true);
    const checkpointed = log.recoveryPoint;
    fs.powerLoss(losesEverythingUnsynced);
    assert.ok((fs.peek(`${seg0}.log`)?.length ?? 0) > 12 * BATCH_BYTES, "synced zeros survive");
    const reopened = await openTestLog(fs, DIR, { config, recoveryPoint: checkpointed });
    assert.equal(reopened.logEndOffset, 12);
    assert.ok(reopened.recovery.truncatedBytes > 0);
    assert.equal(fs.peek(`${seg0}.log`)?.length, 12 * BATCH_BYTES);
    await append(reopened, 2, true);
    await assertReads(reopened, 14);
  });

  it("a roll cuts the old segment back to its data", async () => {
    const fs = new SimFs();
    const log = await openTestLog(fs, DIR, { config: { ...config, segmentBytes: 1500 } });
    await append(log, 20, true);
    assert.equal(log.segmentCount, 2);
    assert.equal(fs.peek(`${seg0}.log`)?.length, 15 * BATCH_BYTES);
    for (const [offset, bytes] of [
      [0, 15 * BATCH_BYTES],
      [15, 5 * BATCH_BYTES],
    ]) {
      const r = await log.read(offset, 10_000, { minOneMessage: true });
      assert.equal(r.records.length, bytes, `segment read from ${offset}`);
      r.release();
    }
  });

  it("writes no zeros when appends are not fsynced round by round", async () => {
    const fs = new SimFs();
    const log = await openTestLog(fs, DIR, { config });
    await append(log, 20, false);
    assert.equal(fs.peek(`${seg0}.log`)?.length, 20 * BATCH_BYTES);
  });
});
