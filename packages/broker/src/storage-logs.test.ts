import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  defaultCreateTopicsRequest,
  defaultCreateTopicsRequestCreatableTopic,
  defaultDeleteTopicsRequest,
  defaultDescribeLogDirsRequest,
  ErrorCode,
} from "@samsa/protocol";
import { Broker } from "./broker.js";
import { BrokerConfig } from "./config/broker-config.js";
import { silentLogger } from "./logger.js";
import { openPartitionLogs } from "./storage-logs.js";
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

const partitionDirs = async (dir: string) => (await readdir(dir)).filter((n) => /-\d+$/.test(n)).sort();

test("topics create and delete partition logs on disk; a stale log of a re-created topic is replaced", async () => {
  const dir = await mkdtemp(join(tmpdir(), "samsa-storage-logs-"));
  try {
    const a = await start(dir);
    const topic = (name: string, numPartitions: number) => ({
      ...defaultCreateTopicsRequestCreatableTopic(),
      name,
      numPartitions,
      replicationFactor: 1,
    });
    const created = await a.client.send(19, 7, {
      ...defaultCreateTopicsRequest(),
      topics: [topic("disk", 2), topic("gone", 1)],
    });
    assert.deepEqual(
      created.topics.map((t) => t.errorCode),
      [ErrorCode.NONE, ErrorCode.NONE],
    );
    assert.deepEqual(await partitionDirs(dir), ["disk-0", "disk-1", "gone-0"]);
    const dirs = await a.client.send(35, 4, { ...defaultDescribeLogDirsRequest(), topics: null });
    assert.deepEqual(dirs.results[0].topics.map((t) => [t.name, t.partitions.length]).sort(), [
      ["disk", 2],
      ["gone", 1],
    ]);
    const deleted = await a.client.send(20, 6, {
      ...defaultDeleteTopicsRequest(),
      topics: [{ name: "gone", topicId: "AAAAAAAAAAAAAAAAAAAAAA" }],
    });
    assert.equal(deleted.responses[0].errorCode, ErrorCode.NONE);
    assert.deepEqual(await partitionDirs(dir), ["disk-0", "disk-1"]);
    a.client.close();
    const oldId = created.topics[0].topicId;
    // Simulate a crash between the metadata write and the log deletion: re-create "disk" in the
    // metadata only, while the old logs stay.
    const { deleteTopic, createTopic } = await import("@samsa/metadata");
    await a.broker.metadata.apply((img) => deleteTopic(img, "disk"));
    const recreated = await a.broker.metadata.apply((img) =>
      createTopic(
        img,
        { name: "disk", numPartitions: 1, replicationFactor: 1, assignments: [], configs: {} },
        {
          defaultPartitions: 1,
          defaultReplicationFactor: 1,
          validateConfig: () => undefined,
          newTopicId: () => "BBBBBBBBBBBBBBBBBBBBBA",
        },
      ),
    );
    assert.ok(recreated.ok);
    await a.broker.stop();

    const b = await start(dir);
    assert.deepEqual(await partitionDirs(dir), ["disk-0"]);
    assert.match(await readFile(join(dir, "disk-0", "partition.metadata"), "utf8"), /BBBBBBBBBBBBBBBBBBBBBA/);
    const logs = b.broker.metadata.image.topics.get("disk")!;
    assert.notEqual(logs.topicId, oldId);
    b.client.close();
    await b.broker.stop();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
