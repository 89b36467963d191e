import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { defaultCreateTopicsRequest, defaultCreateTopicsRequestCreatableTopic, ErrorCode } from "@samsa/protocol";
import { type RunningBroker, removeDir, startTestBroker } from "../testing/test-broker.js";
import { TestClient } from "../testing/test-client.js";

// A single node decides these itself (it is its own controller); cluster mode is covered by
// test/cluster/scale-out.test.mjs.
let b: RunningBroker;
let c: TestClient;
before(async () => {
  b = await startTestBroker([["num.partitions", "2"]]);
  c = await TestClient.connect(b.port);
  const topics = [{ ...defaultCreateTopicsRequestCreatableTopic(), name: "t", numPartitions: 2, replicationFactor: 1 }];
  const r = await c.send(19, 5, { ...defaultCreateTopicsRequest(), topics, timeoutMs: 1000 });
  assert.equal(r.topics[0].errorCode, ErrorCode.NONE);
});
after(async () => {
  c.close();
  await b.stop();
  await removeDir(b.dataDir);
});

test("ElectLeaders v0-v2: the single node leads already (ELECTION_NOT_NEEDED); unknown partitions; all partitions", async () => {
  for (const version of [0, 1, 2]) {
    const r = await c.send(43, version, {
      electionType: 0,
      topicPartitions: [
        { topic: "t", partitions: [0, 5] },
        { topic: "nope", partitions: [0] },
      ],
      timeoutMs: 1000,
    });
    assert.equal(r.errorCode, ErrorCode.NONE);
    const codes = r.replicaElectionResults.flatMap((t) =>
      t.partitionResult.map((p) => [t.topic, p.partitionId, p.errorCode]),
    );
    assert.deepEqual(codes, [
      ["t", 0, ErrorCode.ELECTION_NOT_NEEDED],
      ["t", 5, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ["nope", 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
  }
  const all = await c.send(43, 2, { electionType: 1, topicPartitions: null, timeoutMs: 1000 });
  assert.deepEqual(all.replicaElectionResults, [], "partitions that need no election are left out");
  const bad = await c.send(43, 2, {
    electionType: 7,
    topicPartitions: [{ topic: "t", partitions: [0] }],
    timeoutMs: 1000,
  });
  assert.equal(bad.errorCode, ErrorCode.INVALID_REQUEST);
});

test("AlterPartitionReassignments / ListPartitionReassignments: validation, no-op target, cancel without one", async () => {
  const r = await c.send(45, 0, {
    timeoutMs: 1000,
    topics: [
      {
        name: "t",
        partitions: [
          { partitionIndex: 0, replicas: [1] },
          { partitionIndex: 1, replicas: [1, 2] },
        ],
      },
      { name: "nope", partitions: [{ partitionIndex: 0, replicas: [1] }] },
    ],
  });
  assert.equal(r.errorCode, ErrorCode.NONE);
  const codes = r.responses.flatMap((t) => t.partitions.map((p) => p.errorCode));
  assert.deepEqual(codes, [ErrorCode.NONE, ErrorCode.INVALID_REPLICA_ASSIGNMENT, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  const cancel = await c.send(45, 0, {
    timeoutMs: 1000,
    topics: [{ name: "t", partitions: [{ partitionIndex: 0, replicas: null }] }],
  });
  assert.equal(cancel.responses[0].partitions[0].errorCode, ErrorCode.NO_REASSIGNMENT_IN_PROGRESS);
  const list = await c.send(46, 0, { timeoutMs: 1000, topics: null });
  assert.equal(list.errorCode, ErrorCode.NONE);
  assert.deepEqual(list.topics, []);
});
