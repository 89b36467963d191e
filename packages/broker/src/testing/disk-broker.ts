import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultCreateTopicsRequest, defaultCreateTopicsRequestCreatableTopic, ErrorCode } from "@samsa/protocol";
import { Broker } from "../broker.js";
import { BrokerConfig } from "../config/broker-config.js";
import { silentLogger } from "../logger.js";
import { openPartitionLogs } from "../storage-logs.js";
import { removeDir } from "./test-broker.js";
import { TestClient } from "./test-client.js";

export interface DiskBroker {
  readonly broker: Broker;
  /** A client connected to the broker's listener. */
  readonly client: TestClient;
  /** Closes the client, stops the broker and removes its data dir. */
  stop(): Promise<void>;
}

/** An in-process broker whose partition logs are on disk (the production storage) in a fresh temp dir. */
export async function startDiskBroker(prefix: string, settings: [string, string][] = []): Promise<DiskBroker> {
  const dir = await mkdtemp(join(tmpdir(), `samsa-${prefix}-`));
  const config = BrokerConfig.from([["log.dirs", dir], ["listeners", "PLAINTEXT://127.0.0.1:0"], ...settings]);
  const broker = new Broker({ config, log: silentLogger(), openLogs: openPartitionLogs });
  await broker.start();
  const client = await TestClient.connect(broker.identity.endpoints[0].port);
  return {
    broker,
    client,
    stop: async () => {
      client.close();
      await broker.stop();
      await removeDir(dir);
    },
  };
}

/** Creates the topics (`name: partitions`) with the default replication and asserts that each was created. */
export async function createTopics(c: TestClient, partitionsByName: Record<string, number>): Promise<void> {
  const topics = Object.entries(partitionsByName).map(([name, numPartitions]) => ({
    ...defaultCreateTopicsRequestCreatableTopic(),
    name,
    numPartitions,
    replicationFactor: -1,
  }));
  const created = await c.send(19, 5, { ...defaultCreateTopicsRequest(), topics, timeoutMs: 5000 });
  assert.deepEqual(
    created.topics.map((t) => t.errorCode),
    topics.map(() => ErrorCode.NONE),
  );
}

/** One Produce (`version`, acks=-1) of `records` to one partition; asserts it was appended. */
export async function produceTo(
  c: TestClient,
  version: number,
  topic: string,
  partition: number,
  records: Buffer,
): Promise<void> {
  const r = await c.send(0, version, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  });
  assert.equal(r.responses[0].partitionResponses[0].errorCode, ErrorCode.NONE);
}
