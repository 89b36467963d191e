import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  buildRecordBatch,
  defaultCreateTopicsRequest,
  defaultCreateTopicsRequestCreatableTopic,
  defaultDeleteTopicsRequest,
  defaultListOffsetsRequest,
  defaultMetadataRequest,
  ErrorCode,
} from "@samsa/protocol";
import { StorageError } from "@samsa/storage";
import { Broker } from "./broker.js";
import { BrokerConfig } from "./config/broker-config.js";
import { silentLogger } from "./logger.js";
import type { PartitionLogs } from "./partition-logs.js";
import { openPartitionLogs } from "./storage-logs.js";
import { removeDir } from "./testing/test-broker.js";
import { TestClient } from "./testing/test-client.js";

// Kafka answers ListOffsets from its metadata image: once DeleteTopics has removed the topic there,
// its partitions are UNKNOWN_TOPIC_OR_PARTITION, even while the log files are still being deleted.

let broker: Broker;
let logs: PartitionLogs;
let dir: string;
let admin: TestClient;
let reader: TestClient;
interface Hold {
  reached: () => void;
  released: Promise<void>;
}
/** Holds deleteLogs (called after the metadata change) until released: a topic mid-deletion. */
let holdDeletion: Hold | undefined;
/** Holds a timestamp lookup on a log until released: a ListOffsets that started before a deletion. */
let holdLookup: Hold | undefined;
/** Makes timestamp lookups fail as a broken disk would. */
let failLookups = false;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "samsa-listoffsets-delete-"));
  const config = BrokerConfig.from([
    ["log.dirs", dir],
    ["listeners", "PLAINTEXT://127.0.0.1:0"],
  ]);
  broker = new Broker({
    config,
    log: silentLogger(),
    openLogs: async (cfg, log, metadata) => {
      logs = await openPartitionLogs(cfg, log, metadata);
      const deleteLogs = logs.deleteLogs.bind(logs);
      logs.deleteLogs = async (topic, partitions) => {
        const hold = holdDeletion;
        if (hold !== undefined) {
          hold.reached();
          await hold.released;
        }
        return deleteLogs(topic, partitions);
      };
      const getLog = logs.getLog.bind(logs);
      logs.getLog = (topic, partition) => {
        const log = getLog(topic, partition);
        if (log === undefined) return undefined;
        const offsetForTimestamp = log.offsetForTimestamp.bind(log);
        log.offsetForTimestamp = async (timestamp) => {
          const hold = holdLookup;
          if (hold !== undefined) {
            hold.reached();
            await hold.released;
          }
          if (failLookups) throw new StorageError("KAFKA_STORAGE_ERROR", "injected read failure");
          return offsetForTimestamp(timestamp);
        };
        return log;
      };
      return logs;
    },
  });
  await broker.start();
  const port = broker.identity.endpoints[0].port;
  admin = await TestClient.connect(port);
  reader = await TestClient.connect(port);
});

after(async () => {
  admin.close();
  reader.close();
  await broker.stop();
  await removeDir(dir);
});

async function createWithRecords(name: string, count: number): Promise<void> {
  const created = await admin.send(19, 7, {
    ...defaultCreateTopicsRequest(),
    timeoutMs: 1000,
    topics: [{ ...defaultCreateTopicsRequestCreatableTopic(), name, numPartitions: 1, replicationFactor: -1 }],
  });
  assert.equal(created.topics[0].errorCode, ErrorCode.NONE);
  const records = Array.from({ length: count }, (_, i) => ({ key: null, value: `v${i}`, timestamp: Date.now() }));
  const produced = await admin.send(0, 9, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name, partitionData: [{ index: 0, records: buildRecordBatch(records) }] }],
  });
  assert.equal(produced.responses[0].partitionResponses[0].errorCode, ErrorCode.NONE);
}

async function listOffsets(version: number, topic: string, timestamp: bigint) {
  const r = await reader.send(2, version, {
    ...defaultListOffsetsRequest(),
    replicaId: -1,
    topics: [
      {
        name: topic,
        partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 }],
      },
    ],
  });
  return r.topics[0].partitions[0];
}

async function metadataError(topic: string): Promise<number> {
  const r = await reader.send(3, 12, {
    ...defaultMetadataRequest(),
    topics: [{ topicId: "AAAAAAAAAAAAAAAAAAAAAA", name: topic }],
    allowAutoTopicCreation: false,
  });
  return r.topics[0].errorCode;
}

function newHold(): { hold: Hold; atHold: Promise<void>; release: () => void } {
  let reached = () => {};
  let release = () => {};
  const atHold = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { hold: { reached, released }, atHold, release };
}

function deleteTopic(name: string) {
  return admin.send(20, 6, {
    ...defaultDeleteTopicsRequest(),
    timeoutMs: 5000,
    topics: [{ name, topicId: "AAAAAAAAAAAAAAAAAAAAAA" }],
  });
}

test("ListOffsets: a topic whose deletion is under way answers UNKNOWN_TOPIC_OR_PARTITION, as its metadata does", async () => {
  await createWithRecords("doomed", 3);
  const before = await listOffsets(7, "doomed", -1n);
  assert.equal(before.errorCode, ErrorCode.NONE);
  assert.equal(before.offset, 3n);

  const { hold, atHold, release } = newHold();
  holdDeletion = hold;
  const deleting = deleteTopic("doomed");
  await atHold;
  // The metadata no longer has the topic; its log files are not deleted yet.
  assert.ok(logs.getLog("doomed", 0) !== undefined, "the log is still open while its deletion is held");
  assert.equal(await metadataError("doomed"), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  for (const [version, timestamp] of [
    [7, -1n],
    [7, -2n],
    [7, -3n],
    [4, 0n],
    [1, -1n],
  ] as const) {
    const p = await listOffsets(version, "doomed", timestamp);
    assert.equal(p.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `v${version} timestamp ${timestamp}`);
    assert.equal(p.offset, -1n);
  }
  const v0 = await listOffsets(0, "doomed", -1n);
  assert.equal(v0.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  assert.deepEqual(v0.oldStyleOffsets, []);

  holdDeletion = undefined;
  release();
  const deleted = await deleting;
  assert.equal(deleted.responses[0].errorCode, ErrorCode.NONE);
  assert.equal((await listOffsets(7, "doomed", -1n)).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
});

test("ListOffsets: a topic deleted and created again answers for the new topic's log", async () => {
  await createWithRecords("reborn", 5);
  const deleted = await deleteTopic("reborn");
  assert.equal(deleted.responses[0].errorCode, ErrorCode.NONE);
  assert.equal((await listOffsets(7, "reborn", -1n)).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  await createWithRecords("reborn", 2);
  const latest = await listOffsets(7, "reborn", -1n);
  assert.equal(latest.errorCode, ErrorCode.NONE);
  assert.equal(latest.offset, 2n);
  assert.equal((await listOffsets(7, "reborn", -2n)).offset, 0n);
});

test("ListOffsets: a lookup that started before its topic was deleted answers UNKNOWN_TOPIC_OR_PARTITION, not a storage error", async () => {
  await createWithRecords("racing", 4);
  assert.equal((await listOffsets(4, "racing", 0n)).offset, 0n);
  const { hold, atHold, release } = newHold();
  holdLookup = hold;
  const listing = listOffsets(4, "racing", 0n);
  await atHold;
  holdLookup = undefined;
  const deleted = await deleteTopic("racing");
  assert.equal(deleted.responses[0].errorCode, ErrorCode.NONE);
  release();
  const p = await listing;
  assert.equal(p.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  assert.equal(p.offset, -1n);
});

test("ListOffsets: a failed read of a topic that still exists stays KAFKA_STORAGE_ERROR", async () => {
  await createWithRecords("broken", 1);
  failLookups = true;
  try {
    assert.equal((await listOffsets(4, "broken", 0n)).errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
  } finally {
    failLookups = false;
  }
  assert.equal((await listOffsets(4, "broken", 0n)).errorCode, ErrorCode.NONE);
});
