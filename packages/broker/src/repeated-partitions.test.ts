import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  buildRecordBatch,
  defaultCreateTopicsRequest,
  defaultCreateTopicsRequestCreatableTopic,
  defaultFetchRequest,
  ErrorCode,
  readRecordBatch,
} from "@samsa/protocol";
import { Broker } from "./broker.js";
import { BrokerConfig } from "./config/broker-config.js";
import { silentLogger } from "./logger.js";
import { openPartitionLogs } from "./storage-logs.js";
import { removeDir } from "./testing/test-broker.js";
import { TestClient } from "./testing/test-client.js";

// A partition named twice in one Produce or Fetch request counts once, as in Kafka, whose handlers
// collect the request's partitions in a map keyed by topic-partition (the last mention wins).

let broker: Broker;
let dir: string;
let c: TestClient;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "samsa-repeated-"));
  const config = BrokerConfig.from([
    ["log.dirs", dir],
    ["listeners", "PLAINTEXT://127.0.0.1:0"],
  ]);
  broker = new Broker({
    config,
    log: silentLogger(),
    openLogs: (cfg, log, metadata) => openPartitionLogs(cfg, log, metadata),
  });
  await broker.start();
  c = await TestClient.connect(broker.identity.endpoints[0].port);
  const topics = [
    { ...defaultCreateTopicsRequestCreatableTopic(), name: "r", numPartitions: 2, replicationFactor: -1 },
  ];
  const created = await c.send(19, 5, { ...defaultCreateTopicsRequest(), topics, timeoutMs: 5000 });
  assert.equal(created.topics[0].errorCode, ErrorCode.NONE);
});

after(async () => {
  c.close();
  await broker.stop();
  await removeDir(dir);
});

const batch = (...values: string[]) =>
  buildRecordBatch(values.map((v, i) => ({ key: `k${i}`, value: v, timestamp: Date.now() })));

function fetchPartition(partition: number, offset: number) {
  return {
    partition,
    currentLeaderEpoch: -1,
    fetchOffset: BigInt(offset),
    lastFetchedEpoch: -1,
    logStartOffset: -1n,
    partitionMaxBytes: 1 << 20,
    replicaDirectoryId: "AAAAAAAAAAAAAAAAAAAAAA",
  };
}

function fetch(...parts: [number, number][]) {
  return c.send(1, 11, {
    ...defaultFetchRequest(),
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    topics: parts.map(([partition, offset]) => ({
      topic: "r",
      topicId: "AAAAAAAAAAAAAAAAAAAAAA",
      partitions: [fetchPartition(partition, offset)],
    })),
  });
}

test("produce: a partition named twice is appended once (its last records); a topic named twice answers once", async () => {
  const r = await c.send(0, 8, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [
      { name: "r", partitionData: [{ index: 0, records: batch("first") }] },
      {
        name: "r",
        partitionData: [
          { index: 1, records: batch("other") },
          { index: 0, records: batch("second-a", "second-b") },
        ],
      },
    ],
  });
  assert.deepEqual(
    r.responses.map((t) => [t.name, t.partitionResponses.map((p) => [p.index, p.errorCode, p.baseOffset])]),
    [
      [
        "r",
        [
          [0, ErrorCode.NONE, 0n],
          [1, ErrorCode.NONE, 0n],
        ],
      ],
    ],
  );
  const f = await fetch([0, 0]);
  const p = f.responses[0].partitions[0];
  assert.equal(p.highWatermark, 2n, "only the last mention was appended");
  const values = [...readRecordBatch(p.records as Buffer, 0)].map((rec) => rec.value?.toString());
  assert.deepEqual(values, ["second-a", "second-b"]);
});

test("fetch: a partition named twice is read once, from its last mention's offset", async () => {
  const f = await fetch([0, 0], [1, 0], [0, 2]);
  const answered = f.responses.flatMap((t) =>
    t.partitions.map((p) => [p.partitionIndex, (p.records as Buffer).length]),
  );
  assert.equal(answered.length, 2, `partitions answered: ${JSON.stringify(answered)}`);
  assert.deepEqual(answered[0], [0, 0], "partition 0 at its first place, read from offset 2 (the log end)");
  assert.equal(answered[1][0], 1);
  assert.ok(answered[1][1] > 0, "partition 1 read from offset 0");
});
