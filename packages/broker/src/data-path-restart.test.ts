import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  buildRecordBatch,
  defaultCreateTopicsRequest,
  defaultCreateTopicsRequestCreatableTopic,
  defaultFetchRequest,
  ErrorCode,
} from "@samsa/protocol";
import { Broker } from "./broker.js";
import { BrokerConfig } from "./config/broker-config.js";
import { silentLogger } from "./logger.js";
import { openPartitionLogs } from "./storage-logs.js";
import { removeDir } from "./testing/test-broker.js";
import { fetchTopic } from "./testing/fetch-topic.js";
import { TestClient } from "./testing/test-client.js";

async function start(dir: string): Promise<{ broker: Broker; client: TestClient }> {
  const config = BrokerConfig.from([
    ["log.dirs", dir],
    ["listeners", "PLAINTEXT://127.0.0.1:0"],
  ]);
  const broker = new Broker({ config, log: silentLogger(), openLogs: openPartitionLogs });
  await broker.start();
  return { broker, client: await TestClient.connect(broker.identity.endpoints[0].port) };
}

test("after a restart, producer state is rebuilt from the log and producer ids are not reused", async () => {
  const dir = await mkdtemp(join(tmpdir(), "samsa-restart-"));
  try {
    let { broker, client } = await start(dir);
    const topics = [
      { ...defaultCreateTopicsRequestCreatableTopic(), name: "r", numPartitions: 1, replicationFactor: -1 },
    ];
    await client.send(19, 5, { ...defaultCreateTopicsRequest(), topics, timeoutMs: 5000 });
    const init = () =>
      client.send(22, 4, { transactionalId: null, transactionTimeoutMs: 0, producerId: -1n, producerEpoch: -1 });
    const first = await init();
    const producerId = Number(first.producerId);
    const batch = (seq: number) =>
      buildRecordBatch([{ key: "k", value: `v${seq}`, timestamp: Date.now() }], {
        producerId,
        producerEpoch: 0,
        baseSequence: seq,
      });
    const produce = (seq: number) =>
      client.send(0, 9, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 5000,
        topicData: [{ name: "r", partitionData: [{ index: 0, records: batch(seq) }] }],
      });
    for (let seq = 0; seq < 3; seq++) {
      const r = await produce(seq);
      assert.equal(r.responses[0].partitionResponses[0].errorCode, ErrorCode.NONE);
    }
    client.close();
    await broker.stop();

    ({ broker, client } = await start(dir));
    const retried = (await produce(2)).responses[0].partitionResponses[0];
    assert.equal(retried.errorCode, ErrorCode.NONE);
    assert.equal(retried.baseOffset, 2n, "a retry after the restart is answered with its original offset");
    const gap = (await produce(9)).responses[0].partitionResponses[0];
    assert.equal(gap.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    const next = (await produce(3)).responses[0].partitionResponses[0];
    assert.equal(next.baseOffset, 3n);
    const fetched = await client.send(1, 12, {
      ...defaultFetchRequest(),
      maxBytes: 1 << 20,
      topics: [fetchTopic("r")],
    });
    assert.equal(fetched.responses[0].partitions[0].highWatermark, 4n);
    const second = await init();
    assert.ok(Number(second.producerId) > producerId, "producer ids move past the persisted block");
    client.close();
    await broker.stop();
  } finally {
    await removeDir(dir);
  }
});
