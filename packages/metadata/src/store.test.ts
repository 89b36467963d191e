import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { bumpLeaderEpochs, createTopic, deleteTopic } from "./changes.js";
import { MetadataCorruptError } from "./snapshot.js";
import { MetadataStore, SNAPSHOT_FILE } from "./store.js";
import { randomUuid } from "./uuid.js";

const brokers = [{ nodeId: 1, listeners: [], rack: null }];
const opts = {
  defaultPartitions: 2,
  defaultReplicationFactor: 1,
  validateConfig: () => undefined,
  newTopicId: () => randomUuid(),
};

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "samsa-meta-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("the image survives a restart and epochs never go backwards", async () => {
  await withDir(async (dir) => {
    const s1 = await MetadataStore.open({ dataDir: dir, clusterId: "c1", nodeId: 1, brokers });
    const r = await s1.apply((img) =>
      createTopic(
        img,
        {
          name: "t",
          numPartitions: 2,
          replicationFactor: 1,
          assignments: [],
          configs: { "cleanup.policy": "compact" },
        },
        opts,
      ),
    );
    assert.ok(r.ok);
    await s1.apply(bumpLeaderEpochs);
    await s1.close();

    const s2 = await MetadataStore.open({ dataDir: dir, clusterId: "c1", nodeId: 1, brokers });
    const t = s2.image.topics.get("t")!;
    assert.equal(t.topicId, r.value.topicId);
    assert.deepEqual(t.configs, { "cleanup.policy": "compact" });
    assert.deepEqual(
      t.partitions.map((p) => p.leaderEpoch),
      [1, 1],
    );
    assert.equal(s2.image.brokers.length, 1);
    await s2.apply((img) => deleteTopic(img, "t"));
    await s2.close();

    const s3 = await MetadataStore.open({ dataDir: dir, clusterId: "c1", nodeId: 1, brokers });
    assert.equal(s3.image.topics.size, 0);
    const again = await s3.apply((img) =>
      createTopic(img, { name: "t", numPartitions: 1, replicationFactor: 1, assignments: [], configs: {} }, opts),
    );
    assert.ok(again.ok);
    assert.equal(again.value.partitions[0].leaderEpoch, 2);
    assert.notEqual(again.value.topicId, r.value.topicId);
  });
});

test("a failed change persists nothing", async () => {
  await withDir(async (dir) => {
    const s = await MetadataStore.open({ dataDir: dir, clusterId: "c1", nodeId: 1, brokers });
    const before = await readFile(join(dir, SNAPSHOT_FILE), "utf8");
    const r = await s.apply((img) => deleteTopic(img, "missing"));
    assert.equal(r.ok, false);
    assert.equal(await readFile(join(dir, SNAPSHOT_FILE), "utf8"), before);
  });
});

test("concurrent changes apply one at a time", async () => {
  await withDir(async (dir) => {
    const s = await MetadataStore.open({ dataDir: dir, clusterId: "c1", nodeId: 1, brokers });
    const results = await Promise.all(
      ["a", "b", "a"].map((name) =>
        s.apply((img) =>
          createTopic(img, { name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: {} }, opts),
        ),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.ok),
      [true, true, false],
    );
    assert.equal(s.image.topics.size, 2);
  });
});

test("a corrupt or foreign snapshot is refused", async () => {
  await withDir(async (dir) => {
    await writeFile(join(dir, SNAPSHOT_FILE), "{not json");
    await assert.rejects(
      MetadataStore.open({ dataDir: dir, clusterId: "c1", nodeId: 1, brokers }),
      MetadataCorruptError,
    );
    await writeFile(
      join(dir, SNAPSHOT_FILE),
      JSON.stringify({ version: 1, clusterId: "c1", changeCount: 0, nextLeaderEpoch: -1, topics: [] }),
    );
    await assert.rejects(
      MetadataStore.open({ dataDir: dir, clusterId: "c1", nodeId: 1, brokers }),
      MetadataCorruptError,
    );
    await rm(join(dir, SNAPSHOT_FILE));
    await (await MetadataStore.open({ dataDir: dir, clusterId: "c1", nodeId: 1, brokers })).close();
    await assert.rejects(
      MetadataStore.open({ dataDir: dir, clusterId: "c2", nodeId: 1, brokers }),
      MetadataCorruptError,
    );
  });
});
