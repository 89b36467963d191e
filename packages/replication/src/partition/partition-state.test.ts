import assert from "node:assert/strict";
import { test } from "node:test";
import { seededRandom } from "@samsa/common";
import { type HighWatermarkPolicy, PartitionState } from "./partition-state.js";

function partition(policy: HighWatermarkPolicy, overrides: Partial<{ hw: number; isr: number[] }> = {}) {
  return new PartitionState({
    topic: "t",
    partition: 0,
    localBrokerId: 1,
    leaderEpoch: 0,
    logStartOffset: 0,
    logEndOffset: 0,
    flushedOffset: 0,
    highWatermarkPolicy: policy,
    highWatermark: overrides.hw,
    isr: overrides.isr,
  });
}

test("flushed policy: the HW advances only over fsynced data", () => {
  const p = partition("flushed");
  assert.equal(p.onAppend(10), false);
  assert.equal(p.highWatermark, 0);
  assert.equal(p.onFlush(6), true);
  assert.equal(p.highWatermark, 6);
  assert.equal(p.lastStableOffset, 6);
  assert.equal(p.onFlush(4), false);
  assert.equal(p.onFlush(10), true);
  assert.equal(p.highWatermark, 10);
});

test("logEnd policy: the HW follows the log end offset", () => {
  const p = partition("logEnd");
  assert.equal(p.onAppend(3), true);
  assert.equal(p.highWatermark, 3);
  assert.equal(p.onFlush(3), false);
});

test("a checkpointed HW is clamped to what is durable", () => {
  const p = new PartitionState({
    topic: "t",
    partition: 0,
    localBrokerId: 1,
    leaderEpoch: 2,
    logStartOffset: 5,
    logEndOffset: 50,
    flushedOffset: 30,
    highWatermarkPolicy: "flushed",
    highWatermark: 40,
  });
  assert.equal(p.highWatermark, 30);
  assert.equal(p.leaderEpoch, 2);
});

test("current leader epoch checks", () => {
  const p = partition("logEnd");
  p.becomeLeader(3);
  assert.equal(p.checkLeaderEpoch(-1), undefined);
  assert.equal(p.checkLeaderEpoch(3), undefined);
  assert.equal(p.checkLeaderEpoch(2), "FENCED_LEADER_EPOCH");
  assert.equal(p.checkLeaderEpoch(4), "UNKNOWN_LEADER_EPOCH");
});

test("log start offset: never past the HW, never backwards", () => {
  const p = partition("logEnd");
  p.onAppend(10);
  assert.equal(p.incrementLogStartOffset(11), "OFFSET_OUT_OF_RANGE");
  assert.equal(p.incrementLogStartOffset(-1), "OFFSET_OUT_OF_RANGE");
  assert.equal(p.incrementLogStartOffset(7), undefined);
  assert.equal(p.incrementLogStartOffset(3), undefined);
  assert.equal(p.logStartOffset, 7);
});

test("with followers in the ISR the HW is the lowest ISR end offset", () => {
  const p = partition("logEnd", { isr: [1, 2] });
  p.onAppend(10);
  assert.equal(p.highWatermark, 0);
  assert.equal(p.onFollowerFetch(2, 4), true);
  assert.equal(p.highWatermark, 4);
  assert.equal(p.onFollowerFetch(3, 10), false);
  p.truncateTo(2);
  assert.equal(p.highWatermark, 2);
  assert.equal(p.logEndOffset, 2);
});

test("seeded random walk: HW is monotone and never beyond flushed data or the log end", () => {
  for (const seed of [1, 2, 3, 42, 1234]) {
    const rnd = seededRandom(seed);
    const p = partition("flushed");
    let lastHw = 0;
    for (let step = 0; step < 500; step++) {
      const r = rnd.next();
      if (r < 0.5) p.onAppend(p.logEndOffset + Math.floor(rnd.next() * 5));
      else if (r < 0.9) p.onFlush(p.flushedOffset + Math.floor(rnd.next() * (p.logEndOffset - p.flushedOffset + 1)));
      else p.incrementLogStartOffset(Math.floor(rnd.next() * (p.highWatermark + 2)));
      assert.ok(p.highWatermark >= lastHw, `seed ${seed}: HW went backwards`);
      assert.ok(p.highWatermark <= p.flushedOffset, `seed ${seed}: HW beyond flushed`);
      assert.ok(p.flushedOffset <= p.logEndOffset, `seed ${seed}: flushed beyond LEO`);
      assert.ok(p.logStartOffset <= p.highWatermark, `seed ${seed}: log start beyond HW`);
      lastHw = p.highWatermark;
    }
    assert.equal(p.onFlush(p.logEndOffset) || p.highWatermark === p.logEndOffset, true);
    assert.equal(p.highWatermark, p.logEndOffset);
  }
});
