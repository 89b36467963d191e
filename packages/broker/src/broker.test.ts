import assert from "node:assert/strict";
import { test } from "node:test";
import {
  defaultApiVersionsRequest,
  defaultCreateTopicsRequest,
  defaultCreateTopicsRequestCreatableTopic,
  ErrorCode,
} from "@samsa/protocol";
import { BrokerConfig } from "./config/broker-config.js";
import { logConfigFor } from "./config/log-config.js";
import { InMemoryPartitionLogs } from "./partition-logs.js";
import { removeDir, startTestBroker } from "./testing/test-broker.js";
import { TestClient } from "./testing/test-client.js";

test("start-up reconciles logs with the metadata: missing ones created, orphans deleted", async () => {
  const first = await startTestBroker();
  try {
    const c = await TestClient.connect(first.port);
    const r = await c.send(19, 7, {
      ...defaultCreateTopicsRequest(),
      topics: [{ ...defaultCreateTopicsRequestCreatableTopic(), name: "kept", numPartitions: 2, replicationFactor: 1 }],
    });
    assert.equal(r.topics[0].errorCode, ErrorCode.NONE);
    c.close();
    assert.equal(first.logs.sizeInBytes("kept", 1), 0);
    await first.stop();

    const logs = new InMemoryPartitionLogs();
    await logs.createLog("ghost", 0);
    await logs.createLog("kept", 7);
    const second = await startTestBroker([], first.dataDir, logs);
    const have = [...logs.partitions()].map((p) => `${p.topic}-${p.partition}`).sort();
    assert.deepEqual(have, ["kept-0", "kept-1"]);
    // Every start is a new leadership term: epochs only go up.
    assert.deepEqual(
      second.broker.metadata.image.topics.get("kept")?.partitions.map((p) => p.leaderEpoch),
      [1, 1],
    );
    await second.stop();
  } finally {
    await removeDir(first.dataDir);
  }
});

test("topic overrides map onto storage's log config", () => {
  const broker = BrokerConfig.from([
    ["log.retention.hours", "1"],
    ["log.segment.bytes", "1048576"],
  ]);
  assert.deepEqual(logConfigFor(broker, { "cleanup.policy": "delete,compact", "max.message.bytes": "2000" }), {
    segmentBytes: 1048576,
    segmentMs: 604800000,
    segmentIndexBytes: 10485760,
    indexIntervalBytes: 4096,
    maxMessageBytes: 2000,
    retentionMs: 3600000,
    retentionBytes: -1,
    cleanupPolicy: "compact,delete",
    deleteRetentionMs: 86400000,
    minCleanableDirtyRatio: 0.5,
    preallocateBytes: 1048576,
  });
  // A flush.messages policy fsyncs outside the group-commit rounds: no zeros ahead.
  assert.equal(logConfigFor(broker, { "flush.messages": "1000" }).preallocateBytes, 0);
  assert.equal(logConfigFor(broker, { "cleanup.policy": "compact" }).cleanupPolicy, "compact");
  assert.equal(logConfigFor(broker, { "min.cleanable.dirty.ratio": "0.01" }).minCleanableDirtyRatio, 0.01);
});

test("socket.request.max.bytes closes only the connection that exceeds it", async () => {
  const b = await startTestBroker([["socket.request.max.bytes", "1000"]]);
  try {
    const good = await TestClient.connect(b.port);
    const bad = await TestClient.connect(b.port);
    const size = Buffer.alloc(4);
    size.writeInt32BE(1001);
    bad.writeRaw(size);
    assert.equal(await bad.closedByBroker(), true);
    const r = await good.send(18, 0, defaultApiVersionsRequest());
    assert.equal(r.errorCode, ErrorCode.NONE);
    good.close();
  } finally {
    await b.stop();
    await removeDir(b.dataDir);
  }
});
