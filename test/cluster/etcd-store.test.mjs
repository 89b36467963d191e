// The etcd metadata backend against a real etcd: concurrent writers never overwrite each other
// (compare-and-swap on every key they change), a deposed controller cannot write, a broker whose
// lease ends leaves the image, and watches bring every store up to date.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createTopic, EtcdProducerIdBlocks, electLeaders } from "../../packages/metadata/dist/index.js";
import { etcdFixture, until } from "./etcd-fixture.mjs";

const { openStore } = etcdFixture("t");

let topicIds = 0;
const options = {
  defaultPartitions: 2,
  defaultReplicationFactor: 2,
  validateConfig: () => undefined,
  newTopicId: () => `topic-id-${++topicIds}`.padEnd(22, "x"),
};
const spec = (name) => ({ name, numPartitions: -1, replicationFactor: -1, assignments: [], configs: {} });

test("etcd store: registrations, watches, CAS between writers, controller fencing, producer id blocks", async () => {
  const a = await openStore(1);
  const b = await openStore(2);
  await until(() => a.store.image.brokers.length === 2 && b.store.image.brokers.length === 2, "both registrations");
  assert.equal(a.connection.clusterId, b.connection.clusterId, "one cluster id for all brokers");

  // Two brokers create the same topic at once: exactly one wins, the other sees TOPIC_ALREADY_EXISTS.
  const [ra, rb] = await Promise.all([
    a.store.apply((img) => createTopic(img, spec("same"), options)),
    b.store.apply((img) => createTopic(img, spec("same"), options)),
  ]);
  assert.equal([ra, rb].filter((r) => r.ok).length, 1, "one creation wins");
  assert.equal([ra, rb].find((r) => !r.ok).error.errorCode, 36);
  await until(() => a.store.image.topics.has("same") && b.store.image.topics.has("same"), "the topic on both");
  assert.equal(a.store.image.topics.get("same").topicId, b.store.image.topics.get("same").topicId);
  const placed = a.store.image.topics.get("same").partitions.map((p) => p.replicas);
  assert.deepEqual(placed, [
    [1, 2],
    [2, 1],
  ]);

  // The first to campaign is the controller; the other cannot write with a stale election revision.
  const electedA = await a.store.campaign();
  assert.ok(electedA !== undefined);
  assert.equal(await b.store.campaign(), undefined);
  await until(() => b.store.controller?.id === 1, "b sees the controller");
  const forged = await b.store.applyAsController(
    (img) => electLeaders(img, { live: new Set([2]), restarted: new Set() }),
    b.store.controller.createRevision + 1,
  );
  assert.equal(forged, undefined, "a write guarded by someone else's election revision is refused");
  await a.store.resign(electedA);
  await until(() => b.store.controller === undefined, "the controller key is gone");
  const stale = await a.store.applyAsController(
    (img) => electLeaders(img, { live: new Set([1]), restarted: new Set() }),
    electedA,
  );
  assert.equal(stale, undefined, "a deposed controller cannot write");
  assert.equal(a.store.image.topics.get("same").partitions[0].isr.length, 2, "nothing changed");

  // A broker that goes away (lease revoked on close) leaves the others' image.
  await b.store.close();
  await until(() => a.store.image.brokers.length === 1, "broker 2 leaving");

  // Producer id blocks never overlap, also when claimed concurrently.
  const blocks = new EtcdProducerIdBlocks(a.connection);
  const claimed = await Promise.all(Array.from({ length: 8 }, () => blocks.claimBlock(1000)));
  const firsts = claimed.map((c) => c.first).sort((x, y) => x - y);
  for (let i = 1; i < firsts.length; i++) assert.ok(firsts[i] >= firsts[i - 1] + 1000, `blocks overlap: ${firsts}`);

  await a.store.close();
  assert.deepEqual(a.errors, []);
});
