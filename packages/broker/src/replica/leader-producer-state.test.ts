import assert from "node:assert/strict";
import { test } from "node:test";
import { buildRecordBatch, validateRecordBatch } from "@samsa/protocol";
import { ManualClock, openTestLog, SimFs } from "@samsa/storage/testing";
import { seededRandom } from "@samsa/common";
import type { LeaderAppendResult, Partition } from "./partition.js";
import { openTestLeader } from "./testing/test-partition.js";

// A new leader answers an idempotent producer's retries from the producer state it rebuilds from
// its own log (above the old high watermark too): a retried batch it holds is a duplicate with its
// original offsets, one a truncation removed is appended again, a gap is OUT_OF_ORDER_SEQUENCE_NUMBER.

const PID = 7;

function send(partition: Partition, seq: number, nowMs: number): Promise<LeaderAppendResult> {
  const batch = buildRecordBatch([{ key: null, value: `s${seq}`, timestamp: nowMs }], {
    producerId: PID,
    producerEpoch: 0,
    baseSequence: seq,
  });
  const validation = validateRecordBatch(batch, 0, { maxUncompressedBytes: 1 << 20 });
  return partition.appendAsLeader(batch, [{ pos: 0, validation }]);
}

function baseOffset(r: LeaderAppendResult): number {
  return r.kind === "error" ? -1 : r.baseOffset;
}

test("a new leader rebuilds producer state from its log, above the old HW too, and across truncation", async () => {
  const clock = new ManualClock();
  const log = await openTestLog(new SimFs(0, seededRandom(1)), "/data/t-0", { clock });
  const first = await openTestLeader(log, clock, 0);
  const offsets: number[] = [];
  for (let seq = 0; seq < 6; seq++) {
    const r = await send(first, seq, clock.nowMs());
    assert.equal(r.kind, "appended");
    offsets.push(baseOffset(r));
  }
  await first.resign();

  // Leader epoch 1 on the same log: nothing was flushed, so all six batches are above its HW.
  const second = await openTestLeader(log, clock, 1);
  assert.ok(second.state.highWatermark < log.logEndOffset, "the batches are above the high watermark");
  const retried = await send(second, 5, clock.nowMs());
  assert.equal(retried.kind, "duplicate", "a retry of a batch the new leader holds is a duplicate");
  assert.equal(baseOffset(retried), offsets[5], "answered with its original offset");
  const tooOld = await send(second, 0, clock.nowMs());
  assert.equal(tooOld.kind === "error" && tooOld.error, "OUT_OF_ORDER_SEQUENCE_NUMBER", "outside the last five");
  await second.resign();

  // A follower that diverged truncates the last two batches before it leads (epoch 2).
  await log.truncateTo(offsets[4]);
  const third = await openTestLeader(log, clock, 2);
  const gap = await send(third, 5, clock.nowMs());
  assert.equal(gap.kind === "error" && gap.error, "OUT_OF_ORDER_SEQUENCE_NUMBER", "seq 4 is missing first");
  const again = await send(third, 4, clock.nowMs());
  assert.equal(again.kind, "appended", "a batch the truncation removed is appended again");
  assert.equal(baseOffset(again), offsets[4]);
  const next = await send(third, 5, clock.nowMs());
  assert.equal(next.kind, "appended");
  const dup = await send(third, 4, clock.nowMs());
  assert.equal(dup.kind, "duplicate");
});
