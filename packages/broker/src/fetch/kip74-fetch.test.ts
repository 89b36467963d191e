import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { buildRecordBatch, defaultFetchRequest, ErrorCode, type FetchResponse, readBatchHeader } from "@samsa/protocol";
import { createTopics, type DiskBroker, produceTo, startDiskBroker } from "../testing/disk-broker.js";
import { fetchTopic } from "../testing/fetch-topic.js";
import type { TestClient } from "../testing/test-client.js";

// Fetch v3+ reads a consumer's partitions concurrently where the byte budget cannot bind; the
// answer must still be what Kafka's in-order read gives: only the first partition with data may
// return a first batch beyond the limits (KIP-74), and what it takes shrinks the budget after it.
const SMALL = 300;
const BIG = 2500;

let broker: DiskBroker;
let c: TestClient;
const batchBytes = new Map<string, number>();

/** Partition 0: nothing. 1: one BIG batch, then SMALL ones. 2: BIG, then SMALL. 3: SMALL ones. */
const layout: number[][] = [[], [BIG, SMALL, SMALL], [BIG, SMALL], [SMALL, SMALL, SMALL, SMALL]];

before(async () => {
  broker = await startDiskBroker("kip74-fetch");
  c = broker.client;
  await createTopics(c, { k: 4 });
  for (const [p, sizes] of layout.entries()) {
    for (const value of sizes) {
      const batch = buildRecordBatch([{ key: null, value: Buffer.alloc(value, p), timestamp: 1 }]);
      batchBytes.set(`${p}:${value}`, batch.length);
      await produceTo(c, 8, "k", p, batch);
    }
  }
});

after(() => broker.stop());

function fetchV4(partitions: number[], partitionMaxBytes: number, maxBytes: number): Promise<FetchResponse> {
  return c.send(1, 4, {
    ...defaultFetchRequest(),
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes,
    isolationLevel: 0,
    topics: [
      fetchTopic(
        "k",
        partitions.map((partition) => ({ partition, partitionMaxBytes })),
      ),
    ],
  });
}

/** Per partition in answer order: the base offsets of the batches returned. */
function batches(r: FetchResponse): [number, number[]][] {
  return r.responses[0].partitions.map((p) => {
    assert.equal(p.errorCode, ErrorCode.NONE);
    const records = p.records as Buffer;
    const offsets: number[] = [];
    for (let pos = 0; pos < records.length; pos += 12 + readBatchHeader(records, pos).batchLength) {
      offsets.push(readBatchHeader(records, pos).baseOffset);
    }
    return [p.partitionIndex, offsets];
  });
}

const small = (p: number) => batchBytes.get(`${p}:${SMALL}`)!;

test("the first partition with data gets its first batch whole beyond the limit, a later one does not", async () => {
  // Partition 0 is empty, so 1 is the first with data: its BIG batch comes back alone; 2's does not.
  const limit = small(3) * 2;
  assert.deepEqual(batches(await fetchV4([0, 1, 2, 3], limit, 1 << 20)), [
    [0, []],
    [1, [0]],
    [2, []],
    [3, [0, 1]],
  ]);
});

test("what the first batch takes beyond its limit shrinks the budget of the partitions after it", async () => {
  // Budget 3 x limit: the limits add up to it, but partition 2's BIG batch leaves partition 3 less
  // than its own limit (partition 1, whose first batch is BIG too, gets nothing).
  const limit = small(3) * 3;
  const big = batchBytes.get(`2:${BIG}`)!;
  const fit = Math.floor((3 * limit - big) / small(3));
  assert.ok(fit < 3, `layout gives partition 3 ${fit} batches, as many as its own limit`);
  assert.deepEqual(batches(await fetchV4([2, 1, 3], limit, 3 * limit)), [
    [2, [0]],
    [1, []],
    [3, Array.from({ length: fit }, (_, i) => i)],
  ]);
});

test("partitions within the budget all come back up to their own limit, in request order", async () => {
  const limit = BIG * 2;
  assert.deepEqual(batches(await fetchV4([3, 2, 1], limit, 1 << 20)), [
    [3, [0, 1, 2, 3]],
    [2, [0, 1]],
    [1, [0, 1, 2]],
  ]);
});
