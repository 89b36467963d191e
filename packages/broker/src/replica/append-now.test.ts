import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { buildRecordBatch, validateRecordBatch } from "@samsa/protocol";
import { nodeFs } from "@samsa/storage";
import { ManualClock, openTestLog } from "@samsa/storage/testing";
import type { LeaderAppendResult, Partition } from "./partition.js";
import { openTestLeader } from "./testing/test-partition.js";

function batchOf(seq: number): {
  records: Buffer;
  batches: [{ pos: 0; validation: ReturnType<typeof validateRecordBatch> }];
} {
  const records = buildRecordBatch([{ key: null, value: `v${seq}` }], {
    producerId: 3,
    producerEpoch: 0,
    baseSequence: seq,
  });
  return {
    records,
    batches: [{ pos: 0, validation: validateRecordBatch(records, 0, { maxUncompressedBytes: 1 << 20 }) }],
  };
}

function appendNow(p: Partition, seq: number): LeaderAppendResult | Promise<LeaderAppendResult> {
  const { records, batches } = batchOf(seq);
  return p.appendAsLeaderNow(records, batches);
}

test("appendAsLeaderNow appends in the caller's turn when nothing is queued, in order with queued appends", async () => {
  const dir = await mkdtemp(join(tmpdir(), "append-now-"));
  try {
    const clock = new ManualClock();
    const log = await openTestLog(nodeFs, join(dir, "t-0"), { clock });
    const p = await openTestLeader(log, clock, 0);
    // The first append opens the file: through the queue.
    const first = await appendNow(p, 0);
    assert.equal(first.kind, "appended");
    const now = appendNow(p, 1);
    assert.ok(!(now instanceof Promise), "a small append to an open log answers without a promise");
    assert.equal(now.kind === "appended" && now.baseOffset, 1);
    assert.equal(p.state.logEndOffset, 2, "the LEO moved in the same turn");
    // While an append is queued the next one queues behind it and keeps its place.
    const queued = p.appendAsLeader(batchOf(2).records, batchOf(2).batches);
    const behind = appendNow(p, 3);
    assert.ok(behind instanceof Promise);
    const [a, b] = await Promise.all([queued, behind]);
    assert.deepEqual([a.kind === "appended" && a.baseOffset, b.kind === "appended" && b.baseOffset], [2, 3]);
    // A retried batch is answered as a duplicate without appending.
    const retried = appendNow(p, 3);
    assert.ok(!(retried instanceof Promise));
    assert.equal(retried.kind, "duplicate");
    assert.equal(log.logEndOffset, 4);
    await p.resign();
    await log.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
