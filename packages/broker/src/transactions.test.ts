import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  apiByKey,
  buildRecordBatch,
  defaultCreateTopicsRequest,
  defaultCreateTopicsRequestCreatableTopic,
  defaultFetchRequest,
  ErrorCode,
  type FetchResponse,
  type RequestByApiKey,
} from "@samsa/protocol";
import { Broker } from "./broker.js";
import { BrokerConfig } from "./config/broker-config.js";
import { silentLogger } from "./logger.js";
import { HANDLERS } from "./handlers/index.js";
import { DiskPartitionLogs } from "./replica/testing/disk-partition-logs.js";
import { advertisedVersions } from "./router.js";
import { removeDir } from "./testing/test-broker.js";
import { fetchTopic } from "./testing/fetch-topic.js";
import { TestClient } from "./testing/test-client.js";

async function startBroker(dir: string, port = 0): Promise<{ broker: Broker; c: TestClient }> {
  const config = BrokerConfig.from([
    ["log.dirs", dir],
    ["listeners", `PLAINTEXT://127.0.0.1:${port}`],
    ["transaction.state.log.num.partitions", "2"],
    ["offsets.topic.num.partitions", "2"],
    ["transaction.max.timeout.ms", "60000"],
  ]);
  const broker = new Broker({ config, log: silentLogger(), openLogs: async () => new DiskPartitionLogs(dir) });
  await broker.start();
  const c = await TestClient.connect(broker.identity.endpoints[0].port);
  return { broker, c };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** FindCoordinator key type 1 until `__transaction_state` exists and the id's partition is loaded. */
async function findTxnCoordinator(c: TestClient, txnId: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const r = await c.send(10, 3, { key: txnId, keyType: 1, coordinatorKeys: [] });
    if (r.errorCode === ErrorCode.NONE) return;
    assert.equal(r.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    await sleep(20);
  }
  throw new Error("no transaction coordinator");
}

async function initProducerId(c: TestClient, txnId: string, timeoutMs = 30_000) {
  for (let i = 0; i < 200; i++) {
    const r = await c.send(22, 4, {
      transactionalId: txnId,
      transactionTimeoutMs: timeoutMs,
      producerId: -1n,
      producerEpoch: -1,
    });
    if (r.errorCode !== ErrorCode.CONCURRENT_TRANSACTIONS && r.errorCode !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)
      return r;
    await sleep(20);
  }
  throw new Error("InitProducerId kept answering a retriable error");
}

function addPartitions(c: TestClient, txnId: string, producerId: bigint, producerEpoch: number, topic: string) {
  return c.send(24, 3, {
    transactions: [],
    v3AndBelowTransactionalId: txnId,
    v3AndBelowProducerId: producerId,
    v3AndBelowProducerEpoch: producerEpoch,
    v3AndBelowTopics: [{ name: topic, partitions: [0] }],
  });
}

async function produceTxn(
  c: TestClient,
  txnId: string,
  producerId: bigint,
  epoch: number,
  seq: number,
  values: string[],
) {
  const batch = buildRecordBatch(
    values.map((v) => ({ key: null, value: Buffer.from(v), timestamp: 0 })),
    { producerId: Number(producerId), producerEpoch: epoch, baseSequence: seq, transactional: true },
  );
  const r = await c.send(0, 9, {
    transactionalId: txnId,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: "t", partitionData: [{ index: 0, records: batch }] }],
  });
  return r.responses[0].partitionResponses[0];
}

function fetch(c: TestClient, isolationLevel: number): Promise<FetchResponse> {
  return c.send(1, 11, {
    ...defaultFetchRequest(),
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel,
    topics: [fetchTopic("t")],
  });
}

function describe(c: TestClient, txnId: string) {
  return c.send(65, 0, { transactionalIds: [txnId] }).then((r) => r.transactionStates[0]);
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 250; i++) {
    if (await check()) return;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

test("transactions over TCP: LSO, aborted transactions, fencing, timeout abort, and recovery after a restart", async () => {
  const dir = await mkdtemp(join(tmpdir(), "samsa-txn-"));
  let { broker, c } = await startBroker(dir);
  try {
    const created = await c.send(19, 7, {
      ...defaultCreateTopicsRequest(),
      timeoutMs: 5000,
      topics: [{ ...defaultCreateTopicsRequestCreatableTopic(), name: "t", numPartitions: 1, replicationFactor: 1 }],
    });
    assert.equal(created.topics[0].errorCode, ErrorCode.NONE);
    await findTxnCoordinator(c, "tx");
    const init = await initProducerId(c, "tx");
    assert.equal(init.errorCode, ErrorCode.NONE);
    assert.equal(init.producerEpoch, 0);
    const pid = init.producerId;

    // A transactional batch for a partition the transaction has not added is refused (KIP-890).
    assert.equal((await produceTxn(c, "tx", pid, 0, 0, ["x"])).errorCode, ErrorCode.INVALID_TXN_STATE);
    const added = await addPartitions(c, "tx", pid, 0, "t");
    assert.equal(added.resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode, ErrorCode.NONE);
    const unknown = await addPartitions(c, "tx", pid, 0, "nope");
    assert.equal(
      unknown.resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    );
    assert.equal((await produceTxn(c, "tx", pid, 0, 0, ["a1", "a2"])).errorCode, ErrorCode.NONE);
    await until("HW over the open transaction", async () => firstOf(await fetch(c, 0)).highWatermark === 2n);
    // read_committed stops at the LSO (the transaction's first offset); read_uncommitted sees it.
    const open = firstOf(await fetch(c, 1));
    assert.equal(open.lastStableOffset, 0n);
    assert.equal(open.records?.length ?? 0, 0);
    assert.equal((await describe(c, "tx")).transactionState, "Ongoing");

    const end = await c.send(26, 3, { transactionalId: "tx", producerId: pid, producerEpoch: 0, committed: false });
    assert.equal(end.errorCode, ErrorCode.NONE);
    await until("CompleteAbort", async () => (await describe(c, "tx")).transactionState === "CompleteAbort");
    await until("LSO past the marker", async () => firstOf(await fetch(c, 1)).lastStableOffset === 3n);
    const aborted = firstOf(await fetch(c, 1));
    assert.deepEqual(
      aborted.abortedTransactions?.map((a) => [a.producerId, a.firstOffset]),
      [[pid, 0n]],
    );
    assert.equal(firstOf(await fetch(c, 0)).abortedTransactions, null);

    // A second InitProducerId bumps the epoch: the old epoch is fenced.
    const again = await initProducerId(c, "tx", 200);
    assert.equal(again.producerEpoch, 1);
    const stale = await c.send(26, 3, { transactionalId: "tx", producerId: pid, producerEpoch: 0, committed: true });
    assert.equal(stale.errorCode, ErrorCode.PRODUCER_FENCED);
    const old = await c.send(26, 1, { transactionalId: "tx", producerId: pid, producerEpoch: 0, committed: true });
    assert.equal(old.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH, "v1 clients do not know PRODUCER_FENCED");

    // The 200 ms transaction times out: the coordinator aborts it and bumps the epoch.
    assert.equal(
      (await addPartitions(c, "tx", pid, 1, "t")).resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode,
      ErrorCode.NONE,
    );
    assert.equal((await produceTxn(c, "tx", pid, 1, 0, ["b1"])).errorCode, ErrorCode.NONE);
    await until("timeout abort", async () => (await describe(c, "tx")).transactionState === "CompleteAbort");
    assert.equal((await describe(c, "tx")).producerEpoch, 2);
    const listed = await c.send(66, 1, { stateFilters: ["CompleteAbort"], producerIdFilters: [], durationFilter: -1n });
    assert.deepEqual(
      listed.transactionStates.map((t) => t.transactionalId),
      ["tx"],
    );
    const none = await c.send(66, 1, { stateFilters: ["Bogus"], producerIdFilters: [], durationFilter: -1n });
    assert.deepEqual(none.unknownStateFilters, ["Bogus"]);
    assert.equal(none.transactionStates.length, 0);

    // A new transaction left open across a restart still holds back the LSO, and is still reported.
    const third = await initProducerId(c, "tx");
    assert.equal(third.producerEpoch, 3);
    await addPartitions(c, "tx", pid, 3, "t");
    assert.equal((await produceTxn(c, "tx", pid, 3, 0, ["c1"])).errorCode, ErrorCode.NONE);
    await until("HW over c1", async () => firstOf(await fetch(c, 0)).highWatermark === 6n);
    const port = broker.identity.endpoints[0].port;
    c.close();
    await broker.stop();
    ({ broker, c } = await startBroker(dir, port));
    await findTxnCoordinator(c, "tx");
    await until("reloaded", async () => (await describe(c, "tx")).errorCode === ErrorCode.NONE);
    const reloaded = await describe(c, "tx");
    assert.equal(reloaded.transactionState, "Ongoing");
    assert.equal(reloaded.producerEpoch, 3);
    await until("HW after restart", async () => firstOf(await fetch(c, 0)).highWatermark === 6n);
    const afterRestart = firstOf(await fetch(c, 1));
    assert.equal(afterRestart.lastStableOffset, 5n, "the open transaction starts at offset 5");
    assert.deepEqual(
      afterRestart.abortedTransactions?.map((a) => a.firstOffset),
      [0n, 3n],
      "both aborted transactions rebuilt from the log",
    );
    const commit = await c.send(26, 3, { transactionalId: "tx", producerId: pid, producerEpoch: 3, committed: true });
    assert.equal(commit.errorCode, ErrorCode.NONE);
    await until("committed", async () => firstOf(await fetch(c, 1)).lastStableOffset === 7n);
  } finally {
    c.close();
    await broker.stop();
    await removeDir(dir);
  }
});

function firstOf(r: FetchResponse) {
  assert.equal(r.errorCode, ErrorCode.NONE);
  const p = r.responses[0].partitions[0];
  assert.equal(p.errorCode, ErrorCode.NONE);
  return p;
}

test("transactional offset commits: staged until the marker, UNSTABLE_OFFSET_COMMIT for require_stable, zombie members refused", async () => {
  const dir = await mkdtemp(join(tmpdir(), "samsa-txn-offsets-"));
  const { broker, c } = await startBroker(dir);
  try {
    for (let i = 0; i < 200; i++) {
      const r = await c.send(10, 3, { key: "g", keyType: 0, coordinatorKeys: [] });
      if (r.errorCode === ErrorCode.NONE) break;
      await sleep(20);
    }
    await findTxnCoordinator(c, "tx");
    const init = await initProducerId(c, "tx");
    const ref = { transactionalId: "tx", producerId: init.producerId, producerEpoch: 0 };
    assert.equal((await c.send(25, 3, { ...ref, groupId: "g" })).errorCode, ErrorCode.NONE);
    const commit = (memberId: string, generationId: number) =>
      c.send(28, 3, {
        ...ref,
        groupId: "g",
        generationId,
        memberId,
        groupInstanceId: null,
        topics: [
          {
            name: "in",
            partitions: [{ partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: -1, committedMetadata: "m" }],
          },
        ],
      });
    assert.equal((await commit("", -1)).topics[0].partitions[0].errorCode, ErrorCode.NONE);
    const fetchOffset = async (requireStable: boolean) => {
      const r = await c.send(9, 7, {
        groupId: "g",
        topics: [{ name: "in", partitionIndexes: [0] }],
        groups: [],
        requireStable,
      });
      return r.topics[0].partitions[0];
    };
    assert.equal((await fetchOffset(true)).errorCode, ErrorCode.UNSTABLE_OFFSET_COMMIT);
    assert.equal((await fetchOffset(false)).committedOffset, -1n, "not visible before the commit marker");
    const end = await c.send(26, 3, { ...ref, committed: true });
    assert.equal(end.errorCode, ErrorCode.NONE);
    await until("offset committed", async () => (await fetchOffset(true)).committedOffset === 5n);
    // After the commit the transaction is over: offsets outside an open transaction are refused,
    // and so are those of an older epoch.
    assert.equal((await commit("", -1)).topics[0].partitions[0].errorCode, ErrorCode.INVALID_TXN_STATE);
    // The group now exists (with no members): unknown members and stale generations are zombies.
    const again = await initProducerId(c, "tx");
    const ref2 = { ...ref, producerEpoch: again.producerEpoch };
    assert.equal((await c.send(25, 3, { ...ref2, groupId: "g" })).errorCode, ErrorCode.NONE);
    const zombie = await c.send(28, 3, {
      ...ref2,
      groupId: "g",
      generationId: -1,
      memberId: "ghost",
      groupInstanceId: null,
      topics: [
        {
          name: "in",
          partitions: [{ partitionIndex: 0, committedOffset: 9n, committedLeaderEpoch: -1, committedMetadata: null }],
        },
      ],
    });
    assert.equal(zombie.topics[0].partitions[0].errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    const stale = await c.send(28, 3, {
      ...ref2,
      groupId: "g",
      generationId: 7,
      memberId: "",
      groupInstanceId: null,
      topics: [
        {
          name: "in",
          partitions: [{ partitionIndex: 0, committedOffset: 9n, committedLeaderEpoch: -1, committedMetadata: null }],
        },
      ],
    });
    assert.equal(stale.topics[0].partitions[0].errorCode, ErrorCode.ILLEGAL_GENERATION);
    const zombieEpoch = await commit("", -1);
    assert.equal(zombieEpoch.topics[0].partitions[0].errorCode, ErrorCode.PRODUCER_FENCED, "epoch 0 is fenced");
    // An aborted transaction's offsets are dropped.
    const staged = await c.send(28, 3, {
      ...ref2,
      groupId: "g",
      generationId: -1,
      memberId: "",
      groupInstanceId: null,
      topics: [
        {
          name: "in",
          partitions: [{ partitionIndex: 0, committedOffset: 8n, committedLeaderEpoch: -1, committedMetadata: null }],
        },
      ],
    });
    assert.equal(staged.topics[0].partitions[0].errorCode, ErrorCode.NONE);
    assert.equal((await c.send(26, 3, { ...ref2, committed: false })).errorCode, ErrorCode.NONE);
    await until("aborted offsets dropped", async () => (await fetchOffset(true)).errorCode === ErrorCode.NONE);
    assert.equal((await fetchOffset(true)).committedOffset, 5n);
  } finally {
    c.close();
    await broker.stop();
    await removeDir(dir);
  }
});

test("every advertised version of the transaction APIs answers a default request, before and after the coordinator exists", async () => {
  const dir = await mkdtemp(join(tmpdir(), "samsa-txn-versions-"));
  const { broker, c } = await startBroker(dir);
  try {
    const keys = [22, 24, 25, 26, 27, 28, 65, 66];
    const ranges = advertisedVersions(HANDLERS).filter((r) => keys.includes(r.apiKey));
    assert.equal(ranges.length, keys.length);
    let pairs = 0;
    for (const round of [0, 1]) {
      if (round === 1) await findTxnCoordinator(c, "x");
      for (const r of ranges) {
        const codec = apiByKey(r.apiKey)?.request;
        assert.ok(codec !== undefined);
        for (let v = r.minVersion; v <= r.maxVersion; v++) {
          const body = codec.defaults() as RequestByApiKey[18];
          await assert.doesNotReject(c.send(r.apiKey as 18, v, body), `api ${r.apiKey} v${v}`);
          pairs++;
        }
      }
    }
    assert.equal(pairs, 2 * 32);
  } finally {
    c.close();
    await broker.stop();
    await removeDir(dir);
  }
});
