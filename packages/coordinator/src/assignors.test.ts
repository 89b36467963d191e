import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { partitionKey, uniformAssignor } from "./assignors.js";

const T = "TTTTTTTTTTTTTTTTTTTTTA";

test("uniform: a newcomer gets a share even when the others already hold a rounded-up share each", () => {
  const out = uniformAssignor.assign(
    [
      { memberId: "a", subscribedTopicIds: [T], current: [partitionKey(T, 0), partitionKey(T, 1)] },
      { memberId: "b", subscribedTopicIds: [T], current: [partitionKey(T, 2), partitionKey(T, 3)] },
      { memberId: "c", subscribedTopicIds: [T], current: [] },
    ],
    new Map([[T, { topicId: T, numPartitions: 4 }]]),
  );
  assert.deepEqual(out.get("a"), [partitionKey(T, 0), partitionKey(T, 1)], "a keeps both (the one extra slot)");
  assert.deepEqual(out.get("b"), [partitionKey(T, 2)], "b keeps one of its own");
  assert.deepEqual(out.get("c"), [partitionKey(T, 3)]);
});

test("uniform, same subscriptions, any prior assignment: each partition once, shares differ by at most 1", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 0, max: 20 }),
      fc.array(fc.integer({ min: 0, max: 8 }), { maxLength: 20 }),
      (memberCount, numPartitions, owners) => {
        // owners[p] picks partition p's previous owner (an index past the members: nobody).
        const members = Array.from({ length: memberCount }, (_, i) => ({
          memberId: `m${i}`,
          subscribedTopicIds: [T],
          current: owners.flatMap((o, p) => (o === i ? [partitionKey(T, p)] : [])),
        }));
        const out = uniformAssignor.assign(members, new Map([[T, { topicId: T, numPartitions }]]));
        const all = [...out.values()].flat().sort();
        const expected = Array.from({ length: numPartitions }, (_, p) => partitionKey(T, p)).sort();
        assert.deepEqual(all, expected);
        const sizes = [...out.values()].map((x) => x.length);
        assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `shares ${sizes}`);
      },
    ),
    { seed: 848, numRuns: 300 },
  );
});
