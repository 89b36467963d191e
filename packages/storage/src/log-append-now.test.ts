import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { readBatchHeader } from "@samsa/protocol";
import { nodeFs, SYNC_IO_MAX_BYTES } from "./fs/storage-fs.js";
import type { Log } from "./log.js";
import { testBatch } from "./testing/batches.js";
import { openTestLog } from "./testing/fixture.js";
import { SimFs } from "./testing/sim-fs.js";

const leader = { assignOffsets: true, leaderEpoch: 0 } as const;

async function baseOffsetsOf(log: Log): Promise<number[]> {
  const read = await log.read(0, 1024 * 1024, { minOneMessage: true });
  const out: number[] = [];
  for (let pos = 0; pos < read.records.length; pos += 12 + readBatchHeader(read.records, pos).batchLength) {
    out.push(Number(readBatchHeader(read.records, pos).baseOffset));
  }
  read.release();
  return out;
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "append-now-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("Log.appendNow", () => {
  it("appends a small batch in the caller's turn and moves the log end offset with it", () =>
    withDir(async (dir) => {
      const log = await openTestLog(nodeFs, join(dir, "t-0"));
      // The first append opens the file handle, which takes an await.
      assert.equal(log.appendNow(testBatch({ records: 2 }), leader), undefined);
      assert.equal(log.logEndOffset, 0);
      await log.append(testBatch({ records: 2 }), leader);
      const now = log.appendNow(testBatch({ records: 3 }), leader);
      assert.ok(now !== undefined);
      assert.equal(now.baseOffset, 2);
      assert.equal(now.lastOffset, 4);
      assert.equal(log.logEndOffset, 5);
      assert.deepEqual(await baseOffsetsOf(log), [0, 2]);
      await log.close();
    }));

  it("declines (changing nothing) while another mutation is queued, for a large write and for a new epoch", () =>
    withDir(async (dir) => {
      const log = await openTestLog(nodeFs, join(dir, "t-0"));
      await log.append(testBatch(), leader);
      const queued = log.append(testBatch({ records: 2 }), leader);
      assert.equal(log.appendNow(testBatch(), leader), undefined);
      await queued;
      assert.equal(log.appendNow(testBatch({ payload: SYNC_IO_MAX_BYTES + 1 }), leader), undefined);
      assert.equal(log.appendNow(testBatch(), { assignOffsets: true, leaderEpoch: 1 }), undefined);
      assert.equal(log.logEndOffset, 3);
      // Through the async path the same appends land after the others, in order.
      await log.append(testBatch(), { assignOffsets: true, leaderEpoch: 1 });
      assert.equal(log.appendNow(testBatch(), { assignOffsets: true, leaderEpoch: 1 })?.baseOffset, 4);
      assert.deepEqual(await baseOffsetsOf(log), [0, 1, 3, 4]);
      assert.equal(log.leaderEpochCache.latest?.startOffset, 3);
      await log.close();
    }));

  it("declines when the segment must roll, and on a file system without synchronous writes", async () => {
    const fs = new SimFs();
    const sim = await openTestLog(fs, "/sim/t-0");
    await sim.append(testBatch(), leader);
    assert.equal(sim.appendNow(testBatch(), leader), undefined);
    assert.equal(sim.logEndOffset, 1);
    await withDir(async (dir) => {
      const log = await openTestLog(nodeFs, join(dir, "t-0"), { config: { segmentBytes: 1500 } });
      await log.append(testBatch({ payload: 600 }), leader);
      assert.equal(log.appendNow(testBatch({ payload: 600 }), leader)?.baseOffset, 1);
      assert.equal(log.appendNow(testBatch({ payload: 600 }), leader), undefined);
      await log.append(testBatch({ payload: 600 }), leader);
      assert.equal(log.segmentCount, 2);
      await log.close();
    });
  });

  it("refuses a corrupt append without failing the log", () =>
    withDir(async (dir) => {
      const log = await openTestLog(nodeFs, join(dir, "t-0"));
      await log.append(testBatch(), leader);
      const truncated = testBatch({ records: 2 }).subarray(0, 40);
      assert.throws(() => log.appendNow(truncated, leader), { code: "CORRUPT_MESSAGE" });
      assert.equal(log.failed, false);
      assert.equal(log.appendNow(testBatch(), leader)?.baseOffset, 1);
      await log.close();
    }));
});
