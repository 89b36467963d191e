// Cluster mode: a transactional producer writes to partitions led by brokers other than its
// transaction coordinator. Their leaders must take its batches (librdkafka 0103: only the partition
// the coordinator led was ever delivered; the others answered NOT_ENOUGH_REPLICAS forever), and the
// commit must reach them as markers (WriteTxnMarkers), or read_committed consumers never see them.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { TestClient } from "../../packages/broker/dist/testing/test-client.js";
import {
  buildRecordBatch,
  defaultCreateTopicsRequest,
  defaultFetchRequest,
  defaultCreateTopicsRequestCreatableTopic,
  defaultFindCoordinatorRequest,
  defaultMetadataRequest,
  defaultOffsetFetchRequest,
} from "../../packages/protocol/dist/index.js";
import { startCluster, startEtcd } from "./harness.mjs";

const TOPIC = "txn-spread";
const PARTITIONS = 3;
const RETRIABLE = new Set([7, 14, 15, 16, 19, 51]); // timeouts, coordinator moves/loads, NOT_ENOUGH_REPLICAS, CONCURRENT_TRANSACTIONS

let etcd;
let brokers = [];
const clients = [];

before(async () => {
  etcd = await startEtcd();
  brokers = await startCluster(etcd.url, 3);
});

after(async () => {
  for (const c of clients) c.close();
  for (const b of brokers) await b.broker.stop().catch(() => {});
  await etcd?.stop();
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function connect(nodeId) {
  const c = await TestClient.connect(brokers.find((b) => b.id === nodeId).port);
  clients.push(c);
  return c;
}

/** Sends until the answer's error is not retriable (or 20 s pass); returns the last answer. */
async function untilSettled(send, errorOf) {
  let last;
  for (let i = 0; i < 100; i++) {
    last = await send();
    if (!RETRIABLE.has(errorOf(last))) return last;
    await sleep(200);
  }
  return last;
}

test("transactional batches to partitions led by other brokers than the coordinator are appended", async () => {
  const txnId = "txn-spread-1";
  const first = await connect(1);
  const found = await untilSettled(
    () => first.send(10, 3, { ...defaultFindCoordinatorRequest(), key: txnId, keyType: 1 }),
    (r) => r.errorCode,
  );
  assert.equal(found.errorCode, 0);
  const coordinator = await connect(found.nodeId);
  const created = await first.send(19, 5, {
    ...defaultCreateTopicsRequest(),
    timeoutMs: 10_000,
    topics: [
      { ...defaultCreateTopicsRequestCreatableTopic(), name: TOPIC, numPartitions: PARTITIONS, replicationFactor: 3 },
    ],
  });
  assert.equal(created.topics[0].errorCode, 0);
  const metadata = await first.send(3, 9, {
    ...defaultMetadataRequest(),
    topics: [{ name: TOPIC, topicId: "AAAAAAAAAAAAAAAAAAAAAA" }],
  });
  const leaders = new Map(metadata.topics[0].partitions.map((p) => [p.partitionIndex, p.leaderId]));
  assert.ok(
    [...leaders.values()].some((l) => l !== found.nodeId),
    `some partition is led by another broker than the coordinator ${found.nodeId}: ${[...leaders]}`,
  );

  const init = await untilSettled(
    () =>
      coordinator.send(22, 4, {
        transactionalId: txnId,
        transactionTimeoutMs: 60_000,
        producerId: -1n,
        producerEpoch: -1,
      }),
    (r) => r.errorCode,
  );
  assert.equal(init.errorCode, 0);
  const added = await untilSettled(
    () =>
      coordinator.send(24, 3, {
        transactions: [],
        v3AndBelowTransactionalId: txnId,
        v3AndBelowProducerId: init.producerId,
        v3AndBelowProducerEpoch: init.producerEpoch,
        v3AndBelowTopics: [{ name: TOPIC, partitions: [...leaders.keys()] }],
      }),
    (r) => Math.max(...r.resultsByTopicV3AndBelow[0].resultsByPartition.map((p) => p.partitionErrorCode)),
  );
  assert.deepEqual(
    added.resultsByTopicV3AndBelow[0].resultsByPartition.map((p) => p.partitionErrorCode),
    [0, 0, 0],
  );

  for (const [partition, leaderId] of leaders) {
    const leader = await connect(leaderId);
    const batch = buildRecordBatch([{ key: null, value: Buffer.from(`v${partition}`), timestamp: Date.now() }], {
      producerId: Number(init.producerId),
      producerEpoch: init.producerEpoch,
      baseSequence: 0,
      transactional: true,
    });
    const produced = await untilSettled(
      () =>
        leader.send(0, 9, {
          transactionalId: txnId,
          acks: -1,
          timeoutMs: 5000,
          topicData: [{ name: TOPIC, partitionData: [{ index: partition, records: batch }] }],
        }),
      (r) => r.responses[0].partitionResponses[0].errorCode,
    );
    assert.equal(
      produced.responses[0].partitionResponses[0].errorCode,
      0,
      `partition ${partition} (leader ${leaderId}, coordinator ${found.nodeId})`,
    );
  }

  // Offsets inside the transaction, at a group coordinator that is not the transaction coordinator.
  let groupId;
  let groupCoordinator;
  for (let i = 0; groupCoordinator === undefined || groupCoordinator === found.nodeId; i++) {
    assert.ok(i < 50, "some group is coordinated by another broker");
    groupId = `txn-spread-group-${i}`;
    const g = await untilSettled(
      () => first.send(10, 3, { ...defaultFindCoordinatorRequest(), key: groupId, keyType: 0 }),
      (r) => r.errorCode,
    );
    assert.equal(g.errorCode, 0);
    groupCoordinator = g.nodeId;
  }
  const addedOffsets = await untilSettled(
    () =>
      coordinator.send(25, 3, {
        transactionalId: txnId,
        producerId: init.producerId,
        producerEpoch: init.producerEpoch,
        groupId,
      }),
    (r) => r.errorCode,
  );
  assert.equal(addedOffsets.errorCode, 0);
  const groupLeader = await connect(groupCoordinator);
  const committedOffsets = await untilSettled(
    () =>
      groupLeader.send(28, 3, {
        transactionalId: txnId,
        groupId,
        producerId: init.producerId,
        producerEpoch: init.producerEpoch,
        generationId: -1,
        memberId: "",
        groupInstanceId: null,
        topics: [
          {
            name: TOPIC,
            partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: "" }],
          },
        ],
      }),
    (r) => r.topics[0].partitions[0].errorCode,
  );
  assert.equal(
    committedOffsets.topics[0].partitions[0].errorCode,
    0,
    `TxnOffsetCommit at group coordinator ${groupCoordinator}, transaction coordinator ${found.nodeId}`,
  );

  const ended = await untilSettled(
    () =>
      coordinator.send(26, 3, {
        transactionalId: txnId,
        producerId: init.producerId,
        producerEpoch: init.producerEpoch,
        committed: true,
      }),
    (r) => r.errorCode,
  );
  assert.equal(ended.errorCode, 0);
  // The record (offset 0) and its COMMIT marker (offset 1): the last stable offset passes both.
  for (const [partition, leaderId] of leaders) {
    const leader = await connect(leaderId);
    let lso = -1n;
    for (let i = 0; i < 100 && lso < 2n; i++) {
      const f = await leader.send(1, 11, {
        ...defaultFetchRequest(),
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 1 << 20,
        isolationLevel: 1,
        topics: [
          {
            topic: TOPIC,
            topicId: "AAAAAAAAAAAAAAAAAAAAAA",
            partitions: [
              {
                partition,
                currentLeaderEpoch: -1,
                fetchOffset: 0n,
                lastFetchedEpoch: -1,
                logStartOffset: -1n,
                partitionMaxBytes: 1 << 20,
                replicaDirectoryId: "AAAAAAAAAAAAAAAAAAAAAA",
              },
            ],
          },
        ],
      });
      lso = f.responses[0].partitions[0].lastStableOffset;
      if (lso < 2n) await sleep(100);
    }
    assert.equal(lso, 2n, `partition ${partition} (leader ${leaderId}, coordinator ${found.nodeId}): committed`);
  }
  // The COMMIT marker reached the group's __consumer_offsets partition: the offset is the group's.
  let committed = -1n;
  for (let i = 0; i < 100 && committed !== 1n; i++) {
    const r = await groupLeader.send(9, 8, {
      ...defaultOffsetFetchRequest(),
      groups: [{ groupId, memberId: null, memberEpoch: -1, topics: [{ name: TOPIC, partitionIndexes: [0] }] }],
      requireStable: false,
    });
    committed = r.groups[0].topics[0]?.partitions[0]?.committedOffset ?? -1n;
    if (committed !== 1n) await sleep(100);
  }
  assert.equal(committed, 1n, "the transaction's offset is committed to the group");
});
