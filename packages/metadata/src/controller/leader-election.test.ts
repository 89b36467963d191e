import assert from "node:assert/strict";
import { test } from "node:test";
import { seededRandom } from "@samsa/common";
import { emptyImage, type PartitionImage } from "../image.js";
import { alterPartition } from "./alter-partition.js";
import { electLeaders, electPartition, NO_LEADER } from "./leader-election.js";

const SEEDS = 300;

function randomPartition(next: () => number): PartitionImage {
  const replicas = [1, 2, 3, 4, 5].filter(() => next() < 0.6);
  if (replicas.length === 0) replicas.push(1);
  const isr = replicas.filter(() => next() < 0.7);
  if (isr.length === 0) isr.push(replicas[0]);
  const leaderId = next() < 0.15 ? NO_LEADER : isr[Math.floor(next() * isr.length)];
  return { partitionIndex: 0, leaderId, leaderEpoch: 5, partitionEpoch: 9, replicas, isr };
}

test("election: the new leader comes from the live ISR, epochs move as Kafka's do (seeded)", () => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    const rnd = seededRandom(seed);
    const next = () => rnd.next();
    const p = randomPartition(next);
    const live = new Set([1, 2, 3, 4, 5].filter(() => next() < 0.6));
    const restarted = new Set([...live].filter(() => next() < 0.2));
    const q = electPartition(p, { live, restarted });
    const where = `seed ${seed}: ${JSON.stringify(p)} live ${[...live]} restarted ${[...restarted]} -> ${JSON.stringify(q)}`;
    assert.ok(q.isr.length > 0, `ISR never empty; ${where}`);
    for (const id of q.isr) assert.ok(p.isr.includes(id), `no broker joins the ISR here; ${where}`);
    if (q.leaderId !== NO_LEADER) {
      assert.ok(p.isr.includes(q.leaderId) && live.has(q.leaderId), `leader from the live ISR; ${where}`);
      assert.ok(q.isr.includes(q.leaderId), `leader in its ISR; ${where}`);
      const others = q.isr.filter((id) => id !== q.leaderId);
      for (const id of others) assert.ok(live.has(id) && !restarted.has(id), `only live members stay; ${where}`);
    } else {
      assert.ok(!p.isr.some((id) => live.has(id)), `offline only without live ISR members; ${where}`);
      assert.deepEqual(q.isr, p.isr, `an offline partition keeps its last ISR; ${where}`);
    }
    const leaderChanged = q.leaderId !== p.leaderId || (q.leaderId !== NO_LEADER && restarted.has(q.leaderId));
    assert.equal(q.leaderEpoch, p.leaderEpoch + (leaderChanged ? 1 : 0), `leader epoch; ${where}`);
    if (q !== p) assert.equal(q.partitionEpoch, p.partitionEpoch + 1, `partition epoch; ${where}`);
    else {
      const stillLeads = live.has(p.leaderId) && !restarted.has(p.leaderId);
      const staysOffline = p.leaderId === NO_LEADER && !p.isr.some((id) => live.has(id));
      assert.ok(stillLeads || staysOffline, `unchanged only with a live leader or still offline; ${where}`);
    }
  }
});

test("election: the preferred live ISR member leads; a dead leader's partition goes offline without ISR", () => {
  const p: PartitionImage = {
    partitionIndex: 0,
    leaderId: 1,
    leaderEpoch: 3,
    partitionEpoch: 3,
    replicas: [1, 2, 3],
    isr: [1, 2, 3],
  };
  const moved = electPartition(p, { live: new Set([2, 3]), restarted: new Set() });
  assert.equal(moved.leaderId, 2);
  assert.deepEqual(moved.isr, [2, 3]);
  assert.equal(moved.leaderEpoch, 4);
  const alone: PartitionImage = { ...p, isr: [1] };
  const offline = electPartition(alone, { live: new Set([2, 3]), restarted: new Set() });
  assert.equal(offline.leaderId, NO_LEADER);
  assert.deepEqual(offline.isr, [1]);
  const unclean = electPartition(alone, { live: new Set([2, 3]), restarted: new Set(), uncleanElection: true });
  assert.equal(unclean.leaderId, 2);
  const back = electPartition(offline, { live: new Set([1, 2]), restarted: new Set([1]) });
  assert.equal(back.leaderId, 1, "the last ISR member leads again after its restart");
  assert.equal(back.leaderEpoch, offline.leaderEpoch + 1);
});

test("electLeaders leaves the image alone when nothing changes", () => {
  const image = emptyImage("c", 1, []);
  const r = electLeaders(image, { live: new Set([1]), restarted: new Set() });
  assert.ok(r.ok && r.image === image && r.value === 0);
});

test("AlterPartition: only the current leader in its current epochs, live replicas, leader kept", () => {
  const p: PartitionImage = {
    partitionIndex: 0,
    leaderId: 1,
    leaderEpoch: 3,
    partitionEpoch: 7,
    replicas: [1, 2, 3],
    isr: [1, 2, 3],
  };
  const image = {
    ...emptyImage("c", 1, []),
    topics: new Map([["t", { name: "t", topicId: "x", partitions: [p], configs: {} }]]),
  };
  const live = new Set([1, 2, 3]);
  const req = { topic: "t", partition: 0, leaderId: 1, leaderEpoch: 3, partitionEpoch: 7, isr: [1, 3] };
  const ok = alterPartition(image, req, live);
  assert.ok(ok.ok);
  assert.deepEqual(ok.value.partitions[0].isr, [1, 3]);
  assert.equal(ok.value.partitions[0].partitionEpoch, 8);
  const code = (r: ReturnType<typeof alterPartition>) => (r.ok ? 0 : r.error.errorCode);
  assert.equal(code(alterPartition(image, { ...req, leaderEpoch: 2 }, live)), 74);
  assert.equal(code(alterPartition(image, { ...req, partitionEpoch: 6 }, live)), 95);
  assert.equal(code(alterPartition(image, { ...req, isr: [3] }, live)), 42);
  assert.equal(code(alterPartition(image, { ...req, isr: [1, 2] }, new Set([1, 3]))), 107);
  assert.equal(code(alterPartition(image, { ...req, topic: "u" }, live)), 3);
});
