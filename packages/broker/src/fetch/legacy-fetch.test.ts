import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { buildMessageSet, defaultFetchRequest, ErrorCode, type FetchResponse, readMessageSet } from "@samsa/protocol";
import { createTopics, type DiskBroker, produceTo, startDiskBroker } from "../testing/disk-broker.js";
import { fetchTopic } from "../testing/fetch-topic.js";
import type { TestClient } from "../testing/test-client.js";

// Fetch v0-2 reads a consumer's partitions concurrently; the answer must be what reading them one
// by one within fetch.max.bytes gives, including when that budget runs out part way.
const FETCH_MAX_BYTES = 4000;
const MESSAGES = 10;
const VALUE_BYTES = 120;
/** A down-converted magic 0 entry: 12-byte prefix, 14-byte message header, key "k", value. */
const ENTRY_BYTES = 12 + 14 + 1 + VALUE_BYTES;

let broker: DiskBroker;
let c: TestClient;

before(async () => {
  broker = await startDiskBroker("legacy-fetch", [["fetch.max.bytes", String(FETCH_MAX_BYTES)]]);
  c = broker.client;
  await createTopics(c, { lf: 3 });
  for (let p = 0; p < 3; p++) {
    const set = buildMessageSet(
      Array.from({ length: MESSAGES }, () => ({ key: Buffer.from("k"), value: Buffer.alloc(VALUE_BYTES, p) })),
      { magic: 0 },
    );
    await produceTo(c, 2, "lf", p, set);
  }
});

after(() => broker.stop());

function fetchV1(partitions: number[], partitionMaxBytes: number): Promise<FetchResponse> {
  return c.send(1, 1, {
    ...defaultFetchRequest(),
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    topics: [
      fetchTopic(
        "lf",
        partitions.map((partition) => ({ partition, partitionMaxBytes })),
      ),
    ],
  });
}

function contents(r: FetchResponse): { partition: number; bytes: number; offsets: number[]; fill: number[] }[] {
  return r.responses[0].partitions.map((p) => {
    assert.equal(p.errorCode, ErrorCode.NONE);
    const records = p.records as Buffer;
    const messages = readMessageSet(records, { maxUncompressedBytes: 1 << 20, allowPartialTail: true });
    return {
      partition: p.partitionIndex,
      bytes: records.length,
      offsets: messages.map((m) => m.offset),
      fill: [...new Set(messages.map((m) => m.value![0]))],
    };
  });
}

const whole = (partition: number) => ({
  partition,
  bytes: MESSAGES * ENTRY_BYTES,
  offsets: Array.from({ length: MESSAGES }, (_, i) => i),
  fill: [partition],
});

test("partitions within the budget all come back whole, in request order", async () => {
  // 2 x 2000 <= fetch.max.bytes: the budget does not bind.
  assert.deepEqual(contents(await fetchV1([1, 0], 2000)), [whole(1), whole(0)]);
});

test("when the budget runs out, the partitions past it get what reading in order leaves them", async () => {
  // In order: 1470 bytes each for partitions 2 and 0 leave 4000 - 2940 = 1060 for partition 1, less
  // than its one stored batch: Kafka's overflow marker (a partial message) tells the client to grow.
  const [a, b, last] = contents(await fetchV1([2, 0, 1], 2000));
  assert.deepEqual([a, b], [whole(2), whole(0)]);
  assert.deepEqual(last, { partition: 1, bytes: 12, offsets: [], fill: [] });
});
