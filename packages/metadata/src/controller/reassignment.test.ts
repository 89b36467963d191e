import assert from "node:assert/strict";
import { test } from "node:test";
import { seededRandom } from "@samsa/common";
import { type ClusterImage, emptyImage, type PartitionImage } from "../image.js";
import { NO_LEADER } from "./leader-election.js";
import {
  alterReassignments,
  completeReassignment,
  completeReassignments,
  isReassigning,
  listReassignments,
  reassignPartition,
} from "./reassignment.js";

const SEEDS = 300;
const BROKERS = [1, 2, 3, 4, 5];

function imageOf(parts: readonly PartitionImage[]): ClusterImage {
  return {
    ...emptyImage("c", 1, []),
    topics: new Map([["t", { name: "t", topicId: "x", partitions: parts, configs: {} }]]),
  };
}

const base: PartitionImage = {
  partitionIndex: 0,
  leaderId: 1,
  leaderEpoch: 4,
  partitionEpoch: 6,
  replicas: [1, 2, 3],
  isr: [1, 2, 3],
};
const opts = { live: new Set(BROKERS), uncleanElection: false };

test("reassignment: adding replicas first wait for the ISR, then the target replaces the replicas", () => {
  const r = reassignPartition(base, [4, 2, 3], opts);
  assert.ok("partition" in r);
  const started = r.partition;
  assert.deepEqual(started.replicas, [4, 2, 3, 1]);
  assert.deepEqual(started.addingReplicas, [4]);
  assert.deepEqual(started.removingReplicas, [1]);
  assert.equal(started.leaderId, 1, "the old leader leads until the switch");
  assert.equal(started.partitionEpoch, 7);
  assert.equal(completeReassignment(started, opts.live), started, "4 is not in sync yet");
  const caughtUp = { ...started, isr: [1, 2, 3, 4], partitionEpoch: 8 };
  const done = completeReassignment(caughtUp, opts.live);
  assert.deepEqual(done.replicas, [4, 2, 3]);
  assert.deepEqual(done.isr, [4, 2, 3]);
  assert.equal(done.leaderId, 4, "the leader left: the first target replica in the ISR leads");
  assert.equal(done.leaderEpoch, 5);
  assert.equal(done.partitionEpoch, 9);
  assert.ok(!isReassigning(done));
});

test("reassignment: a reorder of the same replicas completes at once; the leader stays", () => {
  const r = reassignPartition(base, [3, 2, 1], opts);
  assert.ok("partition" in r);
  assert.deepEqual(r.partition.replicas, [3, 2, 1]);
  assert.equal(r.partition.leaderId, 1);
  assert.equal(r.partition.leaderEpoch, 4);
  assert.ok(!isReassigning(r.partition));
});

test("reassignment: cancel reverts to the original replicas; cancel without one is NO_REASSIGNMENT_IN_PROGRESS", () => {
  const code = (r: ReturnType<typeof reassignPartition>) => ("error" in r ? r.error.errorCode : 0);
  assert.equal(code(reassignPartition(base, null, opts)), 85);
  const started = reassignPartition(base, [4, 5, 3], opts);
  assert.ok("partition" in started);
  const withFour = { ...started.partition, isr: [1, 2, 3, 4] };
  const cancelled = reassignPartition(withFour, null, opts);
  assert.ok("partition" in cancelled);
  // As Kafka's revert: the replicas minus the adding ones, in their reassignment order.
  assert.deepEqual(cancelled.partition.replicas, [3, 1, 2]);
  assert.deepEqual(cancelled.partition.isr, [1, 2, 3]);
  assert.ok(!isReassigning(cancelled.partition));
  const onlyAddingInSync = { ...started.partition, leaderId: 4, isr: [4] };
  assert.equal(code(reassignPartition(onlyAddingInSync, null, opts)), 39, "would need an unclean election");
  const unclean = reassignPartition(onlyAddingInSync, null, { ...opts, uncleanElection: true });
  assert.ok("partition" in unclean && unclean.partition.leaderId === 3 && unclean.partition.isr.join() === "3");
});

test("reassignment: invalid targets are INVALID_REPLICA_ASSIGNMENT; unknown partitions are 3", () => {
  const code = (r: ReturnType<typeof reassignPartition>) => ("error" in r ? r.error.errorCode : 0);
  assert.equal(code(reassignPartition(base, [], opts)), 39);
  assert.equal(code(reassignPartition(base, [1, 1], opts)), 39);
  assert.equal(code(reassignPartition(base, [1, 9], opts)), 39);
  const r = alterReassignments(
    imageOf([base]),
    [
      { topic: "t", partition: 1, replicas: [1] },
      { topic: "u", partition: 0, replicas: [1] },
    ],
    opts,
  );
  assert.ok(r.ok);
  assert.deepEqual(
    r.value.map((o) => o.error?.errorCode),
    [3, 3],
  );
});

test("reassignment: random steps keep the invariants (seeded)", () => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    const rnd = seededRandom(seed);
    const next = () => rnd.next();
    const pick = () => BROKERS.filter(() => next() < 0.5);
    let p = base;
    const origin = [...base.replicas];
    for (let step = 0; step < 12; step++) {
      const where = `seed ${seed} step ${step}: ${JSON.stringify(p)}`;
      const before = p;
      const roll = next();
      if (roll < 0.3) {
        const target = pick();
        const r = reassignPartition(p, target.length > 0 ? target : [1], opts);
        if ("partition" in r) p = r.partition;
      } else if (roll < 0.4) {
        const r = reassignPartition(p, null, opts);
        if ("partition" in r) p = r.partition;
      } else {
        // Followers catch up: some replicas join the ISR (as AlterPartition would commit).
        const joined = p.replicas.filter((id) => p.isr.includes(id) || next() < 0.4);
        p = completeReassignment({ ...p, isr: joined, partitionEpoch: p.partitionEpoch + 1 }, opts.live);
      }
      assert.ok(p.partitionEpoch >= before.partitionEpoch, `partition epoch monotonic; ${where}`);
      assert.ok(p.leaderEpoch >= before.leaderEpoch, `leader epoch monotonic; ${where}`);
      if (p.leaderId !== before.leaderId)
        assert.ok(p.leaderEpoch > before.leaderEpoch, `new leader, new epoch; ${where}`);
      assert.ok(p.isr.length > 0, `ISR never empty; ${where}`);
      for (const id of p.isr) assert.ok(p.replicas.includes(id), `ISR within replicas; ${where}`);
      if (p.leaderId !== NO_LEADER) assert.ok(p.isr.includes(p.leaderId), `leader in the ISR; ${where}`);
      assert.equal(new Set(p.replicas).size, p.replicas.length, `no duplicate replicas; ${where}`);
      for (const id of p.isr)
        if (!before.isr.includes(id))
          assert.ok(before.replicas.includes(id), `only replicas that fetched join the ISR; ${where}`);
      const adding = p.addingReplicas ?? [];
      const removing = p.removingReplicas ?? [];
      for (const id of adding) assert.ok(!removing.includes(id), `adding and removing disjoint; ${where}`);
      if (!isReassigning(p)) origin.splice(0, origin.length, ...p.replicas);
      else
        assert.deepEqual(
          p.replicas.filter((r) => !adding.includes(r)).sort(),
          [...origin].sort(),
          `the original replicas are kept until the switch; ${where}`,
        );
    }
  }
});

test("completeReassignments and listReassignments over an image", () => {
  const started = reassignPartition(base, [2, 3, 4], opts);
  assert.ok("partition" in started);
  const other = { ...base, partitionIndex: 1 };
  const image = imageOf([started.partition, other]);
  assert.deepEqual(
    listReassignments(image, undefined).map((o) => [o.partition, o.addingReplicas, o.removingReplicas]),
    [[0, [4], [1]]],
  );
  assert.equal(listReassignments(image, [{ topic: "t", partitions: [1, 7] }]).length, 0);
  const none = completeReassignments(image, opts.live);
  assert.ok(none.ok && none.value === 0 && none.image === image);
  const synced = imageOf([{ ...started.partition, isr: [1, 2, 3, 4] }, other]);
  const done = completeReassignments(synced, opts.live);
  assert.ok(done.ok && done.value === 1);
  assert.deepEqual(done.image.topics.get("t")!.partitions[0].replicas, [2, 3, 4]);
  assert.equal(done.image.topics.get("t")!.partitions[0].leaderId, 2);
});
