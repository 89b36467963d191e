import assert from "node:assert/strict";
import { test } from "node:test";
import type { PartitionImage } from "@samsa/metadata";
import { preferredReadReplica } from "./read-replica-selector.js";

const brokers = [1, 2, 3, 4].map((nodeId) => ({ nodeId, rack: `RACK${(nodeId % 3) + 1}`, listeners: [] }));
const p: PartitionImage = {
  partitionIndex: 0,
  leaderId: 1,
  leaderEpoch: 0,
  partitionEpoch: 0,
  replicas: [1, 2, 3],
  isr: [1, 2, 3],
};

test("rack-aware selector: an in-sync replica in the client's rack; the leader's rack or none keeps the leader", () => {
  // Racks: 1 -> RACK2, 2 -> RACK3, 3 -> RACK1, 4 -> RACK2.
  assert.equal(preferredReadReplica(p, brokers, "RACK3"), 2);
  assert.equal(preferredReadReplica(p, brokers, "RACK1"), 3);
  assert.equal(preferredReadReplica(p, brokers, "RACK2"), -1, "the leader is in the client's rack");
  assert.equal(preferredReadReplica(p, brokers, ""), -1, "no client rack");
  assert.equal(preferredReadReplica(p, brokers, "RACK9"), -1, "no replica in the rack");
  assert.equal(
    preferredReadReplica({ ...p, isr: [1, 3] }, brokers, "RACK3"),
    -1,
    "out of sync replicas are not chosen",
  );
  assert.equal(
    preferredReadReplica(
      p,
      brokers.filter((b) => b.nodeId !== 2),
      "RACK3",
    ),
    -1,
    "a replica on a broker that is not live is not chosen",
  );
});
