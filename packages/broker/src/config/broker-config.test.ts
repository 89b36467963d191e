import assert from "node:assert/strict";
import { test } from "node:test";
import { parseCommandLine } from "../cli.js";
import { BrokerConfig } from "./broker-config.js";
import { ConfigError } from "./config-error.js";
import { describeTopicConfig, effectiveTopicConfig, validateTopicConfig } from "./topic-config.js";
import { TOPIC_CONFIG_BY_NAME } from "./topic-defs.js";

test("defaults follow Kafka", () => {
  const c = BrokerConfig.from([]);
  assert.equal(c.int("num.partitions"), 1);
  assert.equal(c.int("default.replication.factor"), 1);
  assert.equal(c.bool("auto.create.topics.enable"), true);
  assert.equal(c.long("log.retention.bytes"), -1);
  assert.equal(c.int("log.segment.bytes"), 1073741824);
  assert.equal(c.int("message.max.bytes"), 1048588);
  assert.equal(c.int("socket.request.max.bytes"), 104857600);
  assert.equal(c.int("offsets.topic.num.partitions"), 50);
  assert.equal(c.long("log.flush.interval.messages"), Number.MAX_SAFE_INTEGER);
  assert.equal(c.get("log.flush.interval.messages"), "9223372036854775807");
  assert.equal(c.get("log.retention.ms"), null);
  assert.equal(c.nodeId, 1);
  assert.equal(c.dataDir, "./samsa-data");
  assert.deepEqual(c.listeners, [{ name: "PLAINTEXT", host: "127.0.0.1", port: 9092, securityProtocol: "PLAINTEXT" }]);
});

test("values are validated with Kafka's messages", () => {
  const bad: [string, string, RegExp][] = [
    ["num.partitions", "0", /Invalid value 0 for configuration num.partitions: Value must be at least 1/],
    ["num.partitions", "x", /Not a number of type INT/],
    ["num.partitions", "2147483648", /Not a number of type INT/],
    ["auto.create.topics.enable", "yes", /either true or false/],
    ["log.retention.ms", "9223372036854775808", /LONG/],
    ["log.cleanup.policy", "delete,shred", /one of/],
    ["log.message.timestamp.type", "Now", /one of/],
    ["log.cleaner.min.cleanable.ratio", "1.5", /no more than 1/],
    ["listeners", "PLAINTEXT:/x:1", /NAME:\/\/host:port/],
    ["listeners", "FOO://h:1", /no security protocol/],
    ["listeners", "PLAINTEXT://h:70000", /out of range/],
    ["log.dirs", "/a,/b", /one data directory/],
  ];
  for (const [k, v, re] of bad)
    assert.throws(
      () => BrokerConfig.from([[k, v]]),
      (e: unknown) => e instanceof ConfigError && re.test(e.message),
      `${k}=${v}`,
    );
  assert.equal(BrokerConfig.from([["auto.create.topics.enable", "FALSE"]]).get("auto.create.topics.enable"), "false");
  assert.throws(
    () =>
      BrokerConfig.from([
        ["node.id", "1"],
        ["broker.id", "2"],
      ]),
    ConfigError,
  );
  assert.equal(BrokerConfig.from([["broker.id", "7"]]).nodeId, 7);
});

test("unknown keys are set aside, not fatal", () => {
  const c = BrokerConfig.from([
    ["zookeeper.connect", "x"],
    ["num.partitions", "2"],
  ]);
  assert.deepEqual(c.unknownKeys, ["zookeeper.connect"]);
  assert.equal(c.int("num.partitions"), 2);
});

test("command line: file < --set < flags", () => {
  const file = "num.partitions=2\nnode.id=3\nlog.dirs=/from-file\n";
  const cmd = parseCommandLine(
    [
      "start",
      "--config",
      "server.properties",
      "--set",
      "num.partitions=4",
      "--set",
      "node.id=5",
      "--node-id",
      "6",
      "--listeners",
      "PLAINTEXT://0.0.0.0:0,INTERNAL://[::1]:9093",
      "--set",
      "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT",
    ],
    (path) => {
      assert.equal(path, "server.properties");
      return file;
    },
  );
  assert.equal(cmd.config.int("num.partitions"), 4);
  assert.equal(cmd.config.nodeId, 6);
  assert.equal(cmd.config.dataDir, "/from-file");
  assert.deepEqual(
    cmd.config.listeners.map((l) => [l.name, l.host, l.port]),
    [
      ["PLAINTEXT", "0.0.0.0", 0],
      ["INTERNAL", "::1", 9093],
    ],
  );
  assert.equal(parseCommandLine(["start", "--data-dir", "d"]).config.dataDir, "d");
});

test("command line errors are ConfigErrors with one line", () => {
  for (const argv of [
    [],
    ["stop"],
    ["start", "--bogus"],
    ["start", "--node-id"],
    ["start", "--set", "x"],
    ["start", "--node-id", "-3"],
    ["start", "--config", "/nonexistent/x.properties"],
  ]) {
    assert.throws(
      () => parseCommandLine(argv),
      (e: unknown) => e instanceof ConfigError && !e.message.includes("\n"),
      argv.join(" "),
    );
  }
});

test("topic configs take broker synonyms and convert their units", () => {
  const broker = BrokerConfig.from([
    ["log.retention.hours", "24"],
    ["log.cleanup.policy", "compact"],
  ]);
  const retention = describeTopicConfig(TOPIC_CONFIG_BY_NAME.get("retention.ms")!, broker, {});
  assert.equal(retention.value, "86400000");
  assert.equal(retention.source, "STATIC_BROKER_CONFIG");
  assert.deepEqual(
    retention.synonyms.map((s) => [s.name, s.source]),
    [
      ["log.retention.hours", "STATIC_BROKER_CONFIG"],
      ["log.retention.hours", "DEFAULT_CONFIG"],
    ],
  );
  const overridden = describeTopicConfig(TOPIC_CONFIG_BY_NAME.get("retention.ms")!, broker, { "retention.ms": "1000" });
  assert.equal(overridden.value, "1000");
  assert.equal(overridden.source, "DYNAMIC_TOPIC_CONFIG");
  const eff = effectiveTopicConfig(BrokerConfig.from([]), {});
  assert.equal(eff.long("retention.ms"), 604800000);
  assert.equal(eff.long("segment.ms"), 604800000);
  assert.equal(eff.get("cleanup.policy"), "delete");
  assert.equal(eff.long("flush.ms"), Number.MAX_SAFE_INTEGER);
  assert.equal(eff.get("max.message.bytes"), "1048588");
  assert.equal(effectiveTopicConfig(broker, {}).get("cleanup.policy"), "compact");
  assert.equal(
    effectiveTopicConfig(
      BrokerConfig.from([
        ["log.retention.ms", "-1"],
        ["log.retention.hours", "1"],
      ]),
      {},
    ).long("retention.ms"),
    -1,
  );
});

test("topic config validation", () => {
  assert.equal(validateTopicConfig("cleanup.policy", "compact,delete"), undefined);
  assert.match(validateTopicConfig("cleanup.policy", "shred") ?? "", /one of/);
  assert.match(validateTopicConfig("segment.bytes", "13") ?? "", /at least 14/);
  assert.match(validateTopicConfig("no.such.config", "1") ?? "", /Unknown topic config/);
  assert.match(validateTopicConfig("min.insync.replicas", "0") ?? "", /at least 1/);
  assert.equal(validateTopicConfig("compression.zstd.level", "-5"), undefined);
  assert.match(validateTopicConfig("compression.zstd.level", "23") ?? "", /no more than 22/);
  assert.equal(validateTopicConfig("leader.replication.throttled.replicas", "0:1,1:1"), undefined);
});

test("message.format.version is accepted (deprecated, ignored) with Kafka's version strings", () => {
  for (const v of ["0.10.0", "0.10.0-IV1", "0.10.2.1", "0.11.0", "1.0", "2.8", "2.8.1", "3.0-IV1", "3.7-IV4"]) {
    assert.equal(validateTopicConfig("message.format.version", v), undefined, v);
  }
  for (const v of ["", "banana", "0.7.0", "4", "2.9", "3.0-IVx"]) {
    assert.match(validateTopicConfig("message.format.version", v) ?? "", /not a valid version/, v);
  }
  assert.equal(
    describeTopicConfig(TOPIC_CONFIG_BY_NAME.get("message.format.version")!, BrokerConfig.from([]), {}).value,
    "3.0-IV1",
  );
});

test("advertised listeners must name bound listeners", () => {
  const c = BrokerConfig.from([["advertised.listeners", "PLAINTEXT://example.com:9999"]]);
  assert.deepEqual(
    c.advertisedListeners.map((l) => [l.host, l.port]),
    [["example.com", 9999]],
  );
  assert.deepEqual(
    c.listeners.map((l) => [l.host, l.port]),
    [["127.0.0.1", 9092]],
  );
  assert.throws(
    () =>
      BrokerConfig.from([
        ["advertised.listeners", "OTHER://h:1"],
        ["listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,OTHER:PLAINTEXT"],
      ]),
    /not one of listeners/,
  );
});
