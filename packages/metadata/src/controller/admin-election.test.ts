import assert from "node:assert/strict";
import { test } from "node:test";
import { seededRandom } from "@samsa/common";
import { type ClusterImage, emptyImage, type PartitionImage } from "../image.js";
import { ElectionType, electLeadersFor, electOne, rebalancePreferredLeaders } from "./admin-election.js";
import { NO_LEADER } from "./leader-election.js";

const SEEDS = 300;

function imageOf(parts: readonly PartitionImage[]): ClusterImage {
  return {
    ...emptyImage("c", 1, []),
    topics: new Map([["t", { name: "t", topicId: "x", partitions: parts, configs: {} }]]),
  };
}

function part(i: number, leaderId: number, replicas: number[], isr: number[]): PartitionImage {
  return { partitionIndex: i, leaderId, leaderEpoch: 4, partitionEpoch: 6, replicas, isr };
}

test("preferred election: Kafka's codes (ELECTION_NOT_NEEDED, PREFERRED_LEADER_NOT_AVAILABLE) and epochs", () => {
  const live = new Set([1, 2, 3]);
  const code = (r: ReturnType<typeof electOne>) => ("error" in r ? r.error.errorCode : 0);
  assert.equal(code(electOne(part(0, 1, [1, 2, 3], [1, 2, 3]), ElectionType.PREFERRED, live)), 84);
  assert.equal(code(electOne(part(0, 2, [1, 2, 3], [2, 3]), ElectionType.PREFERRED, live)), 80);
  assert.equal(code(electOne(part(0, 2, [1, 2, 3], [1, 2, 3]), ElectionType.PREFERRED, new Set([2, 3]))), 80);
  const r = electOne(part(0, 2, [1, 2, 3], [1, 2, 3]), ElectionType.PREFERRED, live);
  assert.ok("partition" in r);
  assert.equal(r.partition.leaderId, 1);
  assert.equal(r.partition.leaderEpoch, 5);
  assert.equal(r.partition.partitionEpoch, 7);
});

test("unclean election: a live leader needs none; an ISR member first; else any live replica; else 83", () => {
  const code = (r: ReturnType<typeof electOne>) => ("error" in r ? r.error.errorCode : 0);
  assert.equal(code(electOne(part(0, 2, [1, 2, 3], [2]), ElectionType.UNCLEAN, new Set([2]))), 84);
  const clean = electOne(part(0, NO_LEADER, [1, 2, 3], [3, 1]), ElectionType.UNCLEAN, new Set([2, 3]));
  assert.ok("partition" in clean && clean.partition.leaderId === 3 && clean.partition.isr.join() === "3");
  const unclean = electOne(part(0, NO_LEADER, [1, 2, 3], [1]), ElectionType.UNCLEAN, new Set([2, 3]));
  assert.ok("partition" in unclean);
  assert.equal(unclean.partition.leaderId, 2);
  assert.deepEqual(unclean.partition.isr, [2]);
  assert.equal(code(electOne(part(0, NO_LEADER, [1, 2], [1]), ElectionType.UNCLEAN, new Set([3]))), 83);
});

test("electLeadersFor: all partitions leave out ELECTION_NOT_NEEDED; named ones answer each; unknown is 3", () => {
  const image = imageOf([part(0, 1, [1, 2], [1, 2]), part(1, 1, [2, 1], [1, 2]), part(2, 1, [2, 1], [1])]);
  const live = new Set([1, 2]);
  const all = electLeadersFor(image, ElectionType.PREFERRED, undefined, live);
  assert.ok(all.ok);
  assert.deepEqual(
    all.value.map((o) => [o.partition, o.error?.errorCode ?? 0]),
    [
      [1, 0],
      [2, 80],
    ],
  );
  assert.equal(all.image.topics.get("t")!.partitions[1].leaderId, 2);
  const named = electLeadersFor(
    image,
    ElectionType.PREFERRED,
    [
      { topic: "t", partition: 0 },
      { topic: "t", partition: 9 },
      { topic: "u", partition: 0 },
    ],
    live,
  );
  assert.ok(named.ok);
  assert.deepEqual(
    named.value.map((o) => o.error?.errorCode ?? 0),
    [84, 3, 3],
  );
  assert.equal(named.image, image, "nothing elected: the image is unchanged");
});

test("rebalance: every elected leader is the live in-sync preferred replica; epochs bump once (seeded)", () => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    const rnd = seededRandom(seed);
    const next = () => rnd.next();
    const parts: PartitionImage[] = [];
    for (let i = 0; i < 6; i++) {
      const replicas = [1, 2, 3, 4].filter(() => next() < 0.7);
      if (replicas.length === 0) replicas.push(1 + Math.floor(next() * 4));
      const isr = replicas.filter(() => next() < 0.8);
      if (isr.length === 0) isr.push(replicas[0]);
      parts.push(part(i, isr[Math.floor(next() * isr.length)], replicas, isr));
    }
    const live = new Set([1, 2, 3, 4].filter(() => next() < 0.8));
    const percentage = Math.floor(next() * 50);
    const image = imageOf(parts);
    const r = rebalancePreferredLeaders(image, live, percentage);
    assert.ok(r.ok);
    const after = r.image.topics.get("t")!.partitions;
    let moved = 0;
    after.forEach((q, i) => {
      const p = parts[i];
      const where = `seed ${seed} partition ${i}: ${JSON.stringify(p)} -> ${JSON.stringify(q)}`;
      if (q === p) return;
      moved++;
      assert.equal(q.leaderId, p.replicas[0], where);
      assert.ok(live.has(q.leaderId) && p.isr.includes(q.leaderId), where);
      assert.equal(q.leaderEpoch, p.leaderEpoch + 1, where);
      assert.deepEqual(q.isr, p.isr, where);
    });
    assert.equal(r.value, moved);
  }
});

test("rebalance: a broker within leader.imbalance.per.broker.percentage keeps the leaders as they are", () => {
  // Broker 1 is preferred for 10 partitions and leads 9 of them: 10 % imbalance.
  const parts = Array.from({ length: 10 }, (_, i) => part(i, i === 0 ? 2 : 1, [1, 2], [1, 2]));
  const image = imageOf(parts);
  const live = new Set([1, 2]);
  const within = rebalancePreferredLeaders(image, live, 10);
  assert.ok(within.ok && within.value === 0 && within.image === image);
  const over = rebalancePreferredLeaders(image, live, 5);
  assert.ok(over.ok && over.value === 1);
  assert.equal(over.image.topics.get("t")!.partitions[0].leaderId, 1);
});
