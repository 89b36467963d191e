import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  defaultCreateTopicsRequest,
  defaultCreateTopicsRequestCreatableTopic,
  defaultFetchRequest,
  ErrorCode,
} from "@samsa/protocol";
import { DiskPartitionLogs } from "./replica/testing/disk-partition-logs.js";
import { type RunningBroker, removeDir, startTestBroker } from "./testing/test-broker.js";
import { fetchTopic } from "./testing/fetch-topic.js";
import { TestClient } from "./testing/test-client.js";

let b: RunningBroker<DiskPartitionLogs>;
let c: TestClient;

before(async () => {
  b = await startTestBroker([], undefined, (dir) => new DiskPartitionLogs(dir));
  c = await TestClient.connect(b.port);
  const created = await c.send(19, 5, {
    ...defaultCreateTopicsRequest(),
    topics: [{ ...defaultCreateTopicsRequestCreatableTopic(), name: "empty", numPartitions: 1, replicationFactor: -1 }],
  });
  assert.equal(created.topics[0].errorCode, ErrorCode.NONE);
});

after(async () => {
  c.close();
  await b.stop();
  await removeDir(b.dataDir);
});

// kafka-go sends max wait = its deadline minus a quarter, truncated to whole ms, and takes an empty
// answer for a timeout only once that deadline has passed: an answer even a fraction of a ms early
// fails its read (TestConn "reading messages from an empty partition should timeout ...").
function fetchEmpty(maxWaitMs: number) {
  return c.send(1, 11, {
    ...defaultFetchRequest(),
    replicaId: -1,
    maxWaitMs,
    minBytes: 1,
    maxBytes: 1 << 20,
    topics: [fetchTopic("empty")],
  });
}

test("an expired long poll on an empty partition answers no sooner than max wait plus 1 ms", async () => {
  // The new partition's leader may still be opening.
  for (let i = 0; i < 100 && (await fetchEmpty(0)).responses[0].partitions[0].errorCode !== ErrorCode.NONE; i++)
    await new Promise((resolve) => setTimeout(resolve, 20));
  const maxWaitMs = 10;
  const tooEarly: string[] = [];
  for (let i = 0; i < 40; i++) {
    const started = performance.now();
    const r = await fetchEmpty(maxWaitMs);
    const elapsedMs = performance.now() - started;
    assert.equal(r.responses[0].partitions[0].errorCode, ErrorCode.NONE);
    if (elapsedMs < maxWaitMs + 1) tooEarly.push(elapsedMs.toFixed(2));
  }
  assert.deepEqual(tooEarly, [], `answers before ${maxWaitMs + 1} ms`);
});

test("a long poll with the largest max wait (2^31-1 ms) keeps waiting", async () => {
  const polling = fetchEmpty(2 ** 31 - 1);
  const early = await Promise.race([
    polling.then(() => true),
    new Promise<false>((resolve) => setTimeout(() => resolve(false), 200)),
  ]);
  assert.equal(early, false, "answered at once: the timer wrapped");
  // Abandons the poll (the broker forgets it with the connection).
  c.close();
  c = await TestClient.connect(b.port);
});
