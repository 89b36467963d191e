import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  buildRecordBatch,
  defaultFetchRequest,
  ErrorCode,
  type FetchResponse,
  readBatchHeader,
  readMessageSet,
} from "@samsa/protocol";
import { createTopics, type DiskBroker, produceTo, startDiskBroker } from "../testing/disk-broker.js";
import { fetchTopic } from "../testing/fetch-topic.js";
import type { TestClient } from "../testing/test-client.js";

// Consumers' answers are read (and for Fetch v0-3 down-converted) ahead of the request for the
// next offset; the answer a client gets must still be what a read at request time gives.
const VALUE_BYTES = 200;

let broker: DiskBroker;
let c: TestClient;
let batchBytes = 0;

before(async () => {
  broker = await startDiskBroker("answer-ahead");
  c = broker.client;
  await createTopics(c, { ca: 1, hw: 1, ca4: 1, hw4: 1 });
});

after(() => broker.stop());

/** One batch per call, each record's value filled with its batch number. */
async function produce(topic: string, fills: number[]): Promise<void> {
  for (const fill of fills) {
    const batch = buildRecordBatch([
      { key: null, value: Buffer.alloc(VALUE_BYTES, fill), timestamp: 1 },
      { key: null, value: Buffer.alloc(VALUE_BYTES, fill), timestamp: 1 },
    ]);
    batchBytes = batch.length;
    await produceTo(c, 8, topic, 0, batch);
  }
}

/** Fetch v1 (magic 0 answers) of one partition: the offsets and value fills it returns. */
async function fetchV1(topic: string, offset: number, partitionMaxBytes: number) {
  const r: FetchResponse = await c.send(1, 1, {
    ...defaultFetchRequest(),
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    topics: [fetchTopic(topic, { fetchOffset: BigInt(offset), partitionMaxBytes })],
  });
  const p = r.responses[0].partitions[0];
  assert.equal(p.errorCode, ErrorCode.NONE);
  const messages = readMessageSet(p.records as Buffer, { maxUncompressedBytes: 1 << 20 });
  return { offsets: messages.map((m) => m.offset), fills: messages.map((m) => m.value![0]) };
}

/** Let the read ahead of the last answer run (it starts after the response is written). */
const settle = () => new Promise((r) => setTimeout(r, 50));

test("a consumer reading on gets each answer as a read at request time would give it", async () => {
  await produce("ca", [0, 1, 2, 3, 4, 5, 6]);
  // Two v2 batches of two records fit; converted to magic 0 they are larger, but the limit is on the read.
  const limit = 2 * batchBytes;
  const seen: number[] = [];
  const fills: number[] = [];
  for (let offset = 0; offset < 14; ) {
    await settle();
    const got = await fetchV1("ca", offset, limit);
    assert.ok(got.offsets.length > 0, `nothing at ${offset}`);
    seen.push(...got.offsets);
    fills.push(...got.fills);
    offset = got.offsets[got.offsets.length - 1] + 1;
  }
  assert.deepEqual(
    seen,
    Array.from({ length: 14 }, (_, i) => i),
  );
  assert.deepEqual(
    fills,
    Array.from({ length: 14 }, (_, i) => i >> 1),
  );
});

test("an answer read ahead up to the high watermark is not used once the high watermark moved on", async () => {
  await produce("hw", [0, 1, 2]);
  const limit = 2 * batchBytes;
  assert.deepEqual((await fetchV1("hw", 0, limit)).offsets, [0, 1, 2, 3]);
  // The answer for offset 4 was read ahead while only batch 2 was there.
  await settle();
  await produce("hw", [3, 4]);
  const next = await fetchV1("hw", 4, limit);
  assert.deepEqual(next.offsets, [4, 5, 6, 7]);
  assert.deepEqual(next.fills, [2, 2, 3, 3]);
});

/** Fetch v4 read_committed (record batches): the base offsets of the batches returned. */
async function fetchV4(topic: string, offset: number, partitionMaxBytes: number) {
  const r: FetchResponse = await c.send(1, 4, {
    ...defaultFetchRequest(),
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: 1,
    topics: [fetchTopic(topic, { fetchOffset: BigInt(offset), partitionMaxBytes })],
  });
  const p = r.responses[0].partitions[0];
  assert.equal(p.errorCode, ErrorCode.NONE);
  const records = p.records as Buffer;
  const bases: number[] = [];
  for (let pos = 0; pos < records.length; pos += 12 + readBatchHeader(records, pos).batchLength) {
    bases.push(readBatchHeader(records, pos).baseOffset);
  }
  return { bases };
}

test("Fetch v4: a consumer reading on gets each answer as a read at request time would give it", async () => {
  await produce("ca4", [0, 1, 2, 3, 4, 5, 6]);
  const limit = 2 * batchBytes;
  const bases: number[] = [];
  for (let offset = 0; offset < 14; ) {
    await settle();
    const got = await fetchV4("ca4", offset, limit);
    assert.ok(got.bases.length > 0, `nothing at ${offset}`);
    bases.push(...got.bases);
    offset = got.bases[got.bases.length - 1] + 2;
  }
  assert.deepEqual(bases, [0, 2, 4, 6, 8, 10, 12]);
});

test("Fetch v4: an answer read ahead up to the bound is not used once the bound moved on", async () => {
  await produce("hw4", [0, 1, 2]);
  const limit = 2 * batchBytes;
  assert.deepEqual((await fetchV4("hw4", 0, limit)).bases, [0, 2]);
  await settle();
  await produce("hw4", [3, 4]);
  assert.deepEqual((await fetchV4("hw4", 4, limit)).bases, [4, 6]);
});
