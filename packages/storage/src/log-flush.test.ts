import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Random } from "@samsa/common";
import { type Log, SYNC_AHEAD_BYTES } from "./log.js";
import { testBatch } from "./testing/batches.js";
import { openTestLog } from "./testing/fixture.js";
import { SimFs } from "./testing/sim-fs.js";

const DIR = "/data/t-0";
const seg0 = `${DIR}/00000000000000000000`;
/** A power loss that keeps none of the unsynced writes: only fsynced bytes survive. */
const losesEverythingUnsynced: Random = { next: () => 0 };

async function appendBatches(log: Log, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await log.append(testBatch({ payload: 39, maxTimestamp: 10 * i }), { assignOffsets: true, leaderEpoch: 0 });
  }
}

/** Reads at every offset and by timestamp: both go through the offset and time indexes. */
async function assertLookups(log: Log, count: number): Promise<void> {
  for (let offset = 0; offset < count; offset++) {
    const r = await log.read(offset, 100, { minOneMessage: true });
    assert.equal(r.firstBatchOffset, offset, `read at ${offset}`);
    r.release();
  }
  assert.equal((await log.offsetForTimestamp(125))?.offset, 13);
  assert.equal((await log.offsetForTimestamp(10 * (count - 1)))?.offset, count - 1);
}

/**
 * Opens a log with `config`, appends 40 batches, flushes them and loses power: what is on the disk
 * then, and the recovery point checkpointed after the flush.
 */
async function flushedThenPowerLoss(
  config: { segmentBytes?: number; indexIntervalBytes: number },
  afterAppend?: (log: Log) => void,
) {
  const fs = new SimFs();
  const log = await openTestLog(fs, DIR, { config });
  await appendBatches(log, 40);
  afterAppend?.(log);
  await log.flush();
  const checkpointed = log.recoveryPoint;
  fs.powerLoss(losesEverythingUnsynced);
  return { fs, checkpointed };
}

describe("Log flush rounds (data only) and recovery", () => {
  it("a round fdatasyncs only the active segment's log file", async () => {
    const fs = new SimFs();
    const log = await openTestLog(fs, DIR, { config: { indexIntervalBytes: 100 } });
    await appendBatches(log, 20);
    const before = fs.fileSyncs;
    assert.equal(await log.flush(), 20);
    assert.equal(fs.fileSyncs - before, 1);
    assert.equal(fs.peek(`${seg0}.index`)?.length, 0, "less than a page of index entries stays in memory");
  });

  it("a round writes the index entries out once there is a page of them", async () => {
    const fs = new SimFs();
    const log = await openTestLog(fs, DIR, { config: { indexIntervalBytes: 1 } });
    // One offset index entry (8 bytes) per batch after the first.
    await appendBatches(log, 4096 / 8 + 1);
    await log.flush();
    assert.equal(fs.peek(`${seg0}.index`)?.length, 4096, "a page of entries written (evictable)");
    const timeIndexBytes = fs.peek(`${seg0}.timeindex`)?.length ?? 0;
    assert.ok(timeIndexBytes >= 4096, `time index entries written: ${timeIndexBytes}`);
    await appendBatches(log, 2);
    await log.flush();
    assert.equal(fs.peek(`${seg0}.index`)?.length, 4096, "the next entries wait for the next page");
    assert.equal(fs.peek(`${seg0}.timeindex`)?.length, timeIndexBytes);
  });

  it("recovery rebuilds the active segment's indexes a power loss left behind the log", async () => {
    const config = { indexIntervalBytes: 100 };
    const { fs, checkpointed } = await flushedThenPowerLoss(config);
    assert.equal(fs.peek(`${seg0}.index`)?.length, 0, "unsynced index entries lost");
    assert.equal(fs.peek(`${seg0}.log`)?.length, 40 * 100, "synced log data kept");
    const reopened = await openTestLog(fs, DIR, { config, recoveryPoint: checkpointed });
    assert.equal(reopened.recovery.recoveredSegments, 1);
    assert.equal(reopened.logEndOffset, 40);
    await assertLookups(reopened, 40);
  });

  it("recovery ignores garbage in the active segment's index tail", async () => {
    const config = { indexIntervalBytes: 100 };
    const { fs, checkpointed } = await flushedThenPowerLoss(config);
    // A torn index write: an entry pointing past the end of the log.
    fs.corrupt(`${seg0}.index`, 0, Buffer.from([0, 0, 0, 5, 0x7f, 0xff, 0xff, 0xff]));
    fs.corrupt(`${seg0}.timeindex`, 0, Buffer.alloc(12, 0xff));
    const reopened = await openTestLog(fs, DIR, { config, recoveryPoint: checkpointed });
    assert.equal(reopened.recovery.recoveredSegments, 1);
    await assertLookups(reopened, 40);
  });

  it("a roll syncs the old segment's indexes, so recovery scans only the active one", async () => {
    const config = { segmentBytes: 1000, indexIntervalBytes: 100 };
    const { fs, checkpointed } = await flushedThenPowerLoss(config, (log) => assert.equal(log.segmentCount, 4));
    const reopened = await openTestLog(fs, DIR, { config, recoveryPoint: checkpointed });
    assert.equal(reopened.recovery.recoveredSegments, 1);
    assert.equal(reopened.recovery.truncatedBytes, 0);
    await assertLookups(reopened, 40);
  });

  it("SYNC_AHEAD_BYTES of appends start a round nobody asked for; fewer start none", async () => {
    const fs = new SimFs();
    const log = await openTestLog(fs, DIR, { config: { indexIntervalBytes: 4096 } });
    const batchBytes = 512 * 1024;
    const append = () => log.append(testBatch({ payload: batchBytes }), { assignOffsets: true, leaderEpoch: 0 });
    const count = SYNC_AHEAD_BYTES / batchBytes;
    // The first append also persists the leader epoch checkpoint (a sync of its own).
    await append();
    const syncsBefore = fs.fileSyncs;
    for (let i = 1; i < count - 1; i++) await append();
    const settle = () => new Promise((resolve) => setTimeout(resolve, 10));
    await settle();
    assert.equal(fs.fileSyncs, syncsBefore, "below the threshold nothing is synced");
    assert.equal(log.recoveryPoint, 0);
    await append();
    await settle();
    assert.equal(fs.fileSyncs, syncsBefore + 1, "one round, started by the append that crossed it");
    assert.equal(log.recoveryPoint, count);
  });

  it("a clean close syncs the indexes the rounds left unsynced", async () => {
    const fs = new SimFs();
    const config = { indexIntervalBytes: 100 };
    const log = await openTestLog(fs, DIR, { config });
    await appendBatches(log, 40);
    await log.flush();
    await log.close();
    fs.powerLoss(losesEverythingUnsynced);
    assert.ok((fs.peek(`${seg0}.index`)?.length ?? 0) > 0, "index entries synced by close");
    const reopened = await openTestLog(fs, DIR, { config, hadCleanShutdown: true, recoveryPoint: 40 });
    assert.equal(reopened.recovery.recoveredSegments, 0);
    await assertLookups(reopened, 40);
  });
});
