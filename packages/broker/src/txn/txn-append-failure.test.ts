import assert from "node:assert/strict";
import { test } from "node:test";
import type { MetadataStore } from "@samsa/metadata";
import { ManualScheduler } from "@samsa/replication";
import { BrokerConfig } from "../config/broker-config.js";
import type { GroupCoordinatorService } from "../group-coordinator-service.js";
import { silentLogger } from "../logger.js";
import type { ReplicaManager } from "../replica/replica-manager.js";
import { PendingTxnOffsets } from "./pending-txn-offsets.js";
import { TRANSACTION_STATE_TOPIC, TransactionCoordinatorService } from "./transaction-coordinator-service.js";

// The transaction coordinator applies a transition only once its `__transaction_state` record is
// appended; a CompleteCommit whose append fails for a retriable reason is retried (as Kafka does)
// rather than leaving the transaction in PrepareCommit. The partitions are stand-ins.

test("a failed CompleteCommit append is retried until it lands; the id then takes a new transaction", async () => {
  const scheduler = new ManualScheduler(1_000);
  const clock = { nowMs: () => scheduler.monotonicMs(), monotonicMs: () => scheduler.monotonicMs() };
  let appends = 0;
  // The 4th and 5th `__transaction_state` appends (the CompleteCommit and its first retry) fail.
  const failing = new Set([4, 5]);
  const txnState = {
    state: { highWatermark: Number.MAX_SAFE_INTEGER, leaderEpoch: 0 },
    resigned: false,
    log: { logStartOffset: 0, logEndOffset: 0 },
    flush: async () => {},
    appendAsLeader: async () => {
      appends++;
      if (failing.has(appends)) return { kind: "error", error: "NOT_ENOUGH_REPLICAS", message: "" };
      return { kind: "appended", baseOffset: appends, lastOffset: appends, logAppendTimeMs: -1, logStartOffset: 0 };
    },
  };
  const markers: boolean[] = [];
  const data = {
    appendTxnMarker: async (m: { commit: boolean }) => {
      markers.push(m.commit);
      return { error: "NONE" };
    },
  };
  const service = new TransactionCoordinatorService({
    config: BrokerConfig.from([
      ["node.id", "1"],
      ["transaction.state.log.num.partitions", "1"],
    ]),
    metadata: {
      image: {
        topics: new Map([
          [TRANSACTION_STATE_TOPIC, { partitions: [{ partitionIndex: 0, leaderId: 1, leaderEpoch: 0 }] }],
        ]),
      },
    } as unknown as MetadataStore,
    replicas: {
      getPartition: async (topic: string) => ({ partition: topic === TRANSACTION_STATE_TOPIC ? txnState : data }),
    } as unknown as ReplicaManager,
    groups: { loading: () => false } as unknown as GroupCoordinatorService,
    txnOffsets: new PendingTxnOffsets(),
    clock,
    log: silentLogger(),
    scheduler,
  });
  const settle = async () => {
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  };
  service.start();
  await settle();
  const c = service.coordinator;
  const init = await service.run(
    (now) =>
      c.initProducerId({ transactionalId: "x", timeoutMs: 60_000, producerId: -1, producerEpoch: -1 }, 1000, now),
    "x",
  );
  assert.equal(init.error, "NONE");
  const ref = { transactionalId: "x", producerId: init.producerId, producerEpoch: init.producerEpoch };
  assert.equal(
    (await service.run((now) => c.addPartitions(ref, [{ topic: "t", partition: 0 }], now), "x")).error,
    "NONE",
  );
  assert.equal((await service.run((now) => c.endTxn(ref, true, now), "x")).error, "NONE");
  await settle();
  assert.deepEqual(markers, [true], "the COMMIT marker is written");
  assert.equal(appends, 4);
  assert.equal(c.describe("x")?.state, "PrepareCommit", "the failed CompleteCommit changed nothing");

  scheduler.advance(100);
  await settle();
  assert.equal(appends, 5, "retried after the backoff");
  scheduler.advance(200);
  await settle();
  assert.equal(appends, 6);
  assert.equal(c.describe("x")?.state, "CompleteCommit");
  assert.equal(
    (await service.run((now) => c.addPartitions(ref, [{ topic: "t", partition: 0 }], now), "x")).error,
    "NONE",
  );
  service.close();
});
