// Cluster mode: FindCoordinator answers with the coordinator whichever broker is asked. A producer
// that knows only one broker (librdkafka asks the broker it is connected to, again and again) must
// learn the leader of its transactional id's `__transaction_state` partition, and a consumer the
// leader of its group's `__consumer_offsets` partition, not NOT_COORDINATOR (librdkafka 0103 hung).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { TestClient } from "../../packages/broker/dist/testing/test-client.js";
import { defaultFindCoordinatorRequest } from "../../packages/protocol/dist/index.js";
import { startCluster, startEtcd } from "./harness.mjs";

const KEY_TYPE_GROUP = 0;
const KEY_TYPE_TRANSACTION = 1;

let etcd;
let brokers = [];

before(async () => {
  etcd = await startEtcd();
  brokers = await startCluster(etcd.url, 3);
});

after(async () => {
  for (const b of brokers) await b.broker.stop().catch(() => {});
  await etcd?.stop();
});

/** FindCoordinator v3 to one broker until it answers NONE (the internal topic may still be being created). */
async function findCoordinator(port, key, keyType) {
  const c = await TestClient.connect(port);
  try {
    let last;
    for (let i = 0; i < 150; i++) {
      last = await c.send(10, 3, { ...defaultFindCoordinatorRequest(), key, keyType });
      if (last.errorCode === 0) return last;
      assert.equal(
        last.errorCode,
        15,
        `broker on ${port}: COORDINATOR_NOT_AVAILABLE while it settles, not ${last.errorCode}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.fail(`broker on ${port} never answered NONE for ${key}: last error ${last?.errorCode}`);
  } finally {
    c.close();
  }
}

for (const [name, keyType] of [
  ["transactional id", KEY_TYPE_TRANSACTION],
  ["group", KEY_TYPE_GROUP],
]) {
  test(`FindCoordinator for a ${name}: every broker names the same coordinator`, async () => {
    const keys = Array.from({ length: 6 }, (_, i) => `${name.replace(" ", "-")}-${i}`);
    for (const key of keys) {
      const answers = [];
      for (const b of brokers) answers.push(await findCoordinator(b.port, key, keyType));
      const nodes = new Set(answers.map((a) => a.nodeId));
      assert.equal(nodes.size, 1, `${key}: brokers disagree: ${answers.map((a) => a.nodeId)}`);
      const coordinator = brokers.find((b) => b.id === answers[0].nodeId);
      assert.ok(coordinator, `${key}: coordinator ${answers[0].nodeId} is one of the brokers`);
      for (const a of answers) assert.equal(a.port, coordinator.port);
    }
  });
}
