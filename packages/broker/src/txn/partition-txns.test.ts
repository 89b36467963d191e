import assert from "node:assert/strict";
import { test } from "node:test";
import type { OffsetCommitRecord } from "@samsa/coordinator";
import { buildEndTxnMarkerBatch, readRecordBatch } from "@samsa/protocol";
import { PartitionTxns } from "./partition-txns.js";
import { PendingTxnOffsets } from "./pending-txn-offsets.js";

test("the first unstable offset follows open transactions and markers not yet under the HW", () => {
  const t = new PartitionTxns();
  assert.equal(t.firstUnstableOffset(0), undefined);
  t.onData(7, 10);
  t.onData(7, 12); // the same transaction goes on
  t.onData(8, 11);
  assert.equal(t.firstUnstableOffset(13), 10);
  t.onMarker(7, 13, false);
  // Producer 7's marker is not under the HW yet: its transaction still holds the LSO.
  assert.equal(t.firstUnstableOffset(13), 10);
  assert.equal(t.firstUnstableOffset(14), 11);
  t.onMarker(8, 14, true);
  assert.equal(t.firstUnstableOffset(15), undefined);
  assert.equal(t.openCount, 0);
});

test("aborted transactions overlapping a fetch range, bounded and trimmed by the log start", () => {
  const t = new PartitionTxns(3);
  for (let i = 0; i < 5; i++) {
    t.onData(i, i * 10);
    t.onMarker(i, i * 10 + 5, false);
  }
  // Only the newest 3 are kept.
  assert.deepEqual(
    t.abortedBetween(0, 100).map((a) => a.producerId),
    [2, 3, 4],
  );
  assert.deepEqual(
    t.abortedBetween(26, 40).map((a) => a.producerId),
    [3],
  );
  assert.deepEqual(t.abortedBetween(46, 100), []);
  t.retainFrom(36);
  assert.deepEqual(
    t.abortedBetween(0, 100).map((a) => [a.producerId, a.firstOffset, a.lastOffset]),
    [[4, 40, 45]],
  );
});

const offset = (group: string, partition: number, value: number): OffsetCommitRecord => ({
  type: "offset",
  groupId: group,
  topic: "in",
  partition,
  value: { offset: BigInt(value), leaderEpoch: -1, metadata: "", commitTimestampMs: 0, expireTimestampMs: null },
});

test("staged transactional offsets are applied on COMMIT, dropped on ABORT, and make a group unstable meanwhile", () => {
  const p = new PendingTxnOffsets(3);
  p.stage(1, 100, [offset("g", 0, 5), offset("g", 1, 6)]);
  p.stage(1, 100, [offset("g", 0, 7)]);
  assert.equal(p.size, 2);
  assert.ok(p.hasPending("g"));
  assert.ok(p.hasPending("g", "in", 0));
  assert.ok(!p.hasPending("g", "in", 2));
  assert.ok(!p.hasRoomFor(2));
  const applied: OffsetCommitRecord[] = [];
  const commit = buildEndTxnMarkerBatch({
    producerId: 100,
    producerEpoch: 0,
    coordinatorEpoch: 0,
    commit: true,
    timestamp: 0,
  });
  p.replayMarker(1, 100, readRecordBatch(commit, 0, 1024), (r) => applied.push(r));
  assert.deepEqual(
    applied.map((r) => [r.partition, r.value?.offset]),
    [
      [0, 7n],
      [1, 6n],
    ],
  );
  assert.ok(!p.hasPending("g"));
  p.stage(0, 200, [offset("h", 0, 1)]);
  assert.deepEqual(p.complete(0, 200).length, 1);
  assert.equal(p.size, 0);
  assert.ok(!p.hasPending("h"));
});
