import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  buildMessageSet,
  buildRecordBatch,
  CompressionType,
  defaultCreateTopicsRequest,
  defaultCreateTopicsRequestCreatableTopic,
  defaultFetchRequest,
  defaultListOffsetsRequest,
  ErrorCode,
  type FetchResponse,
  readMessageSet,
  readRecordBatch,
  type RecordInput,
  TimestampType,
} from "@samsa/protocol";
import { bumpLeaderEpochs } from "@samsa/metadata";
import { Broker } from "./broker.js";
import { BrokerConfig } from "./config/broker-config.js";
import { silentLogger } from "./logger.js";
import type { PartitionLogs } from "./partition-logs.js";
import { openPartitionLogs } from "./storage-logs.js";
import { removeDir } from "./testing/test-broker.js";
import { fetchTopic } from "./testing/fetch-topic.js";
import { TestClient } from "./testing/test-client.js";

let broker: Broker;
let logs: PartitionLogs;
let dir: string;
let c: TestClient;
let port: number;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "samsa-datapath-"));
  const config = BrokerConfig.from([
    ["log.dirs", dir],
    ["listeners", "PLAINTEXT://127.0.0.1:0"],
    ["num.partitions", "1"],
  ]);
  broker = new Broker({
    config,
    log: silentLogger(),
    openLogs: async (cfg, log, metadata) => {
      logs = await openPartitionLogs(cfg, log, metadata);
      return logs;
    },
  });
  await broker.start();
  port = broker.identity.endpoints[0].port;
  c = await TestClient.connect(port);
  const topics = [
    { ...defaultCreateTopicsRequestCreatableTopic(), name: "t", numPartitions: 2, replicationFactor: -1 },
    {
      ...defaultCreateTopicsRequestCreatableTopic(),
      name: "compacted",
      numPartitions: 1,
      replicationFactor: -1,
      configs: [{ name: "cleanup.policy", value: "compact" }],
    },
    {
      ...defaultCreateTopicsRequestCreatableTopic(),
      name: "appendtime",
      numPartitions: 1,
      replicationFactor: -1,
      configs: [{ name: "message.timestamp.type", value: "LogAppendTime" }],
    },
    {
      ...defaultCreateTopicsRequestCreatableTopic(),
      name: "gzipped",
      numPartitions: 1,
      replicationFactor: -1,
      configs: [{ name: "compression.type", value: "gzip" }],
    },
    {
      ...defaultCreateTopicsRequestCreatableTopic(),
      name: "zstdonly",
      numPartitions: 1,
      replicationFactor: -1,
      configs: [{ name: "compression.type", value: "zstd" }],
    },
  ];
  const created = await c.send(19, 5, { ...defaultCreateTopicsRequest(), topics, timeoutMs: 5000 });
  for (const t of created.topics) assert.equal(t.errorCode, ErrorCode.NONE, `${t.name}: ${t.errorMessage}`);
});

after(async () => {
  c.close();
  await broker.stop();
  await removeDir(dir);
});

function records(n: number, prefix = "v", over: Parameters<typeof buildRecordBatch>[1] = {}): Buffer {
  const rs: RecordInput[] = Array.from({ length: n }, (_, i) => ({
    key: `k${i}`,
    value: `${prefix}${i}`,
    timestamp: Date.now(),
  }));
  return buildRecordBatch(rs, over);
}

async function produce(
  version: number,
  topic: string,
  partition: number,
  data: Buffer | null,
  acks = -1,
  transactionalId: string | null = null,
) {
  const r = await c.send(0, version, {
    transactionalId,
    acks,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records: data }] }],
  });
  return r.responses[0].partitionResponses[0];
}

async function fetch(version: number, topic: string, partition: number, offset: number, over = {}) {
  const topicId = broker.metadata.image.topics.get(topic)?.topicId ?? "AAAAAAAAAAAAAAAAAAAAAA";
  return c.send(1, version, {
    ...defaultFetchRequest(),
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    ...over,
    topics: [
      {
        topic,
        topicId,
        partitions: [
          {
            partition,
            currentLeaderEpoch: -1,
            fetchOffset: BigInt(offset),
            lastFetchedEpoch: -1,
            logStartOffset: -1n,
            partitionMaxBytes: 1 << 20,
            replicaDirectoryId: "AAAAAAAAAAAAAAAAAAAAAA",
          },
        ],
      },
    ],
  });
}

function firstPartition(r: FetchResponse) {
  return r.responses[0].partitions[0];
}

function values(bytes: Buffer): string[] {
  const out: string[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const batch = readRecordBatch(bytes, pos);
    for (const r of batch) out.push(r.value?.toString() ?? "");
    pos += 12 + batch.header.batchLength;
  }
  return out;
}

test("produce acks=-1 answers after the fsync; fetch returns the bytes up to the HW", async () => {
  const p = await produce(9, "t", 0, records(3, "a"));
  assert.equal(p.errorCode, ErrorCode.NONE);
  assert.equal(p.baseOffset, 0n);
  assert.equal(p.logStartOffset, 0n);
  assert.equal(p.logAppendTimeMs, -1n);
  const log = logs.getLog("t", 0)!;
  assert.ok(log.recoveryPoint >= 3, `acks=-1 answered before the fsync (recovery point ${log.recoveryPoint})`);
  const f = firstPartition(await fetch(12, "t", 0, 0));
  assert.equal(f.errorCode, ErrorCode.NONE);
  assert.equal(f.highWatermark, 3n);
  assert.equal(f.lastStableOffset, 3n);
  assert.deepEqual(values(f.records as Buffer), ["a0", "a1", "a2"]);
});

test("produce at several versions; fetch at several versions", async () => {
  for (const v of [3, 5, 7, 8, 11]) {
    const p = await produce(v, "t", 1, records(2, `p${v}-`), 1);
    assert.equal(p.errorCode, ErrorCode.NONE, `produce v${v}`);
  }
  await logs.getLog("t", 1)!.flush();
  for (const v of [4, 7, 11, 13, 16, 17]) {
    const f = firstPartition(await fetch(v, "t", 1, 0));
    assert.equal(f.errorCode, ErrorCode.NONE, `fetch v${v}`);
    assert.ok(values(f.records as Buffer).length >= 2, `fetch v${v} returned records`);
  }
});

test("legacy message sets are up-converted on produce and down-converted on fetch v2", async () => {
  const set = buildMessageSet(
    [
      { key: Buffer.from("x"), value: Buffer.from("old1"), timestamp: Date.now() },
      { key: Buffer.from("y"), value: Buffer.from("old2"), timestamp: Date.now() },
    ],
    { magic: 1 },
  );
  const p = await produce(2, "t", 0, set, -1);
  assert.equal(p.errorCode, ErrorCode.NONE);
  const base = Number(p.baseOffset);
  const f = firstPartition(await fetch(2, "t", 0, base));
  assert.equal(f.errorCode, ErrorCode.NONE);
  const msgs = readMessageSet(f.records as Buffer, { maxUncompressedBytes: 1 << 20, allowPartialTail: true });
  assert.deepEqual(
    msgs.map((m) => [m.magic, m.offset, m.value?.toString()]),
    [
      [1, base, "old1"],
      [1, base + 1, "old2"],
    ],
  );
  const v0 = buildMessageSet([{ key: null, value: Buffer.from("ancient") }], { magic: 0 });
  const p0 = await produce(0, "t", 0, v0, 1);
  assert.equal(p0.errorCode, ErrorCode.NONE);
  await logs.getLog("t", 0)!.flush();
  const f0 = firstPartition(await fetch(0, "t", 0, Number(p0.baseOffset)));
  const m0 = readMessageSet(f0.records as Buffer, { maxUncompressedBytes: 1 << 20, allowPartialTail: true });
  assert.deepEqual(
    m0.map((m) => [m.magic, m.value?.toString()]),
    [[0, "ancient"]],
  );
});

test("a long poll wakes up when data arrives and expires without it", async () => {
  const hw = Number(firstPartition(await fetch(12, "t", 0, 0)).highWatermark);
  const other = await TestClient.connect(port);
  try {
    const started = Date.now();
    const waiting = fetch(12, "t", 0, hw, { maxWaitMs: 10_000, minBytes: 1 });
    await new Promise((r) => setTimeout(r, 50));
    const p = await other.send(0, 9, {
      transactionalId: null,
      acks: 1,
      timeoutMs: 1000,
      topicData: [{ name: "t", partitionData: [{ index: 0, records: records(1, "late") }] }],
    });
    assert.equal(p.responses[0].partitionResponses[0].errorCode, ErrorCode.NONE);
    const f = firstPartition(await waiting);
    assert.ok(Date.now() - started < 5000, "the fetch woke up early");
    assert.deepEqual(values(f.records as Buffer), ["late0"]);
  } finally {
    other.close();
  }
  const hw2 = Number(firstPartition(await fetch(12, "t", 0, 0)).highWatermark);
  const started = Date.now();
  const empty = firstPartition(await fetch(12, "t", 0, hw2, { maxWaitMs: 200, minBytes: 1 }));
  const waited = Date.now() - started;
  assert.ok(waited >= 150 && waited < 3000, `waited ${waited} ms`);
  assert.equal((empty.records as Buffer).length, 0);
});

test("idempotent producer: duplicates answer the original offsets; gaps and old epochs are refused", async () => {
  const init = await c.send(22, 4, {
    transactionalId: null,
    transactionTimeoutMs: 0,
    producerId: -1n,
    producerEpoch: -1,
  });
  assert.equal(init.errorCode, ErrorCode.NONE);
  assert.equal(init.producerEpoch, 0);
  const producerId = Number(init.producerId);
  const batch = (seq: number, epoch = 0) =>
    records(2, `idem${seq}-`, { producerId, producerEpoch: epoch, baseSequence: seq });
  const first = await produce(9, "t", 1, batch(0));
  assert.equal(first.errorCode, ErrorCode.NONE);
  const again = await produce(9, "t", 1, batch(0));
  assert.equal(again.errorCode, ErrorCode.NONE);
  assert.equal(again.baseOffset, first.baseOffset);
  const gap = await produce(9, "t", 1, batch(5));
  assert.equal(gap.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.equal(gap.baseOffset, -1n);
  assert.ok(gap.logStartOffset >= 0n);
  assert.equal((await produce(9, "t", 1, batch(0, 1))).errorCode, ErrorCode.NONE);
  assert.equal((await produce(9, "t", 1, batch(2, 0))).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
  const second = await c.send(22, 4, {
    transactionalId: null,
    transactionTimeoutMs: 0,
    producerId: -1n,
    producerEpoch: -1,
  });
  assert.notEqual(second.producerId, init.producerId);
  const txn = await c.send(22, 4, {
    transactionalId: "tx",
    transactionTimeoutMs: 60_000,
    producerId: -1n,
    producerEpoch: -1,
  });
  assert.equal(txn.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
});

test("produce error codes", async () => {
  assert.equal((await produce(9, "nope", 0, records(1))).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  assert.equal((await produce(9, "t", 7, records(1))).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  assert.equal((await produce(9, "t", 0, records(1), 2)).errorCode, ErrorCode.INVALID_REQUIRED_ACKS);
  const corrupt = records(2);
  corrupt[corrupt.length - 1] ^= 0xff;
  assert.equal((await produce(9, "t", 0, corrupt)).errorCode, ErrorCode.CORRUPT_MESSAGE);
  const zstd = records(2, "z", { compression: CompressionType.ZSTD });
  assert.equal((await produce(6, "t", 0, zstd)).errorCode, ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
  assert.equal((await produce(7, "t", 0, zstd)).errorCode, ErrorCode.NONE);
  assert.equal((await produce(9, "t", 0, Buffer.concat([records(1), records(1)]))).errorCode, ErrorCode.INVALID_RECORD);
  const keyless = buildRecordBatch([{ key: null, value: "v", timestamp: Date.now() }]);
  const refused = await produce(9, "compacted", 0, keyless);
  assert.equal(refused.errorCode, ErrorCode.INVALID_RECORD);
  assert.deepEqual(
    refused.recordErrors.map((e) => e.batchIndex),
    [0],
  );
  assert.notEqual(refused.errorMessage, null);
  const old = records(1, "o", { timestampType: TimestampType.CREATE_TIME });
  const stamped = await produce(9, "appendtime", 0, old);
  assert.equal(stamped.errorCode, ErrorCode.NONE);
  assert.ok(Number(stamped.logAppendTimeMs) >= Date.now() - 60_000);
  const txnBatch = records(1, "tx", { transactional: true, producerId: 1, producerEpoch: 0, baseSequence: 0 });
  assert.equal((await produce(9, "t", 0, txnBatch)).errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  assert.equal((await produce(9, "t", 0, txnBatch, -1, "tx")).errorCode, ErrorCode.INVALID_TXN_STATE);
});

test("acks=0: no response; an error closes the connection", async () => {
  const quiet = await TestClient.connect(port);
  quiet.writeRaw(
    quiet.encode(0, 9, {
      transactionalId: null,
      acks: 0,
      timeoutMs: 1000,
      topicData: [{ name: "nope", partitionData: [{ index: 0, records: records(1) }] }],
    }),
  );
  assert.equal(await quiet.closedByBroker(), true);
});

test("fetch error codes: out of range, fenced epoch, unknown topic id", async () => {
  const range = firstPartition(await fetch(12, "t", 0, 1_000_000));
  assert.equal(range.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
  assert.ok(range.highWatermark > 0n);
  await broker.metadata.apply(bumpLeaderEpochs);
  const epoch = broker.metadata.image.topics.get("t")!.partitions[0].leaderEpoch;
  const withEpoch = (currentLeaderEpoch: number) =>
    c.send(1, 12, {
      ...defaultFetchRequest(),
      maxBytes: 1 << 20,
      topics: [fetchTopic("t", { currentLeaderEpoch, partitionMaxBytes: 1024 })],
    });
  assert.equal(firstPartition(await withEpoch(epoch)).errorCode, ErrorCode.NONE);
  assert.equal(firstPartition(await withEpoch(epoch + 1)).errorCode, ErrorCode.UNKNOWN_LEADER_EPOCH);
  const fenced = await withEpoch(epoch - 1);
  assert.equal(firstPartition(fenced).errorCode, ErrorCode.FENCED_LEADER_EPOCH);
  const unknown = await c.send(1, 13, {
    ...defaultFetchRequest(),
    maxBytes: 1 << 20,
    topics: [
      {
        topic: "",
        topicId: "AAAAAAAAAAAAAAAAAAAAAQ",
        partitions: [
          {
            partition: 0,
            currentLeaderEpoch: -1,
            fetchOffset: 0n,
            lastFetchedEpoch: -1,
            logStartOffset: -1n,
            partitionMaxBytes: 1024,
            replicaDirectoryId: "AAAAAAAAAAAAAAAAAAAAAA",
          },
        ],
      },
    ],
  });
  assert.equal(firstPartition(unknown).errorCode, ErrorCode.UNKNOWN_TOPIC_ID);
});

test("incremental fetch sessions: full, incremental with only changes, wrong epoch", async () => {
  const hw = Number(firstPartition(await fetch(12, "t", 0, 0)).highWatermark);
  const full = await fetch(12, "t", 0, hw, { sessionId: 0, sessionEpoch: 0 });
  assert.ok(full.sessionId > 0);
  assert.equal(full.responses.length, 1);
  const inc = await c.send(1, 12, {
    ...defaultFetchRequest(),
    maxBytes: 1 << 20,
    sessionId: full.sessionId,
    sessionEpoch: 1,
    topics: [],
  });
  assert.equal(inc.errorCode, ErrorCode.NONE);
  assert.equal(inc.sessionId, full.sessionId);
  assert.equal(inc.responses.length, 0, "nothing changed since the full fetch");
  const wrong = await c.send(1, 12, {
    ...defaultFetchRequest(),
    sessionId: full.sessionId,
    sessionEpoch: 7,
    topics: [],
  });
  assert.equal(wrong.errorCode, ErrorCode.INVALID_FETCH_SESSION_EPOCH);
  const missing = await c.send(1, 12, { ...defaultFetchRequest(), sessionId: 12345, sessionEpoch: 1, topics: [] });
  assert.equal(missing.errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
});

test("ListOffsets (v0 old style, v1, v7 max timestamp), DeleteRecords, OffsetForLeaderEpoch", async () => {
  const list = async (version: number, timestamp: number) => {
    const r = await c.send(2, version, {
      ...defaultListOffsetsRequest(),
      replicaId: -1,
      topics: [
        {
          name: "t",
          partitions: [
            {
              partitionIndex: 0,
              currentLeaderEpoch: -1,
              timestamp: BigInt(timestamp),
              maxNumOffsets: version === 0 ? 5 : 1,
            },
          ],
        },
      ],
    });
    return r.topics[0].partitions[0];
  };
  const hw = firstPartition(await fetch(12, "t", 0, 0)).highWatermark;
  assert.equal((await list(1, -1)).offset, hw);
  assert.equal((await list(1, -2)).offset, 0n);
  const v0 = await list(0, -1);
  assert.equal(v0.errorCode, ErrorCode.NONE);
  assert.equal(v0.oldStyleOffsets[0], hw);
  const max = await list(7, -3);
  assert.equal(max.errorCode, ErrorCode.NONE);
  assert.ok(max.offset >= 0n && max.offset < hw);
  const byTime = await list(4, 0);
  assert.equal(byTime.offset, 0n);
  assert.ok(byTime.leaderEpoch >= 0);

  const del = await c.send(21, 2, {
    timeoutMs: 1000,
    topics: [{ name: "t", partitions: [{ partitionIndex: 0, offset: 2n }] }],
  });
  assert.equal(del.topics[0].partitions[0].errorCode, ErrorCode.NONE);
  assert.equal(del.topics[0].partitions[0].lowWatermark, 2n);
  assert.equal((await list(1, -2)).offset, 2n);
  const tooFar = await c.send(21, 2, {
    timeoutMs: 1000,
    topics: [{ name: "t", partitions: [{ partitionIndex: 0, offset: hw + 100n }] }],
  });
  assert.equal(tooFar.topics[0].partitions[0].errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
  const compacted = await c.send(21, 2, {
    timeoutMs: 1000,
    topics: [{ name: "compacted", partitions: [{ partitionIndex: 0, offset: 0n }] }],
  });
  assert.equal(compacted.topics[0].partitions[0].errorCode, ErrorCode.POLICY_VIOLATION);
  assert.equal(firstPartition(await fetch(12, "t", 0, 0)).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);

  const epoch = broker.metadata.image.topics.get("t")!.partitions[0].leaderEpoch;
  const ofle = await c.send(23, 4, {
    replicaId: -1,
    topics: [{ topic: "t", partitions: [{ partition: 0, currentLeaderEpoch: epoch, leaderEpoch: epoch }] }],
  });
  const e = ofle.topics[0].partitions[0];
  assert.equal(e.errorCode, ErrorCode.NONE);
  assert.equal(e.leaderEpoch, epoch);
  assert.equal(e.endOffset, BigInt(logs.getLog("t", 0)!.logEndOffset));
});

test("compression.type: the log holds the topic's codec; zstd topics refuse Fetch before v10", async () => {
  const p = await produce(9, "gzipped", 0, records(3, "g", { compression: CompressionType.LZ4 }));
  assert.equal(p.errorCode, ErrorCode.NONE);
  const f = firstPartition(await fetch(12, "gzipped", 0, 0));
  const bytes = f.records as Buffer;
  assert.equal(readRecordBatch(bytes, 0).header.attributes & 7, CompressionType.GZIP);
  assert.deepEqual(values(bytes), ["g0", "g1", "g2"]);
  assert.equal((await produce(9, "zstdonly", 0, records(1))).errorCode, ErrorCode.NONE);
  assert.equal(firstPartition(await fetch(9, "zstdonly", 0, 0)).errorCode, ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
  assert.equal(firstPartition(await fetch(10, "zstdonly", 0, 0)).errorCode, ErrorCode.NONE);
});

test("a long poll with min_bytes waits until that many bytes are below the HW", async () => {
  const hw = Number(firstPartition(await fetch(12, "t", 1, 0)).highWatermark);
  const other = await TestClient.connect(port);
  try {
    let done = false;
    const waiting = fetch(12, "t", 1, hw, { maxWaitMs: 10_000, minBytes: 2000 }).then((r) => {
      done = true;
      return r;
    });
    const send = () =>
      other.send(0, 9, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 5000,
        topicData: [{ name: "t", partitionData: [{ index: 1, records: records(1, "small") }] }],
      });
    await send();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(done, false, "one small batch is not enough");
    for (let i = 0; i < 40 && !done; i++) await send();
    const f = firstPartition(await waiting);
    assert.ok((f.records as Buffer).length >= 2000);
  } finally {
    other.close();
  }
});
