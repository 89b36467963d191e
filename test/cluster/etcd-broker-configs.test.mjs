// Dynamic broker configs in the etcd metadata backend: a cluster default one broker writes reaches the
// others by the watch (and their effective config, as followDynamicConfigs applies it), survives a
// fresh connection; concurrent alters of the cluster default and a broker's own configs both land
// (compare-and-swap on the broker-configs key, the loser retries on fresh state).
import assert from "node:assert/strict";
import { test } from "node:test";
import { BrokerConfig } from "../../packages/broker/dist/config/broker-config.js";
import { followDynamicConfigs } from "../../packages/broker/dist/config/follow-dynamic-configs.js";
import { silentLogger } from "../../packages/broker/dist/logger.js";
import { brokerConfigsFor, setBrokerConfigs } from "../../packages/metadata/dist/index.js";
import { etcdFixture, until } from "./etcd-fixture.mjs";

const { openStore } = etcdFixture("brokercfg");

test("etcd store: dynamic broker configs are shared, applied by every broker, and survive reconnects", async () => {
  const a = await openStore(1);
  const b = await openStore(2);
  const config = BrokerConfig.from([
    ["node.id", "2"],
    ["log.retention.hours", "24"],
  ]);
  // No topics here: only the broker config is checked.
  const logs = { updateConfigs: async () => undefined };
  const unfollow = followDynamicConfigs(config, b.store, logs, silentLogger());
  try {
    const set = (store, name, configs) => store.apply((image) => setBrokerConfigs(image, name, configs));
    assert.equal((await set(a.store, "", { "log.retention.ms": "60000" })).ok, true);
    await until(() => config.get("log.retention.ms") === "60000", "broker 2 to apply the cluster default");
    assert.equal(config.sourceOf("log.retention.ms"), "DYNAMIC_DEFAULT_BROKER_CONFIG");

    const [ra, rb] = await Promise.all([
      set(a.store, "", { "log.retention.ms": "120000" }),
      set(b.store, "2", { "message.max.bytes": "2000000" }),
    ]);
    assert.equal(ra.ok && rb.ok, true);
    await until(
      () => config.get("log.retention.ms") === "120000" && config.int("message.max.bytes") === 2_000_000,
      "broker 2 to apply both",
    );
    assert.equal(config.sourceOf("message.max.bytes"), "DYNAMIC_BROKER_CONFIG");

    const c = await openStore(3);
    try {
      assert.deepEqual(brokerConfigsFor(c.store.image, ""), { "log.retention.ms": "120000" });
      assert.deepEqual(brokerConfigsFor(c.store.image, "2"), { "message.max.bytes": "2000000" });
    } finally {
      await c.store.close();
    }
    assert.equal((await set(a.store, "", {})).ok, true);
    await until(() => config.get("log.retention.ms") === null, "broker 2 to drop the default");
    assert.deepEqual([...a.errors, ...b.errors], []);
  } finally {
    unfollow();
    await a.store.close();
    await b.store.close();
  }
});
