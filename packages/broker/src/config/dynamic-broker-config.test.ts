import assert from "node:assert/strict";
import { test } from "node:test";
import { BrokerConfig } from "./broker-config.js";
import { DYNAMIC_CONFIG_DEFS, validateBrokerConfigs } from "./dynamic-broker-config.js";
import { DYNAMIC_BROKER_CONFIGS } from "./dynamic-defs.js";
import { logConfigFor } from "./log-config.js";
import { TopicSettingsCache } from "../replica/topic-settings.js";

test("every dynamic config has a definition to validate its values with", () => {
  assert.deepEqual(
    [...DYNAMIC_BROKER_CONFIGS].filter((n) => !DYNAMIC_CONFIG_DEFS.has(n)),
    [],
  );
});

test("validateBrokerConfigs: canonical values, Kafka's checks in Kafka's order", () => {
  assert.deepEqual(validateBrokerConfigs("1", { "log.cleanup.policy": " compact , delete", "num.io.threads": "+4" }), {
    ok: true,
    configs: { "log.cleanup.policy": "compact,delete", "num.io.threads": "4" },
  });
  const both = validateBrokerConfigs("", { "broker.rack": "a", listeners: "PLAINTEXT://:1" });
  assert.equal(both.ok, false);
  assert.match(both.ok ? "" : both.message, /Cannot update these configs dynamically: Set\(broker.rack\)$/);
  const perBroker = validateBrokerConfigs("", { listeners: "PLAINTEXT://:1", "max.connections": "5" });
  assert.match(
    perBroker.ok ? "" : perBroker.message,
    /default cluster level, broker id must be specified: Set\(listeners\)$/,
  );
  assert.equal(validateBrokerConfigs("", { "max.connections": "5" }).ok, true);
  const range = validateBrokerConfigs("2", { "min.insync.replicas": "0" });
  assert.match(range.ok ? "" : range.message, /name='2'\): Invalid value 0 for configuration min.insync.replicas/);
});

test("precedence: per-broker dynamic over cluster default over static over default, in log configs too", () => {
  const c = BrokerConfig.from([
    ["log.retention.ms", "1000"],
    ["log.segment.bytes", "2048"],
  ]);
  assert.equal(logConfigFor(c, {}).retentionMs, 1000);
  assert.equal(c.setDynamic({ "log.retention.hours": "1", "log.segment.bytes": "4096" }, {}), true);
  assert.equal(c.setDynamic({ "log.retention.hours": "1", "log.segment.bytes": "4096" }, {}), false);
  assert.equal(logConfigFor(c, {}).retentionMs, 3_600_000);
  assert.equal(logConfigFor(c, { "retention.ms": "5" }).retentionMs, 5);
  assert.equal(c.sourceOf("log.segment.bytes"), "DYNAMIC_DEFAULT_BROKER_CONFIG");
  c.setDynamic({ "log.retention.hours": "1", "log.segment.bytes": "4096" }, { "log.segment.bytes": "8192" });
  assert.equal(c.long("log.segment.bytes"), 8192);
  assert.equal(logConfigFor(c, {}).segmentBytes, 8192);
  assert.equal(c.entries().find((e) => e.def.name === "log.segment.bytes")?.source, "DYNAMIC_BROKER_CONFIG");
  c.setDynamic({}, {});
  assert.equal(logConfigFor(c, {}).retentionMs, 1000);
  assert.equal(c.sourceOf("log.segment.bytes"), "STATIC_BROKER_CONFIG");
});

test("produce-path topic settings follow a dynamic default without an override change", () => {
  const c = BrokerConfig.from([]);
  const cache = new TopicSettingsCache(c);
  const overrides = {};
  assert.equal(cache.get("t", overrides).maxMessageBytes, 1048588);
  c.setDynamic({ "message.max.bytes": "2000000" }, {});
  assert.equal(cache.get("t", overrides).maxMessageBytes, 2_000_000);
  assert.equal(cache.get("t", { "max.message.bytes": "10" }).maxMessageBytes, 10);
});
