import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { placePartition, rackAlternated } from "./placement.js";

const brokersArb = fc
  .uniqueArray(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 9 })
  .chain((ids) =>
    fc.tuple(
      fc.constant(ids),
      fc.boolean(),
      fc.array(fc.constantFrom("a", "b", "c"), { minLength: ids.length, maxLength: ids.length }),
    ),
  )
  .map(([ids, withRacks, racks]) => ids.map((nodeId, i) => ({ nodeId, rack: withRacks ? racks[i] : null })));

test("placement: distinct registered replicas, as many as the replication factor allows", () => {
  fc.assert(
    fc.property(brokersArb, fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 5 }), (brokers, p, rf) => {
      const replicas = placePartition(brokers, p, rf);
      assert.equal(replicas.length, Math.min(rf, brokers.length));
      assert.equal(new Set(replicas).size, replicas.length);
      for (const r of replicas) assert.ok(brokers.some((b) => b.nodeId === r));
    }),
  );
});

test("placement: preferred leaders spread evenly over the brokers", () => {
  fc.assert(
    fc.property(brokersArb, fc.integer({ min: 1, max: 4 }), (brokers, rounds) => {
      const count = new Map<number, number>();
      for (let p = 0; p < brokers.length * rounds; p++) {
        const leader = placePartition(brokers, p, 3)[0];
        count.set(leader, (count.get(leader) ?? 0) + 1);
      }
      for (const b of brokers) assert.equal(count.get(b.nodeId), rounds);
    }),
  );
});

test("placement: replicas are spread over racks while racks remain", () => {
  fc.assert(
    fc.property(brokersArb, fc.integer({ min: 0, max: 100 }), fc.integer({ min: 1, max: 4 }), (brokers, p, rf) => {
      const racks = new Set(brokers.map((b) => b.rack));
      const replicas = placePartition(brokers, p, rf);
      const used = new Set(replicas.map((r) => brokers.find((b) => b.nodeId === r)?.rack));
      assert.equal(used.size, Math.min(replicas.length, racks.size));
    }),
  );
});

test("placement: followers differ between rounds so no two brokers always share partitions", () => {
  const brokers = [1, 2, 3, 4].map((nodeId) => ({ nodeId, rack: null }));
  assert.deepEqual(placePartition(brokers, 0, 2), [1, 2]);
  assert.deepEqual(placePartition(brokers, 4, 2), [1, 3]);
  assert.deepEqual(placePartition(brokers, 8, 2), [1, 4]);
});

test("rack alternation interleaves racks", () => {
  const brokers = [
    { nodeId: 1, rack: "a" },
    { nodeId: 2, rack: "a" },
    { nodeId: 3, rack: "b" },
    { nodeId: 4, rack: "b" },
    { nodeId: 5, rack: "c" },
  ];
  assert.deepEqual(rackAlternated(brokers), [1, 3, 5, 2, 4]);
});
