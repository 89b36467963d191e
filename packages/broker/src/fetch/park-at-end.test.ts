import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { buildRecordBatch, defaultFetchRequest, ErrorCode, type FetchResponse, readBatchHeader } from "@samsa/protocol";
import { DiskPartitionLogs } from "../replica/testing/disk-partition-logs.js";
import { createTopics, produceTo } from "../testing/disk-broker.js";
import { fetchTopic } from "../testing/fetch-topic.js";
import { type RunningBroker, removeDir, startTestBroker } from "../testing/test-broker.js";
import { TestClient } from "../testing/test-client.js";

// A consumer following the tail fetches at the fetchable end right after each answer: that Fetch
// parks without reading the log, reads once when records arrive, and an expired one answers from
// the partition's offsets alone.

let b: RunningBroker<DiskPartitionLogs>;
let producer: TestClient;
let consumer: TestClient;
/** Log.read calls on the topic's partition since the last reset. */
let reads = 0;

function batch(value: string): Buffer {
  return buildRecordBatch([{ key: null, value: Buffer.from(value), timestamp: 1 }]);
}

before(async () => {
  b = await startTestBroker([], undefined, (dir) => new DiskPartitionLogs(dir));
  producer = await TestClient.connect(b.port);
  consumer = await TestClient.connect(b.port);
  await createTopics(producer, { tail: 1 });
  await produceTo(producer, 8, "tail", 0, batch("a"));
  await produceTo(producer, 8, "tail", 0, batch("b"));
  const log = b.logs.getLog("tail", 0);
  assert.ok(log !== undefined);
  const read = log.read.bind(log);
  log.read = (...args) => {
    reads++;
    return read(...args);
  };
});

after(async () => {
  producer.close();
  consumer.close();
  await b.stop();
  await removeDir(b.dataDir);
});

interface FetchOptions {
  readonly fetchOffset: number;
  readonly maxWaitMs: number;
  readonly isolationLevel?: number;
  readonly currentLeaderEpoch?: number;
  readonly sessionId?: number;
  readonly sessionEpoch?: number;
  /** Leaves the partition out (an incremental fetch of an unchanged session). */
  readonly noPartitions?: boolean;
}

function fetch(o: FetchOptions): Promise<FetchResponse> {
  return consumer.send(1, 11, {
    ...defaultFetchRequest(),
    replicaId: -1,
    maxWaitMs: o.maxWaitMs,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: o.isolationLevel ?? 0,
    sessionId: o.sessionId ?? 0,
    sessionEpoch: o.sessionEpoch ?? -1,
    topics: o.noPartitions
      ? []
      : [fetchTopic("tail", { fetchOffset: BigInt(o.fetchOffset), currentLeaderEpoch: o.currentLeaderEpoch ?? -1 })],
  });
}

function baseOffsets(records: Buffer): number[] {
  const out: number[] = [];
  for (let pos = 0; pos < records.length; pos += 12 + readBatchHeader(records, pos).batchLength)
    out.push(Number(readBatchHeader(records, pos).baseOffset));
  return out;
}

function logEnd(): number {
  return b.logs.getLog("tail", 0)?.logEndOffset ?? -1;
}

test("a Fetch at the end parks without reading and is answered with the next records, read once", async () => {
  const end = logEnd();
  reads = 0;
  const parked = fetch({ fetchOffset: end, maxWaitMs: 10_000 });
  const early = await Promise.race([parked.then(() => true), new Promise((r) => setTimeout(() => r(false), 100))]);
  assert.equal(early, false, "answered before any record arrived");
  assert.equal(reads, 0, "read the log before parking");
  await produceTo(producer, 8, "tail", 0, batch("c"));
  const r = (await parked).responses[0].partitions[0];
  assert.equal(r.errorCode, ErrorCode.NONE);
  assert.deepEqual(baseOffsets(r.records as Buffer), [end]);
  assert.equal(r.highWatermark, BigInt(end + 1));
  assert.equal(reads, 1, "reads when woken: once");
});

test("an expired Fetch at the end answers empty with the HW, LSO and log start offset, without reading", async () => {
  const end = logEnd();
  reads = 0;
  const started = performance.now();
  const r = (await fetch({ fetchOffset: end, maxWaitMs: 30 })).responses[0].partitions[0];
  assert.ok(performance.now() - started >= 30, "answered before max wait");
  assert.equal(r.errorCode, ErrorCode.NONE);
  assert.equal((r.records as Buffer).length, 0);
  assert.equal(r.highWatermark, BigInt(end));
  assert.equal(r.lastStableOffset, BigInt(end));
  assert.equal(r.logStartOffset, 0n);
  assert.equal(r.abortedTransactions, null);
  assert.equal(r.preferredReadReplica, -1);
  assert.equal(reads, 0);
});

test("read_committed at the end: an expired Fetch lists no aborted transactions (an empty list, not null)", async () => {
  const end = logEnd();
  const r = (await fetch({ fetchOffset: end, maxWaitMs: 5, isolationLevel: 1 })).responses[0].partitions[0];
  assert.equal(r.errorCode, ErrorCode.NONE);
  assert.equal(r.lastStableOffset, BigInt(end));
  assert.deepEqual(r.abortedTransactions, []);
});

test("a Fetch at the end with an unknown leader epoch is refused at once, not parked", async () => {
  const started = performance.now();
  const r = (await fetch({ fetchOffset: logEnd(), maxWaitMs: 10_000, currentLeaderEpoch: 99 })).responses[0]
    .partitions[0];
  assert.equal(r.errorCode, ErrorCode.UNKNOWN_LEADER_EPOCH);
  assert.ok(performance.now() - started < 5_000);
});

test("a Fetch past the end is answered at once with OFFSET_OUT_OF_RANGE", async () => {
  const r = (await fetch({ fetchOffset: logEnd() + 5, maxWaitMs: 10_000 })).responses[0].partitions[0];
  assert.equal(r.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
});

test("fetch sessions: an incremental Fetch at the end omits the unchanged partition, then brings its records", async () => {
  const end = logEnd();
  const full = await fetch({ fetchOffset: end, maxWaitMs: 5, sessionId: 0, sessionEpoch: 0 });
  assert.equal(full.errorCode, ErrorCode.NONE);
  assert.notEqual(full.sessionId, 0);
  assert.equal(full.responses[0].partitions[0].highWatermark, BigInt(end));
  const quiet = await fetch({ fetchOffset: end, maxWaitMs: 5, sessionId: full.sessionId, sessionEpoch: 1 });
  assert.equal(quiet.errorCode, ErrorCode.NONE);
  assert.deepEqual(quiet.responses, [], "an unchanged partition is left out of an incremental answer");
  const parked = fetch({
    fetchOffset: end,
    maxWaitMs: 10_000,
    sessionId: full.sessionId,
    sessionEpoch: 2,
    noPartitions: true,
  });
  await produceTo(producer, 8, "tail", 0, batch("d"));
  const woken = await parked;
  assert.equal(woken.sessionId, full.sessionId);
  const p = woken.responses[0].partitions[0];
  assert.deepEqual(baseOffsets(p.records as Buffer), [end]);
  assert.equal(p.highWatermark, BigInt(end + 1));
});
